// GuideLLM `benchmarks.json` (or `.yaml`): the GenerativeBenchmarksReport of GuideLLM's report
// schema version 2 (GuideLLM 0.7; test/fixtures/guidellm/README.md). One run per entry of
// `benchmarks` (a sweep has several). Units as GuideLLM writes them: Unix seconds for every
// timing, `request_latency` in seconds, `time_to_first_token_ms` in milliseconds.
//
// Aggregates: the request and token counts of the measurement window (`metrics.request_totals`,
// `*_token_count.successful.total_sum`) over the benchmark's `duration`, with vLLM's throughput
// definitions; mean TTFT and E2EL of the successful requests. GuideLLM's TPOT includes the first
// token and its ITL mean is weighted by tokens, so neither is vLLM's TPOT: mean TPOT is left out of
// the aggregates and comes from the rows (vLLM's definition) when they are stored.
//
// Rows: every request of `requests.successful/errored/incomplete`, in send order; requests outside
// the measurement window (warm-up, cool-down) are stored as warm-up rows. GuideLLM keeps no gaps
// between chunks, so `itl_ms` is null. Rows are stored only when the report kept every request
// (`--sample-size` unset): a sample would not give the run's throughput.
import { z } from "zod";
import { classifyHttpStatus, parseErrorBody } from "../client/errors.ts";
import { perSecond } from "../metrics/throughput.ts";
import {
  ImportError,
  importedRow,
  parseDocument,
  parseWith,
  shownPath,
  stampOf,
  type ImportedAggregates,
  type ImportedRow,
  type ImportedRun,
} from "./normalised.ts";

const n = () => z.number({ error: "a number" });
const time = () => n().nullable().optional();
const count = () => z.number({ error: "a whole number" }).int().min(0);
/** A StatusDistributionSummary: the import reads the successful requests' part. */
const summary = () =>
  z.looseObject({
    successful: z.looseObject({ mean: n(), count: count(), total_sum: n() }),
  });

const requestSchema = z.looseObject({
  request_id: z.string(),
  output: z.string().nullable().optional(),
  reasoning_output: z.string().nullable().optional(),
  info: z.looseObject({
    status: z.string(),
    scheduler_process_id: z.number().int().optional(),
    error: z.string().nullable().optional(),
    timings: z.looseObject({
      resolve_start: time(),
      request_start: time(),
      first_request_iteration: time(),
      first_token_iteration: time(),
      request_end: time(),
      resolve_end: time(),
    }),
  }),
  input_metrics: z.looseObject({ total_tokens: count().nullable().optional() }),
  output_metrics: z.looseObject({ total_tokens: count().nullable().optional() }),
});
type GuideLlmRequest = z.infer<typeof requestSchema>;

const benchmarkSchema = z.looseObject({
  type_: z.literal("generative_benchmark", { error: 'a generative benchmark (type_ "generative_benchmark")' }),
  config: z.looseObject({
    strategy: z.looseObject({
      type_: z.string(),
      streams: z.number().int().optional(),
      rate: n().optional(),
      max_concurrency: z.number().int().nullable().optional(),
    }),
    backend: z.looseObject({ model: z.string().optional(), target: z.string().optional() }).optional(),
  }),
  scheduler_metrics: z.looseObject({ measure_start_time: n(), measure_end_time: n() }),
  metrics: z.looseObject({
    request_totals: z.looseObject({ successful: count(), errored: count(), incomplete: count(), total: count() }),
    request_latency: summary(),
    prompt_token_count: summary(),
    output_token_count: summary(),
    time_to_first_token_ms: summary(),
  }),
  requests: z.looseObject({
    successful: z.array(requestSchema),
    errored: z.array(requestSchema),
    incomplete: z.array(requestSchema),
  }),
  start_time: n(),
  duration: n().positive(),
});
type Benchmark = z.infer<typeof benchmarkSchema>;

export const guideLlmReportSchema = z.looseObject({
  metadata: z.looseObject(
    {
      version: z.literal(2, { error: "2 (GuideLLM's report schema version this import reads)" }),
      guidellm_version: z.string().optional(),
    },
    { error: "GuideLLM's report metadata (is this a GuideLLM benchmarks.json?)" },
  ),
  config: z
    .looseObject({ spec: z.looseObject({ backend: z.looseObject({ model: z.string().optional() }).optional() }) })
    .optional(),
  benchmarks: z.array(z.unknown()).min(1, "at least one benchmark"),
});

/** Every benchmark of a GuideLLM report as a run. */
export function parseGuideLlm(text: string, file: string): ImportedRun[] {
  const report = parseWith(guideLlmReportSchema, parseDocument(text, file), file);
  return report.benchmarks.map((raw, k) => {
    const b = parseWith(benchmarkSchema, raw, file, ["benchmarks", k]);
    const model = b.config.backend?.model || report.config?.spec.backend?.model;
    if (!model) throw new ImportError(`${shownPath(file)}: benchmarks[${k}].config.backend.model: no model named`);
    return toRun(b, model, report.metadata.guidellm_version ?? null);
  });
}

function toRun(b: Benchmark, model: string, version: string | null): ImportedRun {
  const s = b.config.strategy;
  const { stamp, day } = stampOf(new Date(b.start_time * 1000));
  const rows = rowsOf(b);
  return {
    tool: { name: "GuideLLM", version },
    model,
    measuredOn: day,
    stamp,
    label: strategyLabel(s),
    concurrency:
      s.type_ === "synchronous" ? 1 : s.type_ === "concurrent" ? (s.streams ?? null) : (s.max_concurrency ?? null),
    requestRate: s.rate ?? (s.type_ === "throughput" ? "inf" : null),
    details: [
      `GuideLLM profile ${s.type_}`,
      ...(b.config.backend?.target ? [`target ${b.config.backend.target}`] : []),
    ],
    aggregates: aggregatesOf(b),
    rows: rows.rows,
    rowsNote: rows.note,
  };
}

function strategyLabel(s: Benchmark["config"]["strategy"]): string {
  if (s.type_ === "concurrent") return `concurrent, ${s.streams} streams`;
  if (s.rate !== undefined) return `${s.type_}, ${s.rate} req/s`;
  return s.type_;
}

function aggregatesOf(b: Benchmark): ImportedAggregates {
  const m = b.metrics;
  const completed = m.request_totals.successful;
  const input = Math.round(m.prompt_token_count.successful.total_sum);
  const output = Math.round(m.output_token_count.successful.total_sum);
  const mean = (d: { mean: number; count: number }, factor = 1) => (d.count > 0 ? d.mean * factor : null);
  return {
    num_prompts: m.request_totals.total,
    completed,
    duration: b.duration,
    total_input_tokens: input,
    total_output_tokens: output,
    request_throughput: perSecond(completed, b.duration),
    output_throughput: perSecond(output, b.duration),
    total_token_throughput: perSecond(input + output, b.duration),
    mean_ttft_ms: mean(m.time_to_first_token_ms.successful),
    mean_tpot_ms: null,
    // GuideLLM's request latency is in seconds.
    mean_e2el_ms: mean(m.request_latency.successful, 1000),
  };
}

type Status = "successful" | "errored" | "incomplete";

function rowsOf(b: Benchmark): { rows: ImportedRow[] | null; note: string | null } {
  const all = (["successful", "errored", "incomplete"] as const).flatMap((status) =>
    b.requests[status].map((r) => ({ r, status, start: startOf(r) })),
  );
  const { measure_start_time: from, measure_end_time: to } = b.scheduler_metrics;
  const inWindow = (r: GuideLlmRequest) => (endOf(r) ?? -Infinity) >= from && (startOf(r) ?? Infinity) <= to;
  const totals = b.metrics.request_totals;
  const kept = (status: Status) => b.requests[status].filter(inWindow).length;
  if ((["successful", "errored", "incomplete"] as const).some((status) => kept(status) !== totals[status]))
    return {
      rows: null,
      note: `the report kept ${all.length} of the requests (GuideLLM --sample-size): rows not stored`,
    };
  all.sort((a, c) => (a.start ?? Infinity) - (c.start ?? Infinity));
  const origin = all[0]?.start ?? 0; // sorted by send time (a spread of a large list would overflow the stack)
  const target = b.config.backend?.target ?? "";
  const rows = all.map(({ r, status }, i) => rowOf(r, status, i, { origin, target, warmup: !inWindow(r) }));
  return { rows, note: null };
}

const startOf = (r: GuideLlmRequest) => r.info.timings.request_start ?? r.info.timings.resolve_start ?? null;
const endOf = (r: GuideLlmRequest) => r.info.timings.request_end ?? r.info.timings.resolve_end ?? null;

function rowOf(
  r: GuideLlmRequest,
  status: Status,
  index: number,
  at: { origin: number; target: string; warmup: boolean },
): ImportedRow {
  const t = r.info.timings;
  const ms = (s: number | null | undefined) => (s == null ? null : (s - at.origin) * 1000);
  const sent = ms(startOf(r));
  const first = ms(t.first_request_iteration ?? t.first_token_iteration);
  const done = ms(endOf(r));
  const since = (x: number | null) => (x === null || sent === null ? null : x - sent);
  const failure = status === "successful" ? NO_FAILURE : failureOf(r, status);
  return importedRow({
    request_index: index,
    prompt_id: r.request_id,
    request_id: r.request_id,
    endpoint: at.target,
    worker: Math.max(r.info.scheduler_process_id ?? 0, 0),
    warmup: at.warmup,
    status: status === "successful" ? "ok" : "error",
    error_class: failure.error_class,
    http_status: failure.http_status,
    error_message: failure.error_message,
    sent_ms: sent,
    first_event_ms: first,
    first_token_ms: ms(t.first_token_iteration),
    done_ms: done,
    ttft_ms: since(first),
    e2e_ms: since(done),
    prompt_tokens: r.input_metrics.total_tokens ?? null,
    completion_tokens: r.output_metrics.total_tokens ?? null,
    answer: r.output ?? null,
    reasoning: r.reasoning_output ?? null,
  });
}

type Failure = Pick<ImportedRow, "error_class" | "http_status" | "error_message">;
const NO_FAILURE: Failure = { error_class: null, http_status: null, error_message: null };

const HTTP_STATUS = /\b(?:HTTP|status(?: code)?)[ :]*([1-5]\d\d)\b/i;

function failureOf(r: GuideLlmRequest, status: Status): Failure {
  const message = r.info.error ?? (status === "incomplete" ? "incomplete: cancelled when the benchmark ended" : null);
  if (status === "incomplete") return { error_class: "aborted", http_status: null, error_message: message };
  const code = message ? Number(HTTP_STATUS.exec(message)?.[1] ?? NaN) : NaN;
  if (!Number.isFinite(code) || code < 400) return { ...NO_FAILURE, error_message: message };
  return { error_class: classifyHttpStatus(code, parseErrorBody(message!)), http_status: code, error_message: message };
}
