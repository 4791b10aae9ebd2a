// Time for N requests, extrapolated from a measured run, with a bootstrap prediction interval;
// and a backtest that checks such a prediction against a larger measured run.
//
// Method (also exported as EXTRAPOLATION_METHOD for the Methods page):
//   Rate. R = the rate the run is judged at (`judgedRate` in metrics/rate.ts): the steady-state
//     request throughput (successful requests per second between the end of the warm-up ramp and
//     the start of the drain), else the whole-run throughput, and the basis names which.
//   Overhead. The measured run took D seconds (`runDurationS`) for n successful requests; the
//     part not explained by the steady rate, O = max(0, D − n / R), is the warm-up and drain.
//   Point estimate. seconds(N) = O + N / R, so the run's own size is predicted as its own duration.
//   Interval (percentile bootstrap, B replicates, seeded). The rate window is cut into K equal
//     time windows (K = ⌊requests in window / 10⌋, between 2 and 50) with per-window throughputs
//     r_1..r_K. Each replicate
//       1. resamples the K window throughputs (time windows): mean r̄*, standard deviation s*;
//       2. adds the variation of a future run of N requests, which spans m = N / (R · window
//          length) windows: r̄* + s* · Z / √m with Z approximately standard normal (the seeded
//          generator's sum of four uniforms; this term matters for small N and vanishes for large N);
//       3. resamples the successful requests of the window (prompt mix) and scales the rate by
//          (mean completion tokens measured) / (mean completion tokens of the resample): a mix
//          with longer answers completes fewer requests per second;
//     and gives O + N / rate (a rate ≤ 0 gives an unbounded time). lo and hi are the (1 − L)/2
//     and (1 + L)/2 percentiles of the B times (L = 0.95 by default). The two resamplings overlap
//     (window throughputs already vary with answer lengths), so the interval errs on the wide side.
//   What it does not cover: a different server, prompt set, concurrency or model; a cold start;
//     failures the measured run did not see.
import {
  bootstrapMeans,
  bootstrapReplicates,
  bootstrapRng,
  DEFAULT_REPLICATES,
  percentileInterval,
} from "../metrics/bootstrap.ts";
import { judgedRate, type JudgedRate, type RateMethod } from "../metrics/rate.ts";
import { mean, std } from "../metrics/stats.ts";
import { steadyState } from "../metrics/steady-state.ts";
import { rates, runDurationS, throughput } from "../metrics/throughput.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";

/** The request counts the site projects to. */
export const PROJECTION_COUNTS = [1_000, 5_000, 50_000, 200_000, 1_000_000] as const;

export const EXTRAPOLATION_METHOD = `Time for N requests = O + N / R. R is the rate the run is judged at: the steady-state
request throughput (successful requests per second between the end of the warm-up ramp and the
start of the drain), else the whole-run throughput when the run never reached its concurrency. O is the warm-up and drain overhead of the
measured run: its duration minus its successful requests / R. The prediction interval is a
percentile bootstrap (seeded, 1000 replicates by default): each replicate resamples the per-window
throughputs of K equal time windows of the steady state, adds the window-to-window variation a run
of N requests would see (s / √m for the m windows it spans), and rescales by the mean completion
length of a resample of the requests (the prompt mix). It assumes the same server, model, prompts
and concurrency.`;

export type ProjectionRow = Pick<RequestRow, "status" | "sent_ms" | "done_ms" | "prompt_tokens" | "completion_tokens">;

export interface ProjectionInput {
  runId: string;
  rows: readonly ProjectionRow[];
  /** The run's target concurrency (spec load.concurrency, or the sweep level). */
  concurrency: number;
}

export interface ProjectionOptions {
  /** Request counts to project to (default PROJECTION_COUNTS). */
  counts?: readonly number[];
  /** Bootstrap replicates (default 1000). */
  replicates?: number;
  seed?: number;
  /** Interval level (default 0.95). */
  level?: number;
}

export interface ProjectionBasis {
  runId: string;
  /** The steady-state window the rate comes from (ms since run start); null for whole-run and recorded. */
  window: { startMs: number; endMs: number } | null;
  method: RateMethod;
  /** R: successful requests per second. */
  requestThroughput: number;
  /** O: warm-up and drain seconds added to every projection. */
  overheadS: number;
  /** K: time windows resampled (0 when there is no interval). */
  windows: number;
  replicates: number;
  level: number;
}

export interface Projection {
  requests: number;
  seconds: number;
  /** Prediction interval bounds in seconds; null when it cannot be computed (recorded run, < 2 windows). */
  lo: number | null;
  hi: number | null;
  basis: ProjectionBasis;
}

/**
 * Projected time for each count of requests, from one run's rows. Empty when the run has no
 * successful timed request (no rate to extrapolate from).
 */
export function extrapolate(input: ProjectionInput, options: ProjectionOptions = {}): Projection[] {
  const counts = options.counts ?? PROJECTION_COUNTS;
  const replicates = options.replicates ?? DEFAULT_REPLICATES;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 1;
  for (const n of counts) {
    if (!(Number.isFinite(n) && n > 0)) throw new RangeError(`request counts must be positive, got ${n}`);
  }

  const rate = rateWindow(input.rows, input.concurrency);
  if (rate === null) return [];
  const { startMs, endMs, requestThroughput: R } = rate;
  const completed = throughput(input.rows).completed;
  const overheadS = Math.max(0, runDurationS(input.rows) - completed / R);

  const inside = input.rows.filter(
    (r) => r.status === "ok" && r.done_ms !== null && r.done_ms > startMs && r.done_ms <= endMs,
  );
  const K = Math.min(50, Math.floor(inside.length / 10));
  const basis: ProjectionBasis = {
    runId: input.runId,
    window: rate.method === "steady-state" ? { startMs, endMs } : null,
    method: rate.method,
    requestThroughput: R,
    overheadS,
    windows: K >= 2 ? K : 0,
    replicates,
    level,
  };
  const point = (n: number) => overheadS + n / R;
  if (K < 2) return counts.map((n) => ({ requests: n, seconds: point(n), lo: null, hi: null, basis }));

  // Per-window throughputs; a completion at exactly a boundary belongs to the earlier window,
  // like the steady-state window itself ((start, end]).
  const windowMs = (endMs - startMs) / K;
  const byWindow: ProjectionRow[][] = Array.from({ length: K }, () => []);
  for (const r of inside) byWindow[Math.min(K - 1, Math.ceil((r.done_ms! - startMs) / windowMs) - 1)]!.push(r);
  const windowRates = byWindow.map((rows) => rates(rows, windowMs / 1000).requestThroughput);

  const rng = bootstrapRng(seed, `extrapolate:${input.runId}`);
  const windowSamples = bootstrapReplicates(K, replicates, rng, (indices) => {
    const sample = Array.from(indices, (i) => windowRates[i]!);
    return { mean: mean(sample)!, sd: std(sample)!, z: rng.normal() };
  });
  const lengths = inside.filter((r) => r.completion_tokens !== null).map((r) => r.completion_tokens!);
  const measuredLength = mean(lengths);
  const mixMeans = lengths.length >= 2 && measuredLength! > 0 ? bootstrapMeans(lengths, replicates, rng) : null;

  return counts.map((n) => {
    const futureWindows = Math.max(1, n / (R * (windowMs / 1000)));
    const times = windowSamples.map((w, b) => {
      let r = w.mean + (w.sd * w.z) / Math.sqrt(futureWindows);
      if (mixMeans !== null) r *= measuredLength! / mixMeans[b]!;
      return r > 0 ? overheadS + n / r : Infinity;
    });
    const interval = percentileInterval(times, level)!;
    return { requests: n, seconds: point(n), lo: interval.lo, hi: interval.hi, basis };
  });
}

/**
 * Projection from a rate alone, for a run without per-request rows (a recorded one): N / R,
 * without an interval or overhead.
 */
export function projectAtRate(
  runId: string,
  rate: JudgedRate,
  counts: readonly number[] = PROJECTION_COUNTS,
): Projection[] {
  const R = rate.requestThroughput;
  const basis: ProjectionBasis = {
    runId,
    window: null,
    method: rate.method,
    requestThroughput: R,
    overheadS: 0,
    windows: 0,
    replicates: 0,
    level: 0,
  };
  return counts.map((n) => ({ requests: n, seconds: n / R, lo: null, hi: null, basis }));
}

export interface Backtest {
  smallRunId: string;
  largeRunId: string;
  /** Successful requests of the larger run: the count predicted. */
  requests: number;
  predictedS: number;
  lo: number | null;
  hi: number | null;
  /** Duration of the larger run (first send → last completion). */
  measuredS: number;
  /** (predicted − measured) / measured · 100. */
  errorPct: number;
  /** measured lies inside [lo, hi] (false when there is no interval). */
  withinInterval: boolean;
}

/**
 * Predicts a larger run's duration from a smaller run of the same model and compares it with
 * what was measured. Null when either run has no successful timed request.
 */
export function backtest(
  small: ProjectionInput,
  large: { runId: string; rows: readonly ProjectionRow[] },
  options: Omit<ProjectionOptions, "counts"> = {},
): Backtest | null {
  const requests = throughput(large.rows).completed;
  const measuredS = runDurationS(large.rows);
  if (requests === 0 || measuredS === 0) return null;
  const [projection] = extrapolate(small, { ...options, counts: [requests] });
  if (projection === undefined) return null;
  const { seconds, lo, hi } = projection;
  return {
    smallRunId: small.runId,
    largeRunId: large.runId,
    requests,
    predictedS: seconds,
    lo,
    hi,
    measuredS,
    errorPct: ((seconds - measuredS) / measuredS) * 100,
    withinInterval: lo !== null && hi !== null && measuredS >= lo && measuredS <= hi,
  };
}

interface RateWindow {
  startMs: number;
  endMs: number;
  requestThroughput: number;
  method: RateMethod;
}

/** The window of the rate the run is judged at: the steady state, else the whole run; null without a rate. */
function rateWindow(rows: readonly ProjectionRow[], concurrency: number): RateWindow | null {
  const steady = steadyState(rows, concurrency);
  const rate = judgedRate({ steady, requestThroughput: throughput(rows).requestThroughput });
  if (rate === null) return null;
  if (rate.method === "steady-state") return { startMs: steady!.startMs, endMs: steady!.endMs, ...rate };
  let startMs = Infinity;
  let endMs = -Infinity;
  for (const r of rows) {
    if (r.sent_ms !== null) startMs = Math.min(startMs, r.sent_ms);
    if (r.done_ms !== null) endMs = Math.max(endMs, r.done_ms);
  }
  return { startMs, endMs, ...rate };
}
