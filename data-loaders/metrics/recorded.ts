// The summary of a recorded run: aggregates measured elsewhere (manifest `recorded`, imported by
// `tracker import vllm-bench` or written in a `defineRecorded` file) put in the same shape as a
// measured run's summary (metrics/summary.ts), so the pages read every run one way. What was not
// recorded stays null; nothing is guessed.
//
//   success rate          = completed / requests (null when completed was not recorded)
//   request throughput    = the recorded figure, else completed / duration
//   output throughput     = the recorded figure, else total output tokens / duration
//   total token throughput = the recorded figure, else (input + output tokens) / duration
//   (the "else" forms are `derivedRates`: what the counts and duration alone give, which is also
//   what a recorded rate is checked against)
//   mean prompt tokens    = total input tokens / completed (all requests when completed is unknown)
//   mean completion tokens = total output tokens / completed (likewise)
//   latency               = the recorded means only; medians, percentiles and the ITL are null
import type { Manifest } from "../store/schemas/manifest.ts";
import type { RunSummary } from "./summary.ts";
import type { TextTotals } from "./text-rates.ts";
import type { Distribution } from "./types.ts";

export type RecordedAggregates = NonNullable<Manifest["recorded"]>;

/** A distribution of which only some statistics are known. */
export type PartialDistribution = { [K in keyof Distribution]: Distribution[K] | null };

/** A run summary whose figures may be unknown (null): a measured RunSummary is one, a recorded run fills what it has. */
export type PartialSummary = {
  [K in keyof RunSummary]: RunSummary[K] extends Distribution ? PartialDistribution : RunSummary[K] | null;
};

const divide = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);

export interface DerivedRates {
  requestThroughput: number | null;
  outputThroughput: number | null;
  totalTokenThroughput: number | null;
}

/** The throughputs a record's counts and duration give, its recorded rates left out (null when a count is missing). */
export function derivedRates(r: RecordedAggregates): DerivedRates {
  const tokens =
    r.total_input_tokens === null || r.total_output_tokens === null
      ? null
      : r.total_input_tokens + r.total_output_tokens;
  return {
    requestThroughput: divide(r.completed, r.duration_s),
    outputThroughput: divide(r.total_output_tokens, r.duration_s),
    totalTokenThroughput: divide(tokens, r.duration_s),
  };
}

/**
 * A recorded run's text totals (metrics/text-rates.ts): its successful requests are its answers;
 * characters and words only as far as the record gives them.
 */
export function recordedTextTotals(r: RecordedAggregates, chars: number | null, words: number | null): TextTotals {
  return { answers: r.completed, chars, words };
}

export function recordedSummary(r: RecordedAggregates): PartialSummary {
  const { completed, duration_s: durationS } = r;
  const derived = derivedRates(r);
  const meanPromptTokens = divide(r.total_input_tokens, completed ?? r.requests);
  const meanCompletionTokens = divide(r.total_output_tokens, completed ?? r.requests);
  return {
    requests: r.requests,
    completed,
    failed: completed === null ? null : r.requests - completed,
    successRate: divide(completed, r.requests),
    durationS,
    requestThroughput: r.request_throughput ?? derived.requestThroughput,
    outputThroughput: r.output_throughput ?? derived.outputThroughput,
    totalTokenThroughput: r.total_token_throughput ?? derived.totalTokenThroughput,
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
