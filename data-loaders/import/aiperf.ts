// AIPerf profile exports: the summary `profile_export_aiperf.json` (JsonExportData, schema
// versions 1.0–1.5: one block `{unit, avg, p50, …}` per metric; "`unit` is authoritative") and the
// per-record `profile_export.jsonl` (MetricRecordInfo: `metadata` with nanosecond wall-clock times,
// `metrics` as `{value, unit}`, `error` as `{code, type, message}`). The two are written side by
// side; importing either reads both (the summary names the model, the records are the rows).
// Versions read: test/fixtures/aiperf/README.md.
//
// Aggregates: request_count (successful) + error_request_count requests, benchmark_duration (s),
// the throughputs AIPerf reports, total_isl / total_osl as token sums, and the means of TTFT,
// E2EL and TPOT: AIPerf's per-request inter_token_latency is (request latency − TTFT) / (output
// tokens − 1), vLLM's TPOT. Rows: one per record in file order, warm-up records marked as such;
// `inter_chunk_latency` is the gap list. The file is read twice, line by line (never held whole):
// once to check it and find the first send, once to write the rows.
import { createReadStream, existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { z } from "zod";
import { classifyHttpStatus, parseErrorBody } from "../client/errors.ts";
import { perSecond } from "../metrics/throughput.ts";
import type { ErrorClass } from "../store/schemas/request-row.ts";
import {
  ImportError,
  importedRow,
  parseDocument,
  parseWith,
  readText,
  shownPath,
  stampOf,
  toMs,
  type ImportedAggregates,
  type ImportedRow,
  type ImportedRun,
} from "./normalised.ts";

const n = () => z.number({ error: "a number" });
const metric = () => z.looseObject({ unit: z.string(), avg: n().nullable().optional() });

export const aiperfSummarySchema = z.looseObject({
  schema_version: z.string().optional(),
  aiperf_version: z.string().optional(),
  request_count: metric().optional(),
  error_request_count: metric().optional(),
  benchmark_duration: metric().optional(),
  request_throughput: metric().optional(),
  output_token_throughput: metric().optional(),
  total_isl: metric().optional(),
  total_osl: metric().optional(),
  time_to_first_token: metric().optional(),
  inter_token_latency: metric().optional(),
  request_latency: metric().optional(),
  min_request_timestamp: metric().optional(),
  input_config: z.looseObject(
    {
      endpoint: z.looseObject({
        model_names: z.array(z.string().min(1)).min(1, "at least one model name"),
        url: z.string().optional(),
        type: z.string().optional(),
        streaming: z.boolean().optional(),
      }),
      loadgen: z
        .looseObject({
          concurrency: z.number().int().min(1).nullable().optional(),
          request_rate: n().nullable().optional(),
        })
        .optional(),
    },
    { error: "AIPerf's input_config (is this an AIPerf profile_export_aiperf.json?)" },
  ),
  start_time: z.string().optional(),
});
type Summary = z.infer<typeof aiperfSummarySchema>;
type Metric = z.infer<ReturnType<typeof metric>>;

const valueSchema = z.looseObject({ value: z.union([n(), z.array(n())]), unit: z.string() });
export const aiperfRecordSchema = z.looseObject({
  metadata: z.looseObject({
    session_num: z.number().int().min(0),
    x_request_id: z.string().nullable().optional(),
    conversation_id: z.string().nullable().optional(),
    request_start_ns: n(),
    request_end_ns: n(),
    worker_id: z.string().optional(),
    benchmark_phase: z.string(),
    was_cancelled: z.boolean().optional(),
  }),
  metrics: z.record(z.string(), valueSchema).nullable(),
  error: z
    .looseObject({
      code: z.number().int().nullable().optional(),
      type: z.string().nullable().optional(),
      message: z.string(),
    })
    .nullable(),
});
type AiperfRecord = z.infer<typeof aiperfRecordSchema>;

/** The two files of one AIPerf run, from either of them. */
export function aiperfFiles(file: string): { summary: string; records: string } {
  const dir = dirname(file);
  const name = basename(file);
  if (name.endsWith(".jsonl")) return { summary: join(dir, `${name.slice(0, -6)}_aiperf.json`), records: file };
  return { summary: file, records: join(dir, `${name.replace(/_aiperf\.json$|\.json$/, "")}.jsonl`) };
}

/** The summary file as a run without rows (`readAiperf` adds them from the records file). */
export function parseAiperfSummary(text: string, file: string): ImportedRun {
  return runOf(summaryOf(text, file), file);
}

function summaryOf(text: string, file: string): Summary {
  const s = parseWith(aiperfSummarySchema, parseDocument(text, file), file);
  if (!s.request_count && !s.error_request_count)
    throw new ImportError(`${shownPath(file)}: request_count: missing (not an AIPerf profile export?)`);
  return s;
}

function runOf(s: Summary, file: string): ImportedRun {
  const loadgen = s.input_config.loadgen;
  const start = startOf(s, file);
  return {
    tool: { name: "AIPerf", version: s.aiperf_version ?? null },
    model: s.input_config.endpoint.model_names[0]!,
    measuredOn: start?.day ?? null,
    stamp: start?.stamp ?? null,
    label: loadgen?.concurrency ? `concurrency ${loadgen.concurrency}` : `request rate ${loadgen?.request_rate ?? "?"}`,
    concurrency: loadgen?.concurrency ?? null,
    requestRate: loadgen?.request_rate ?? null,
    details: [
      s.input_config.endpoint.type && `endpoint type ${s.input_config.endpoint.type}`,
      s.input_config.endpoint.streaming !== undefined && `streaming ${s.input_config.endpoint.streaming}`,
      s.schema_version && `export schema ${s.schema_version}`,
    ].filter((d): d is string => typeof d === "string"),
    aggregates: aggregatesOf(s, file),
    rows: null,
    rowsNote: null,
  };
}

function startOf(s: Summary, file: string): { stamp: string; day: string } | null {
  const first = s.min_request_timestamp;
  if (first?.avg != null) return stampOf(new Date(toMs(first.avg, first.unit, file, "min_request_timestamp")));
  const at = s.start_time ? new Date(`${s.start_time.replace(/Z$/, "")}Z`) : null;
  return at && !Number.isNaN(at.getTime()) ? stampOf(at) : null;
}

function aggregatesOf(s: Summary, file: string): ImportedAggregates {
  const avg = (name: keyof Summary) => (s[name] as Metric | undefined)?.avg ?? null;
  const ms = (name: "time_to_first_token" | "inter_token_latency" | "request_latency") => {
    const m = s[name];
    return m?.avg == null ? null : toMs(m.avg, m.unit, file, name);
  };
  const rate = (name: "request_throughput" | "output_token_throughput", unit: string) => {
    const m = s[name];
    if (m && m.unit !== unit)
      throw new ImportError(`${shownPath(file)}: ${name}: unit "${m.unit}", expected "${unit}"`);
    return m?.avg ?? null;
  };
  const completed = avg("request_count") ?? 0;
  const d = s.benchmark_duration;
  const duration = d?.avg == null ? null : toMs(d.avg, d.unit, file, "benchmark_duration") / 1000;
  const input = avg("total_isl");
  const output = avg("total_osl");
  return {
    num_prompts: completed + (avg("error_request_count") ?? 0),
    completed,
    duration,
    total_input_tokens: input,
    total_output_tokens: output,
    request_throughput: rate("request_throughput", "requests/sec"),
    output_throughput: rate("output_token_throughput", "tokens/sec"),
    total_token_throughput: input !== null && output !== null && duration ? perSecond(input + output, duration) : null,
    mean_ttft_ms: completed > 0 ? ms("time_to_first_token") : null,
    mean_tpot_ms: completed > 0 ? ms("inter_token_latency") : null,
    mean_e2el_ms: completed > 0 ? ms("request_latency") : null,
  };
}

/** One line of profile_export.jsonl, checked; errors name the file, line and field. */
export function parseAiperfRecord(text: string, line: number, file: string): AiperfRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ImportError(`${shownPath(file)}: line ${line}: not valid JSON (${(e as Error).message})`);
  }
  const record = parseWith(aiperfRecordSchema, value, file, [`line ${line}`]);
  for (const [name, m] of Object.entries(record.metrics ?? {}))
    if (TIME_METRICS.has(name)) toMs(0, m.unit, file, `line ${line}: metrics.${name}.unit`);
  return record;
}

const TIME_METRICS = new Set(["time_to_first_token", "request_latency", "inter_chunk_latency", "inter_token_latency"]);

async function* lines(file: string): AsyncGenerator<{ text: string; line: number }> {
  const reader = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let line = 0;
  for await (const text of reader) {
    line++;
    if (text.trim() !== "") yield { text, line };
  }
}

export interface RecordScan {
  /** Earliest request_start_ns: time zero of the rows. */
  origin: number;
  /** Profiling (not warm-up) records that succeeded and failed. */
  ok: number;
  failed: number;
}

/** First pass over the records: every line checked, the first send found, outcomes counted. */
export async function scanAiperfRecords(file: string): Promise<RecordScan> {
  const scan = { origin: Infinity, ok: 0, failed: 0 };
  for await (const { text, line } of lines(file)) {
    const r = parseAiperfRecord(text, line, file);
    scan.origin = Math.min(scan.origin, r.metadata.request_start_ns);
    if (r.metadata.benchmark_phase === "warmup") continue;
    if (failedRecord(r)) scan.failed++;
    else scan.ok++;
  }
  return scan;
}

const failedRecord = (r: AiperfRecord) => r.error !== null || r.metadata.was_cancelled === true;

/** Second pass: the rows, in file order. */
export async function* aiperfRows(file: string, origin: number, endpoint: string): AsyncGenerator<ImportedRow> {
  const workers = new Map<string, number>();
  let index = 0;
  for await (const { text, line } of lines(file)) {
    const r = parseAiperfRecord(text, line, file);
    const worker = r.metadata.worker_id ?? "";
    if (!workers.has(worker)) workers.set(worker, workers.size);
    yield rowOf(r, { index: index++, origin, endpoint, worker: workers.get(worker)!, file, line });
  }
}

interface RowContext {
  index: number;
  origin: number;
  endpoint: string;
  worker: number;
  file: string;
  line: number;
}

function rowOf(r: AiperfRecord, at: RowContext): ImportedRow {
  const m = r.metadata;
  const metrics = r.metrics ?? {};
  const field = (name: string) => `line ${at.line}: metrics.${name}`;
  const scalar = (name: string) => (typeof metrics[name]?.value === "number" ? (metrics[name].value as number) : null);
  const time = (name: string) => {
    const v = scalar(name);
    return v === null ? null : toMs(v, metrics[name]!.unit, at.file, field(name));
  };
  const failed = failedRecord(r);
  const failure = failed ? failureOf(r) : null;
  const sent = (m.request_start_ns - at.origin) / 1e6;
  const ttft = failed ? null : time("time_to_first_token");
  const e2e = failed ? null : (time("request_latency") ?? (m.request_end_ns - m.request_start_ns) / 1e6);
  const gaps = metrics.inter_chunk_latency;
  return importedRow({
    request_index: at.index,
    prompt_id: m.conversation_id ?? String(m.session_num),
    request_id: m.x_request_id ?? "",
    endpoint: at.endpoint,
    worker: at.worker,
    warmup: m.benchmark_phase === "warmup",
    status: failed ? "error" : "ok",
    error_class: failure?.error_class ?? null,
    http_status: failure?.http_status ?? null,
    error_message: failure?.error_message ?? null,
    sent_ms: sent,
    first_event_ms: ttft === null ? null : sent + ttft,
    first_token_ms: ttft === null ? null : sent + ttft,
    done_ms: failed ? (m.request_end_ns - at.origin) / 1e6 : sent + e2e!,
    ttft_ms: ttft,
    e2e_ms: e2e,
    itl_ms:
      !failed && gaps && Array.isArray(gaps.value)
        ? gaps.value.map((g) => toMs(g, gaps.unit, at.file, field("inter_chunk_latency")))
        : null,
    prompt_tokens: scalar("input_sequence_length") ?? scalar("error_isl"),
    completion_tokens: failed ? null : (scalar("output_sequence_length") ?? scalar("output_token_count")),
  });
}

function failureOf(r: AiperfRecord): Pick<ImportedRow, "error_class" | "http_status" | "error_message"> {
  const e = r.error;
  const message = e ? [e.type, e.message].filter(Boolean).join(": ") : "cancelled";
  const code = e?.code ?? null;
  let errorClass: ErrorClass | null = null;
  if (r.metadata.was_cancelled) errorClass = "aborted";
  else if (code !== null && code >= 400 && code < 600)
    errorClass = classifyHttpStatus(code, parseErrorBody(e!.message));
  else if (/timeout/i.test(e?.type ?? "")) errorClass = "timeout";
  return {
    error_class: errorClass,
    http_status: code !== null && code >= 100 && code < 600 ? code : null,
    error_message: message,
  };
}

/** The run of an AIPerf export, from either file: summary aggregates, and rows when the records agree with them. */
export async function readAiperf(file: string): Promise<ImportedRun> {
  const files = aiperfFiles(file);
  if (!existsSync(files.summary))
    throw new ImportError(
      `${shownPath(file)}: AIPerf's summary ${basename(files.summary)} is not beside it (it names the model); import that file`,
    );
  const summary = summaryOf(readText(files.summary), files.summary);
  const run = runOf(summary, files.summary);
  if (!existsSync(files.records)) return { ...run, rowsNote: `no ${basename(files.records)} beside the summary` };
  const scan = await scanAiperfRecords(files.records);
  const a = run.aggregates;
  if (scan.ok !== a.completed || scan.ok + scan.failed !== a.num_prompts)
    return {
      ...run,
      rowsNote: `${basename(files.records)} has ${scan.ok} successful and ${scan.failed} failed profiling records, the summary ${a.completed} of ${a.num_prompts}: rows not stored`,
    };
  return { ...run, rows: aiperfRows(files.records, scan.origin, summary.input_config.endpoint.url ?? "") };
}
