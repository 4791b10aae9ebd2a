// Seeded bootstrap: resampling with replacement and percentile intervals.
//
// A bootstrap replicate draws n items with replacement from the n observed ones and recomputes a
// statistic; repeating this B times gives the statistic's sampling distribution. The
// percentile interval at level L takes the (1 − L)/2 and (1 + L)/2 quantiles of the B replicates
// (with `percentile` from stats.ts: linear interpolation, numpy's default).
// Randomness comes only from a seeded generator (`rngFor` in data-loaders/random.ts, mulberry32),
// so the same seed gives the same interval.
import { rngFor, type Rng } from "../random.ts";
import { percentile } from "./stats.ts";

export type { Rng };

/** Default number of replicates: enough for stable 95% percentile intervals of a mean. */
export const DEFAULT_REPLICATES = 1000;

export interface Interval {
  lo: number;
  hi: number;
}

/** A generator for bootstrap draws: the same seed and purpose give the same sequence. */
export function bootstrapRng(seed: number, purpose = "bootstrap"): Rng {
  return rngFor("bootstrap", purpose, seed);
}

/**
 * B replicates of `statistic` over resamples of indices 0..n−1 (n draws with replacement each).
 * The statistic receives the drawn indices; the array is reused between replicates.
 */
export function bootstrapReplicates<T>(
  n: number,
  replicates: number,
  rng: Rng,
  statistic: (indices: Uint32Array) => T,
): T[] {
  checkReplicates(replicates);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`bootstrap needs at least 1 value, got n = ${n}`);
  const indices = new Uint32Array(n);
  const out: T[] = [];
  for (let b = 0; b < replicates; b++) {
    for (let i = 0; i < n; i++) indices[i] = Math.floor(rng.next() * n);
    out.push(statistic(indices));
  }
  return out;
}

/** B replicates of the mean of `values` (each a mean of n values drawn with replacement). */
export function bootstrapMeans(values: readonly number[], replicates: number, rng: Rng): number[] {
  checkReplicates(replicates);
  const n = values.length;
  if (n < 1) throw new RangeError("bootstrap needs at least 1 value, got none");
  // The same draws as `bootstrapReplicates` with a mean statistic, without the index array:
  // this loop runs n · replicates times, so it is kept tight.
  const next = rng.next;
  const out: number[] = [];
  for (let b = 0; b < replicates; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(next() * n)]!;
    out.push(sum / n);
  }
  return out;
}

/** The most draws of one `bootstrapCountMeans` replicate. */
export const MAX_MEAN_DRAWS = 10_000;

/**
 * B replicates of the mean of n values given as [value, count] pairs (n = Σ counts), each from
 * m = min(n, maxDraws) draws with replacement: the value of rank ⌊u·n⌋ in ascending order for a
 * uniform u, so with m = n this is `bootstrapMeans` of the sorted values. With m < n the
 * replicate is mean + (mean of the m draws − mean) · √(m / n): the same centre, and the spread
 * (σ / √n) of a mean of n draws, for a cost that does not grow with n.
 */
export function bootstrapCountMeans(
  counts: readonly (readonly [number, number])[],
  replicates: number,
  rng: Rng,
  maxDraws = MAX_MEAN_DRAWS,
): number[] {
  checkReplicates(replicates);
  const values = counts.map(([v]) => v);
  const upTo: number[] = [];
  let n = 0;
  for (const [, c] of counts) upTo.push((n += c));
  if (n < 1) throw new RangeError("bootstrap needs at least 1 value, got none");
  const m = Math.min(n, maxDraws);
  const centre = counts.reduce((total, [v, c]) => total + v * c, 0) / n;
  const scale = Math.sqrt(m / n);
  const next = rng.next;
  const pairOf = rankLookup(upTo);
  const out: number[] = [];
  for (let b = 0; b < replicates; b++) {
    let sum = 0;
    for (let i = 0; i < m; i++) sum += values[pairOf(Math.floor(next() * n))]!;
    out.push(m === n ? sum / m : centre + (sum / m - centre) * scale);
  }
  return out;
}

/**
 * For cumulative counts `upTo` (ascending, the last is n), the function from a rank in [0, n) to
 * the first index whose cumulative count exceeds it. A rank is first looked up in one of
 * upTo.length equal buckets of ranks, which bounds the indices its answer can have; a binary
 * search between those bounds then takes a step or two instead of log2(upTo.length) (the
 * bootstrap above makes millions of lookups per run).
 */
function rankLookup(upTo: readonly number[]): (rank: number) => number {
  const n = upTo.at(-1)!;
  // At most one bucket per rank, so that a bucket and the next span at least one rank past it.
  const buckets = Math.min(upTo.length, n);
  const firstAbove = (rank: number, from: number) => {
    let i = from;
    while (i < upTo.length - 1 && upTo[i]! <= rank) i++;
    return i;
  };
  // bounds[k]: the answer for a rank just below bucket k's first rank (a lower bound for the
  // bucket's answers, and an upper bound for bucket k − 2's, with a rank of margin for rounding).
  const bounds: number[] = [];
  for (let k = 0, i = 0; k <= buckets + 1; k++) bounds.push((i = firstAbove(Math.ceil((k * n) / buckets) - 1, i)));
  return (rank) => {
    const k = Math.floor((rank * buckets) / n);
    let lo = bounds[k]!;
    let hi = bounds[k + 2]!;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (upTo[mid]! > rank) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/**
 * Percentile interval of replicates at `level` (e.g. 0.95 → the 2.5th and 97.5th percentiles).
 * Null for an empty list.
 */
export function percentileInterval(replicates: readonly number[], level = 0.95): Interval | null {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const lo = percentile(replicates, ((1 - level) / 2) * 100);
  const hi = percentile(replicates, ((1 + level) / 2) * 100);
  return lo === null || hi === null ? null : { lo, hi };
}

function checkReplicates(replicates: number): void {
  if (!Number.isInteger(replicates) || replicates < 1) {
    throw new RangeError(`replicates must be a positive integer, got ${replicates}`);
  }
}
