// `tracker export vllm-bench <id> [--detailed]`: a run as a `vllm bench serve --save-result` file
// in the Python layout (keys in vLLM's order; test/fixtures/vllm-bench/README.md), so vLLM's tooling and
// `tracker import vllm-bench` read it. Figures come from the project's formulas over the stored
// rows (aggregates.ts); percentiles are p50, p90, p95 and p99 of TTFT, TPOT, ITL and E2EL, as
// `--percentile-metrics ttft,tpot,itl,e2el --metric-percentiles 50,90,95,99` writes them; the
// peak figures (`max_output_tokens_per_s`, `max_concurrent_requests`) come from metrics/peaks.ts.
// One difference from vLLM, deliberate: a figure of no values is null (vLLM writes 0), and so are
// the peaks of a recorded run without rows. With `detailed`, the per-request lists (`--save-detailed`) are written
// from DuckDB a batch at a time: times in seconds, `start_times` from the run's start; failed
// requests carry ttft 0, no gaps, output length 0 and their error, as vLLM writes them.
import { readRowBatches } from "../store/columns.ts";
import { type RunFolder } from "../store/folders.ts";
import type { Distribution } from "../metrics/types.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";
import { runConcurrency } from "../report/digest.ts";
import type { RunAggregates } from "./aggregates.ts";

type Json = string | number | boolean | null;

/** The result file as JSON text, in chunks (the per-request lists can be large). */
export async function* vllmBenchResultJson(
  run: RunFolder,
  agg: RunAggregates,
  opts: { detailed?: boolean } = {},
): AsyncGenerator<string> {
  const entries = Object.entries({ ...setup(run), ...results(agg) });
  const stats = Object.entries(statistics(agg));
  yield "{";
  yield entries.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(", ");
  if (opts.detailed && run.requestsPath) for (const [key, write] of LISTS) yield* list(run.requestsPath, key, write);
  for (const [k, v] of stats) yield `, ${JSON.stringify(k)}: ${JSON.stringify(v)}`;
  yield "}\n";
}

function setup(run: RunFolder): Record<string, Json> {
  const m = run.manifest;
  const load = (m.spec.load ?? {}) as { rate?: number; burstiness?: number; maxConcurrency?: number };
  const api = (m.spec.workload as { api?: string } | undefined)?.api;
  const backend = api === "chat" ? "openai-chat" : api === "completions" ? "openai" : null;
  const concurrency = runConcurrency(m) ?? load.maxConcurrency ?? null;
  return {
    date: m.started_at.slice(0, 19).replace(/[-:]/g, "").replace("T", "-"),
    endpoint_type: backend,
    backend,
    label: m.experiment_id,
    model_id: m.server.model,
    tokenizer_id: null,
    num_prompts: 0, // replaced in results()
    request_rate: load.rate ?? "inf",
    burstiness: load.burstiness ?? 1.0,
    max_concurrency: concurrency,
  };
}

function results(agg: RunAggregates): Record<string, Json> {
  const s = agg.summary;
  if (s)
    return {
      num_prompts: s.requests,
      duration: s.durationS,
      completed: s.completed,
      failed: s.failed,
      total_input_tokens: s.totalInputTokens,
      total_output_tokens: s.totalOutputTokens,
      request_throughput: s.requestThroughput,
      request_goodput: null,
      output_throughput: s.outputThroughput,
      total_token_throughput: s.totalTokenThroughput,
      max_output_tokens_per_s: agg.peaks?.peakOutputTokensPerS ?? null,
      max_concurrent_requests: agg.peaks?.peakConcurrentRequests ?? null,
    };
  const r = agg.manifest.recorded!;
  return {
    num_prompts: r.requests,
    duration: r.duration_s,
    completed: r.completed,
    failed: r.completed === null ? null : r.requests - r.completed,
    total_input_tokens: r.total_input_tokens,
    total_output_tokens: r.total_output_tokens,
    request_throughput: r.request_throughput,
    request_goodput: null,
    output_throughput: r.output_throughput,
    total_token_throughput: r.total_token_throughput,
    max_output_tokens_per_s: null,
    max_concurrent_requests: null,
  };
}

const METRICS = { ttft: "ttftMs", tpot: "tpotMs", itl: "itlMs", e2el: "e2elMs" } as const;

function statistics(agg: RunAggregates): Record<string, Json> {
  const out: Record<string, Json> = {};
  const s = agg.summary;
  if (!s) {
    const r = agg.manifest.recorded!;
    return { mean_ttft_ms: r.mean_ttft_ms, mean_tpot_ms: r.mean_tpot_ms, mean_e2el_ms: r.mean_e2el_ms };
  }
  for (const [name, key] of Object.entries(METRICS)) {
    const d: Distribution = s[key];
    Object.assign(out, {
      [`mean_${name}_ms`]: d.mean,
      [`median_${name}_ms`]: d.median,
      [`std_${name}_ms`]: d.std,
      [`p50_${name}_ms`]: d.p50,
      [`p90_${name}_ms`]: d.p90,
      [`p95_${name}_ms`]: d.p95,
      [`p99_${name}_ms`]: d.p99,
    });
  }
  return out;
}

type ListRow = Pick<
  RequestRow,
  | "status"
  | "sent_ms"
  | "ttft_ms"
  | "e2e_ms"
  | "itl_ms"
  | "prompt_tokens"
  | "completion_tokens"
  | "answer"
  | "error_message"
  | "error_class"
>;
const s = (ms: number | null) => (ms === null ? null : ms / 1000);
const ok = (r: ListRow) => r.status === "ok";

/** Each per-request list: its key, the columns it needs, and the value of one row. */
const LISTS: [string, { columns: (keyof ListRow)[]; value: (r: ListRow) => unknown }][] = [
  ["input_lens", { columns: ["prompt_tokens"], value: (r) => r.prompt_tokens }],
  ["output_lens", { columns: ["status", "completion_tokens"], value: (r) => (ok(r) ? r.completion_tokens : 0) }],
  ["ttfts", { columns: ["status", "ttft_ms"], value: (r) => (ok(r) ? s(r.ttft_ms) : 0) }],
  ["itls", { columns: ["status", "itl_ms"], value: (r) => (ok(r) ? (r.itl_ms ?? []).map((g) => g / 1000) : []) }],
  ["latencies", { columns: ["e2e_ms"], value: (r) => s(r.e2e_ms) ?? 0 }],
  ["start_times", { columns: ["sent_ms"], value: (r) => s(r.sent_ms) }],
  ["generated_texts", { columns: ["status", "answer"], value: (r) => (ok(r) ? (r.answer ?? "") : "") }],
  [
    "errors",
    {
      columns: ["status", "error_message", "error_class"],
      value: (r) => (ok(r) ? "" : (r.error_message ?? r.error_class ?? "error")),
    },
  ],
];

async function* list(path: string, key: string, write: (typeof LISTS)[number][1]): AsyncGenerator<string> {
  yield `, ${JSON.stringify(key)}: [`;
  let first = true;
  for await (const batch of readRowBatches(path, write.columns)) {
    const text = batch.map((r) => JSON.stringify(write.value(r as ListRow))).join(", ");
    yield first ? text : `, ${text}`;
    first = false;
  }
  yield "]";
}
