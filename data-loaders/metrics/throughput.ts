// Run duration and throughput, as defined by vLLM bench serve (`calculate_metrics`):
//   request_throughput     = completed / duration
//   output_throughput      = Σ completion_tokens / duration
//   total_token_throughput = (Σ prompt_tokens + Σ completion_tokens) / duration
// Only successful (status "ok") requests count, and token sums come from successful requests.
// vLLM re-tokenizes the text when the server reports no usage; we do not: a null token count
// contributes nothing and the row is counted in `missingUsage` so the gap is visible.
import type { MetricRow } from "./types.ts";

export type TimedRow = Pick<MetricRow, "sent_ms" | "done_ms">;
export type CountedRow = Pick<MetricRow, "status" | "prompt_tokens" | "completion_tokens">;

export interface Throughput {
  /** Seconds the throughputs are divided by. */
  durationS: number;
  /** Successful requests. */
  completed: number;
  totalInputTokens: number;
  totalOutputTokens: number;
  /** Successful requests with a null prompt_tokens or completion_tokens (left out of the sums). */
  missingUsage: number;
  requestThroughput: number;
  outputThroughput: number;
  totalTokenThroughput: number;
}

/**
 * First send → last completion, in seconds: min sent_ms over all requests (failed ones included)
 * to max done_ms (the end of the body) over all requests. Null times are skipped; 0 when there is
 * no such span. vLLM measures its duration from just before the first dispatch to the end of the
 * last task; for an open loop that is the origin of the arrival schedule, before the first gap:
 * `loadStartMs` (the manifest's `load_started_ms`), when given, starts the span there.
 */
export function runDurationS(rows: Iterable<TimedRow>, loadStartMs: number | null = null): number {
  let first = loadStartMs ?? Infinity;
  let last = -Infinity;
  for (const row of rows) {
    if (row.sent_ms !== null) first = Math.min(first, row.sent_ms);
    if (row.done_ms !== null) last = Math.max(last, row.done_ms);
  }
  return last > first ? (last - first) / 1000 : 0;
}

/** count / durationS, or 0 when the duration is 0 (nothing was timed, so no rate is known). */
export function perSecond(count: number, durationS: number): number {
  return durationS > 0 ? count / durationS : 0;
}

/** Counts and token sums of the successful rows, divided by the given duration. */
export function rates(rows: Iterable<CountedRow>, durationS: number): Throughput {
  let completed = 0;
  let totalInputTokens = 0;
  let totalOutputTokens = 0;
  let missingUsage = 0;
  for (const row of rows) {
    if (row.status !== "ok") continue;
    completed += 1;
    if (row.prompt_tokens === null || row.completion_tokens === null) missingUsage += 1;
    totalInputTokens += row.prompt_tokens ?? 0;
    totalOutputTokens += row.completion_tokens ?? 0;
  }
  return {
    durationS,
    completed,
    totalInputTokens,
    totalOutputTokens,
    missingUsage,
    requestThroughput: perSecond(completed, durationS),
    outputThroughput: perSecond(totalOutputTokens, durationS),
    totalTokenThroughput: perSecond(totalInputTokens + totalOutputTokens, durationS),
  };
}

/** Whole-run throughput over `runDurationS` (from `loadStartMs` for an open loop that recorded it). */
export function throughput(rows: readonly (TimedRow & CountedRow)[], loadStartMs: number | null = null): Throughput {
  return rates(rows, runDurationS(rows, loadStartMs));
}
