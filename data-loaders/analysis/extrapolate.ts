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
//          with longer answers completes fewer requests per second. The resample draws
//          m = min(n, 10,000) of the n window requests' lengths with replacement; for n > m its
//          mean's deviation from the measured mean is scaled by √(m / n), which gives it the
//          spread of a mean of n draws (`bootstrapCountMeans` in metrics/bootstrap.ts);
//     and gives O + N / rate (a rate ≤ 0 gives an unbounded time). lo and hi are the (1 − L)/2
//     and (1 + L)/2 percentiles of the B times (L = 0.95 by default). The two resamplings overlap
//     (window throughputs already vary with answer lengths), so the interval errs on the wide side.
//   What it does not cover: a different server, prompt set, concurrency or model; a cold start;
//     failures the measured run did not see.
// What a run contributes is its `ProjectionSample`: the rate window, R, O, the completions per
// time window and the completion lengths as (value, count) pairs — bounded in size however long
// the run. `projectionSample` takes it from rows in memory, `storedProjectionSample` from a
// stored run in DuckDB (metrics/sql.ts `windowCountsSql`, `lengthCountsSql`); `project` draws the
// bootstrap from it, so both give the same projections.
import {
  bootstrapCountMeans,
  bootstrapReplicates,
  bootstrapRng,
  DEFAULT_REPLICATES,
  percentileInterval,
} from "../metrics/bootstrap.ts";
import { judgedRate, type JudgedRate, type RateMethod } from "../metrics/rate.ts";
import { lengthCountsSql, windowCountsSql } from "../metrics/sql.ts";
import { mean, std } from "../metrics/stats.ts";
import { steadyState, type SteadyState } from "../metrics/steady-state.ts";
import { perSecond, runDurationS, throughput } from "../metrics/throughput.ts";
import { query } from "../store/duckdb.ts";
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
length of a resample of the requests (the prompt mix; at most 10,000 draws, their mean's deviation
scaled to the spread of a mean over all the window's requests). It assumes the same server, model,
prompts and concurrency.`;

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

/** What a projection needs from one run (see the header), bounded in size however long the run. */
export interface ProjectionSample {
  runId: string;
  method: RateMethod;
  /** The window of the rate (ms since run start): the steady state, else the whole run. */
  window: { startMs: number; endMs: number };
  /** R: successful requests per second. */
  requestThroughput: number;
  /** O: warm-up and drain seconds. */
  overheadS: number;
  /** Successful completions in each of the K equal time windows of the rate window (empty when K < 2). */
  windowCounts: number[];
  /** Completion lengths of the successful requests in the rate window: [value, requests], by value. */
  lengths: [number, number][];
}

/** K: time windows for `inside` successful requests in the rate window (0 when fewer than 2). */
function windowCount(inside: number): number {
  const K = Math.min(50, Math.floor(inside / 10));
  return K >= 2 ? K : 0;
}

/** The window of `K` (1-based ceil: a completion at a boundary belongs to the earlier window) a completion falls in. */
function windowOf(doneMs: number, startMs: number, windowMs: number, K: number): number {
  return Math.min(K - 1, Math.ceil((doneMs - startMs) / windowMs) - 1);
}

/** A run's projection sample from its rows; null without a rate (no successful timed request). */
export function projectionSample(input: ProjectionInput): ProjectionSample | null {
  const rate = rateWindow(input.rows, input.concurrency);
  if (rate === null) return null;
  const { startMs, endMs, requestThroughput: R } = rate;
  const completed = throughput(input.rows).completed;
  const inside = input.rows.filter(
    (r) => r.status === "ok" && r.done_ms !== null && r.done_ms > startMs && r.done_ms <= endMs,
  );
  const K = windowCount(inside.length);
  const windowCounts = new Array<number>(K).fill(0);
  if (K > 0) for (const r of inside) windowCounts[windowOf(r.done_ms!, startMs, (endMs - startMs) / K, K)]! += 1;
  const lengths = new Map<number, number>();
  for (const r of inside)
    if (r.completion_tokens !== null) lengths.set(r.completion_tokens, (lengths.get(r.completion_tokens) ?? 0) + 1);
  return {
    runId: input.runId,
    method: rate.method,
    window: { startMs, endMs },
    requestThroughput: R,
    overheadS: Math.max(0, runDurationS(input.rows) - completed / R),
    windowCounts,
    lengths: [...lengths].sort((a, b) => a[0] - b[0]),
  };
}

/** What storedProjectionSample takes from the run's other stored figures (metrics/summary.ts, steady-state.ts). */
export interface StoredRunFigures {
  steady: SteadyState | null;
  requestThroughput: number;
  completed: number;
  durationS: number;
  /** First send and last completion of the run (null without such times). */
  firstSendMs: number | null;
  lastDoneMs: number | null;
}

/** `projectionSample` of a stored run's measured rows, computed in DuckDB. */
export async function storedProjectionSample(
  requestsPath: string,
  runId: string,
  run: StoredRunFigures,
): Promise<ProjectionSample | null> {
  const rate = judgedRate({ steady: run.steady, requestThroughput: run.requestThroughput });
  if (rate === null) return null;
  const window =
    rate.method === "steady-state"
      ? { startMs: run.steady!.startMs, endMs: run.steady!.endMs }
      : { startMs: run.firstSendMs ?? Infinity, endMs: run.lastDoneMs ?? -Infinity };
  const span = { path: requestsPath, start: window.startMs, end: window.endMs };
  const [all] = await query(windowCountsSql("measured"), { ...span, k: 1, windowMs: window.endMs - window.startMs });
  const K = windowCount((all?.n as number | undefined) ?? 0);
  const windowCounts = new Array<number>(K).fill(0);
  if (K > 0) {
    const rows = await query(windowCountsSql("measured"), {
      ...span,
      k: K,
      windowMs: (window.endMs - window.startMs) / K,
    });
    for (const r of rows) windowCounts[r.window as number] = r.n as number;
  }
  const lengths = await query(lengthCountsSql("measured"), span);
  return {
    runId,
    method: rate.method,
    window,
    requestThroughput: rate.requestThroughput,
    overheadS: Math.max(0, run.durationS - run.completed / rate.requestThroughput),
    windowCounts,
    lengths: lengths.map((r) => [r.value as number, r.count as number]),
  };
}

/**
 * Projected time for each count of requests, from one run's rows. Empty when the run has no
 * successful timed request (no rate to extrapolate from).
 */
export function extrapolate(input: ProjectionInput, options: ProjectionOptions = {}): Projection[] {
  checkCounts(options.counts ?? PROJECTION_COUNTS);
  const sample = projectionSample(input);
  return sample ? project(sample, options) : [];
}

function checkCounts(counts: readonly number[]): void {
  for (const n of counts) {
    if (!(Number.isFinite(n) && n > 0)) throw new RangeError(`request counts must be positive, got ${n}`);
  }
}

/** Projected time for each count of requests from a run's projection sample (the method in the header). */
export function project(sample: ProjectionSample, options: ProjectionOptions = {}): Projection[] {
  const counts = options.counts ?? PROJECTION_COUNTS;
  const replicates = options.replicates ?? DEFAULT_REPLICATES;
  const level = options.level ?? 0.95;
  checkCounts(counts);
  const { requestThroughput: R, overheadS, window, windowCounts } = sample;
  const K = windowCounts.length;
  const basis: ProjectionBasis = {
    runId: sample.runId,
    window: sample.method === "steady-state" ? window : null,
    method: sample.method,
    requestThroughput: R,
    overheadS,
    windows: K,
    replicates,
    level,
  };
  const point = (n: number) => overheadS + n / R;
  if (K < 2) return counts.map((n) => ({ requests: n, seconds: point(n), lo: null, hi: null, basis }));

  const windowS = (window.endMs - window.startMs) / K / 1000;
  const windowRates = windowCounts.map((n) => perSecond(n, windowS));
  const rng = bootstrapRng(options.seed ?? 1, `extrapolate:${sample.runId}`);
  const windowSamples = bootstrapReplicates(K, replicates, rng, (indices) => {
    const drawn = Array.from(indices, (i) => windowRates[i]!);
    return { mean: mean(drawn)!, sd: std(drawn)!, z: rng.normal() };
  });
  const n = sample.lengths.reduce((total, [, c]) => total + c, 0);
  const measuredLength = n === 0 ? null : sample.lengths.reduce((total, [v, c]) => total + v * c, 0) / n;
  const mixMeans = n >= 2 && measuredLength! > 0 ? bootstrapCountMeans(sample.lengths, replicates, rng) : null;

  return counts.map((n) => {
    const futureWindows = Math.max(1, n / (R * windowS));
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
  const measured = {
    runId: large.runId,
    requests: throughput(large.rows).completed,
    measuredS: runDurationS(large.rows),
  };
  return backtestSample(projectionSample(small), measured, options);
}

/** `backtest` from the smaller run's projection sample and the larger run's successful requests and duration. */
export function backtestSample(
  small: ProjectionSample | null,
  large: { runId: string; requests: number; measuredS: number },
  options: Omit<ProjectionOptions, "counts"> = {},
): Backtest | null {
  const { requests, measuredS } = large;
  if (small === null || requests === 0 || measuredS === 0) return null;
  const [projection] = project(small, { ...options, counts: [requests] });
  const { seconds, lo, hi } = projection!;
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
