// A candidate run against a baseline run on the same prompts: paired per-prompt differences with
// confidence intervals, and speedup and time saved from throughput.
//
// Pairing: by prompt_id (`pairByPrompt`). For each metric a prompt counts when both runs have a
// value: latencies and completion tokens of successful requests; validity = schema_valid as 1/0
// where it is known. difference = candidate − baseline, per prompt.
// Interval: 95% percentile bootstrap of the mean difference (metrics/bootstrap.ts; resampling
// prompts, which keeps each pair together; seeded, 1000 replicates by default). It needs no
// normality assumption, which matters for skewed latencies; with few prompts (say < 20) it is
// too narrow, so the page shows n beside it.
// Speedup = candidate request throughput / baseline request throughput; time for N requests at
// each rate = N / R; time saved = baseline time − candidate time (negative when slower).
import { bootstrapMeans, bootstrapRng, DEFAULT_REPLICATES, percentileInterval } from "../metrics/bootstrap.ts";
import { mean } from "../metrics/stats.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";
import { PROJECTION_COUNTS } from "./extrapolate.ts";
import { pairByPrompt } from "./by-prompt.ts";

export type PairedRow = Pick<
  RequestRow,
  "prompt_id" | "request_index" | "status" | "ttft_ms" | "e2e_ms" | "completion_tokens" | "schema_valid"
>;

const PAIRED_METRICS = ["e2e_ms", "ttft_ms", "completion_tokens", "schema_valid"] as const;
export type PairedMetric = (typeof PAIRED_METRICS)[number];

export interface PairedDifference {
  metric: PairedMetric;
  /** Prompts with a value in both runs. */
  n: number;
  meanBaseline: number | null;
  meanCandidate: number | null;
  /** Mean of candidate − baseline over the n prompts, and its interval (null when n = 0). */
  meanDifference: number | null;
  lo: number | null;
  hi: number | null;
}

export interface PairedComparison {
  baselineRunId: string;
  candidateRunId: string;
  counts: { paired: number; onlyBaseline: number; onlyCandidate: number };
  level: number;
  differences: PairedDifference[];
}

export interface PairedOptions {
  replicates?: number;
  seed?: number;
  level?: number;
}

/** Paired differences candidate − baseline for every metric in PAIRED_METRICS. */
export function pairedComparison(
  baseline: { runId: string; rows: readonly PairedRow[] },
  candidate: { runId: string; rows: readonly PairedRow[] },
  options: PairedOptions = {},
): PairedComparison {
  const level = options.level ?? 0.95;
  const replicates = options.replicates ?? DEFAULT_REPLICATES;
  const { pairs, onlyA, onlyB } = pairByPrompt(baseline.rows, candidate.rows);
  const differences = PAIRED_METRICS.map((metric): PairedDifference => {
    const base: number[] = [];
    const cand: number[] = [];
    for (const { a, b } of pairs) {
      const x = valueOf(a, metric);
      const y = valueOf(b, metric);
      if (x !== null && y !== null) {
        base.push(x);
        cand.push(y);
      }
    }
    const diffs = cand.map((y, i) => y - base[i]!);
    const rng = bootstrapRng(options.seed ?? 1, `paired:${metric}`);
    const interval = diffs.length === 0 ? null : percentileInterval(bootstrapMeans(diffs, replicates, rng), level);
    return {
      metric,
      n: diffs.length,
      meanBaseline: mean(base),
      meanCandidate: mean(cand),
      meanDifference: mean(diffs),
      lo: interval?.lo ?? null,
      hi: interval?.hi ?? null,
    };
  });
  return {
    baselineRunId: baseline.runId,
    candidateRunId: candidate.runId,
    counts: { paired: pairs.length, onlyBaseline: onlyA.length, onlyCandidate: onlyB.length },
    level,
    differences,
  };
}

/**
 * The comparison with baseline and candidate swapped, from one already computed: every
 * difference changes sign and its interval flips ([lo, hi] → [−hi, −lo]). Saves recomputing the
 * bootstrap for both orders of a pair.
 */
export function reversePaired(p: PairedComparison): PairedComparison {
  return {
    baselineRunId: p.candidateRunId,
    candidateRunId: p.baselineRunId,
    counts: { paired: p.counts.paired, onlyBaseline: p.counts.onlyCandidate, onlyCandidate: p.counts.onlyBaseline },
    level: p.level,
    differences: p.differences.map((d) => ({
      metric: d.metric,
      n: d.n,
      meanBaseline: d.meanCandidate,
      meanCandidate: d.meanBaseline,
      meanDifference: d.meanDifference === null ? null : -d.meanDifference,
      lo: d.hi === null ? null : -d.hi,
      hi: d.lo === null ? null : -d.lo,
    })),
  };
}

export interface TimeSaved {
  requests: number;
  baselineS: number;
  candidateS: number;
  /** baselineS − candidateS (negative: the candidate is slower). */
  savedS: number;
  /** savedS / baselineS · 100. */
  savedPct: number;
}

export interface Speedup {
  /** candidate rate / baseline rate (> 1: the candidate is faster). */
  speedup: number;
  timeSaved: TimeSaved[];
}

/** Speedup and time saved for each job size, from the two runs' request throughputs. */
export function speedup(
  baselineThroughput: number,
  candidateThroughput: number,
  counts: readonly number[] = PROJECTION_COUNTS,
): Speedup {
  if (!(baselineThroughput > 0) || !(candidateThroughput > 0)) {
    throw new RangeError(
      `throughputs must be positive, got baseline ${baselineThroughput} and candidate ${candidateThroughput}`,
    );
  }
  return {
    speedup: candidateThroughput / baselineThroughput,
    timeSaved: counts.map((requests) => {
      const baselineS = requests / baselineThroughput;
      const candidateS = requests / candidateThroughput;
      return {
        requests,
        baselineS,
        candidateS,
        savedS: baselineS - candidateS,
        savedPct: ((baselineS - candidateS) / baselineS) * 100,
      };
    }),
  };
}

function valueOf(row: PairedRow, metric: PairedMetric): number | null {
  if (metric === "schema_valid") return row.schema_valid === null ? null : row.schema_valid ? 1 : 0;
  if (row.status !== "ok") return null;
  return row[metric];
}
