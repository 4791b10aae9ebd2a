// The summary of a recorded run: aggregates measured elsewhere (manifest `recorded`, imported by
// `tracker import vllm-bench` or written in a `defineRecorded` file) put in the same shape as a
// measured run's summary (metrics/summary.ts), so the pages read every run one way. What was not
// recorded stays null; nothing is guessed.
//
//   success rate          = completed / requests (null when completed was not recorded)
//   request throughput    = the recorded figure, else completed / duration
//   output throughput     = the recorded figure, else total output tokens / duration
//   total token throughput = the recorded figure, else (input + output tokens) / duration
//   mean prompt tokens    = total input tokens / completed (all requests when completed is unknown)
//   mean completion tokens = total output tokens / completed (likewise)
//   latency               = the recorded means only; medians, percentiles and the ITL are null
import type { Manifest } from "../store/schemas/manifest.ts";
import type { RunSummary } from "./summary.ts";
import type { Distribution } from "./types.ts";

export type RecordedAggregates = NonNullable<Manifest["recorded"]>;

/** A distribution of which only some statistics are known. */
export type PartialDistribution = { [K in keyof Distribution]: Distribution[K] | null };

/** A run summary whose figures may be unknown (null): a measured RunSummary is one, a recorded run fills what it has. */
export type PartialSummary = {
  [K in keyof RunSummary]: RunSummary[K] extends Distribution ? PartialDistribution : RunSummary[K] | null;
};

export function recordedSummary(r: RecordedAggregates): PartialSummary {
  const { completed, duration_s: durationS } = r;
  const divide = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);
  const tokens =
    r.total_input_tokens === null || r.total_output_tokens === null
      ? null
      : r.total_input_tokens + r.total_output_tokens;
  const meanPromptTokens = divide(r.total_input_tokens, completed ?? r.requests);
  const meanCompletionTokens = divide(r.total_output_tokens, completed ?? r.requests);
  return {
    requests: r.requests,
    completed,
    failed: completed === null ? null : r.requests - completed,
    successRate: divide(completed, r.requests),
    durationS,
    requestThroughput: r.request_throughput ?? divide(completed, durationS),
    outputThroughput: r.output_throughput ?? divide(r.total_output_tokens, durationS),
    totalTokenThroughput: r.total_token_throughput ?? divide(tokens, durationS),
    totalInputTokens: r.total_input_tokens,
    totalOutputTokens: r.total_output_tokens,
    missingUsage: null,
    meanPromptTokens,
    meanCompletionTokens,
    outputInputRatio: divide(meanCompletionTokens, meanPromptTokens),
    ttftMs: meanOnly(r.mean_ttft_ms),
    tpotMs: meanOnly(r.mean_tpot_ms),
    itlMs: meanOnly(null),
    e2elMs: meanOnly(r.mean_e2el_ms),
  };
}

function meanOnly(mean: number | null): PartialDistribution {
  return { n: null, mean, median: null, std: null, p50: null, p90: null, p95: null, p99: null, min: null, max: null };
}
