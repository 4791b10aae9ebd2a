// `vllm bench serve --save-result` files, in the Python client's layout and in the Rust
// `vllm-bench` client's (the same keys plus `max_model_len`, `input_throughput`,
// `failed_requests`, `steady_state`); the versions read are in test/fixtures/vllm-bench/README.md.
// `--append-result` files hold one result per line: one run each.
//
// With `--save-detailed` the file has per-request lists, in request order: `input_lens`,
// `output_lens`, `ttfts` (s), `itls` (lists of s), `latencies` (s), `start_times` (a monotonic
// clock, s), `generated_texts` and `errors` ("" for a success). Failed requests carry ttft 0
// and output length 0 (null here) and latency 0, or the time to the failure when the client
// knows it (the Rust client's partial streams). Rows are kept only when the lists include
// `start_times` and `latencies` (older files lack them: without send times the run's duration and
// throughput cannot be computed from rows).
import { z } from "zod";
import {
  ImportError,
  importedRow,
  parseWith,
  shownPath,
  type ImportedAggregates,
  type ImportedRow,
  type ImportedRun,
} from "./normalised.ts";

const n = () => z.number({ error: "a number" });
const stat = () => n().nullable().optional();
const list = <T extends z.ZodType>(item: T) => z.array(item, { error: "a list" }).optional();

/** The keys the import reads; any others (percentiles, --metadata, spec-decode figures) are allowed and ignored. */
export const vllmBenchResultSchema = z.looseObject({
  /** `%Y%m%d-%H%M%S` of the benchmark's start. */
  date: z
    .string()
    .regex(/^\d{8}-\d{6}$/, "a date such as 20250601-134512")
    .optional(),
  backend: z.string().nullable().optional(),
  endpoint_type: z.string().nullable().optional(),
  label: z.string().nullable().optional(),
  model_id: z.string({ error: "the served model id (a string)" }).min(1),
  num_prompts: z.number().int().min(0).optional(),
  request_rate: z.union([n(), z.literal("inf")]).optional(),
  burstiness: n().optional(),
  max_concurrency: z.number().int().min(1).nullable().optional(),
  duration: n().positive(),
  completed: z.number().int().min(0),
  failed: z.number().int().min(0).optional(),
  total_input_tokens: z.number().int().min(0),
  total_output_tokens: z.number().int().min(0),
  request_throughput: n().min(0),
  output_throughput: n().min(0),
  total_token_throughput: n().min(0).optional(),
  mean_ttft_ms: stat(),
  mean_tpot_ms: stat(),
  mean_e2el_ms: stat(),
  input_lens: list(z.number().int().min(0).nullable()),
  output_lens: list(z.number().int().min(0).nullable()),
  ttfts: list(n().nullable()),
  itls: list(z.array(n()).nullable()),
  latencies: list(n().nullable()),
  start_times: list(n().nullable()),
  generated_texts: list(z.string().nullable()),
  errors: list(z.string().nullable()),
  /** Rust client: every failed request with its index. */
  failed_requests: list(z.looseObject({ index: z.number().int().min(0), error: z.string().nullable().optional() })),
});
export type VllmBenchResult = z.infer<typeof vllmBenchResultSchema>;

/** Keys only the Rust `vllm-bench` client writes. */
const RUST_KEYS = ["max_model_len", "input_throughput", "steady_state", "failed_requests"];

/** The results in a result file: one JSON object, or one per line (`--append-result`). */
export function parseVllmBench(text: string, file: string): ImportedRun[] {
  return documents(text, file).map(({ value, line }) => {
    const prefix = line === null ? [] : [`line ${line}`];
    const r = parseWith(vllmBenchResultSchema, value, file, prefix);
    const where = `${shownPath(file)}${line === null ? "" : `: line ${line}`}`;
    const requests = r.num_prompts ?? r.completed + (r.failed ?? 0);
    if (requests < r.completed)
      throw new ImportError(`${where}: num_prompts: ${requests} is fewer than completed (${r.completed})`);
    const rust = RUST_KEYS.some((k) => k in (value as object));
    return toRun(r, requests, rust, where);
  });
}

function documents(text: string, file: string): { value: unknown; line: number | null }[] {
  try {
    return [{ value: JSON.parse(text), line: null }];
  } catch (whole) {
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    if (lines.length < 2) throw new ImportError(`${shownPath(file)}: not valid JSON (${(whole as Error).message})`);
    return lines.map((l, i) => {
      try {
        return { value: JSON.parse(l), line: i + 1 };
      } catch (e) {
        throw new ImportError(`${shownPath(file)}: line ${i + 1}: not valid JSON (${(e as Error).message})`);
      }
    });
  }
}

function toRun(r: VllmBenchResult, requests: number, rust: boolean, where: string): ImportedRun {
  const rows = rowsOf(r, requests, where);
  const details = [
    r.backend && `backend ${r.backend}`,
    r.endpoint_type && r.endpoint_type !== r.backend && `endpoint ${r.endpoint_type}`,
    r.request_rate !== undefined && `request rate ${r.request_rate}`,
    r.burstiness !== undefined && `burstiness ${r.burstiness}`,
    r.max_concurrency != null && `max concurrency ${r.max_concurrency}`,
    r.label && `label ${r.label}`,
  ].filter((d): d is string => typeof d === "string");
  return {
    tool: { name: rust ? "vllm-bench (Rust)" : "vllm bench serve", version: null },
    model: r.model_id,
    measuredOn: r.date ? `${r.date.slice(0, 4)}-${r.date.slice(4, 6)}-${r.date.slice(6, 8)}` : null,
    stamp: r.date ?? null,
    label: `${requests} prompts`,
    concurrency: r.max_concurrency ?? null,
    requestRate: r.request_rate ?? null,
    details,
    aggregates: aggregatesOf(r, requests),
    rows: rows.rows,
    rowsNote: rows.note,
  };
}

function aggregatesOf(r: VllmBenchResult, requests: number): ImportedAggregates {
  // vLLM writes 0 for the statistics of an empty list (every request failed): not a measurement.
  const measured = (v: number | null | undefined) => (v != null && r.completed > 0 ? v : null);
  return {
    num_prompts: requests,
    completed: r.completed,
    duration: r.duration,
    total_input_tokens: r.total_input_tokens,
    total_output_tokens: r.total_output_tokens,
    request_throughput: r.request_throughput,
    output_throughput: r.output_throughput,
    total_token_throughput: r.total_token_throughput ?? null,
    mean_ttft_ms: measured(r.mean_ttft_ms),
    mean_tpot_ms: measured(r.mean_tpot_ms),
    mean_e2el_ms: measured(r.mean_e2el_ms),
  };
}

const LISTS = ["input_lens", "output_lens", "ttfts", "itls", "latencies", "start_times", "errors"] as const;

function rowsOf(
  r: VllmBenchResult,
  requests: number,
  where: string,
): { rows: ImportedRow[] | null; note: string | null } {
  if (!r.ttfts) return { rows: null, note: "the file has no per-request lists (saved without --save-detailed)" };
  const missing = LISTS.filter((k) => !r[k]);
  if (missing.length)
    return { rows: null, note: `the per-request lists lack ${missing.join(", ")} (an older vLLM): rows not stored` };
  for (const k of [...LISTS, "generated_texts"] as const) {
    const length = r[k]?.length;
    if (length !== undefined && length !== requests)
      throw new ImportError(`${where}: ${k}: ${length} entries, but the run sent ${requests} requests`);
  }
  const failed = failedIndices(r, where);
  // A loop, not Math.min(...list): a spread of 200K arguments overflows the stack.
  const origin = r.start_times!.reduce<number>((min, t) => (t !== null && t < min ? t : min), Infinity);
  return { rows: Array.from({ length: requests }, (_, i) => rowOf(r, i, failed.has(i), origin)), note: null };
}

/**
 * Failed requests: the Rust client lists them; the Python file marks them with a non-empty error,
 * except an HTTP error without a reason phrase (HTTP/2 has none), which vLLM stores as "": when
 * the errors fall short of `failed`, requests with neither a first token nor output count too.
 */
function failedIndices(r: VllmBenchResult, where: string): Set<number> {
  const expected = r.failed ?? (r.num_prompts ?? 0) - r.completed;
  const failed = r.failed_requests
    ? new Set(r.failed_requests.map((f) => f.index))
    : new Set(r.errors!.flatMap((e, i) => (e ? [i] : [])));
  if (!r.failed_requests && failed.size < expected)
    for (const [i, ttft] of r.ttfts!.entries()) if (!ttft && !r.output_lens![i]) failed.add(i);
  if (failed.size !== expected)
    throw new ImportError(
      `${where}: ${r.failed_requests ? "failed_requests" : "errors"}: ${failed.size} failed requests, but failed = ${expected}`,
    );
  return failed;
}

function rowOf(r: VllmBenchResult, i: number, failed: boolean, origin: number): ImportedRow {
  const start = r.start_times![i] ?? null;
  const sent = start === null ? null : (start - origin) * 1000;
  const s = (v: number | null | undefined) => (v == null || v <= 0 || sent === null ? null : v * 1000);
  // A failed request's ttft is 0 (or, from the Rust client, the partial stream's): not a TTFT.
  const ttft = failed ? null : s(r.ttfts![i]);
  const e2e = s(r.latencies![i]);
  return importedRow({
    request_index: i,
    prompt_id: String(i),
    status: failed ? "error" : "ok",
    error_message: failed ? r.errors![i] || (r.failed_requests?.find((f) => f.index === i)?.error ?? null) : null,
    sent_ms: sent,
    first_event_ms: ttft === null ? null : sent! + ttft,
    // vLLM's latency ends at the last chunk with choices; the end of the body is not recorded.
    done_ms: e2e === null ? null : sent! + e2e,
    last_chunk_ms: e2e === null ? null : sent! + e2e,
    vllm_success: !failed,
    ttft_ms: ttft,
    e2e_ms: e2e,
    itl_ms: failed ? null : (r.itls![i]?.map((g) => g * 1000) ?? null),
    prompt_tokens: r.input_lens![i] ?? null,
    completion_tokens: failed ? null : (r.output_lens![i] ?? null),
    answer: failed ? null : (r.generated_texts?.[i] ?? null),
  });
}
