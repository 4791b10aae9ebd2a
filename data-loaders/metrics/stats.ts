// Descriptive statistics with the same definitions as vLLM bench serve (numpy):
// mean = np.mean, median = np.median, std = np.std (population, ddof=0),
// percentile = np.percentile with numpy's default "linear" method (Hyndman–Fan type 7).
//
// The mean and the percentiles are d3-array's `mean` and `quantile` (type 7 is d3's only
// method): the fractional rank is h = (n − 1)·p/100, interpolated between the values at floor(h)
// and floor(h) + 1. The standard deviation is written here because d3's `deviation` is the
// sample one (ddof = 1).
//
// Difference from vLLM: for an empty list vLLM prints 0 (it falls back to 0 when there are no
// values), while we return null, because our stored and displayed values use null for "unknown"
// and 0 would read as a real measurement.
//
// Over a stored run the same statistics are computed in DuckDB without holding the values
// (`storedDistribution`, `storedPercentiles`; a run holds hundreds of millions of inter-token
// gaps): count, mean, std, min and max are running aggregates, and a percentile needs only the
// values at ranks floor(h) and floor(h) + 1. Those are found by counting: the values are counted
// in equal-width buckets between their minimum and maximum (sql.ts `bucketCountsSql`), the bucket
// holding a wanted rank is split the same way, and so on until it holds few enough values to read
// sorted (`bucketValuesSql`) or one value only. Then `percentile`'s interpolation is applied to
// those order statistics: exact, with memory independent of the number of values.
import { mean as d3Mean, quantile, quantileSorted } from "d3";
import { query, type QueryValue } from "../store/duckdb.ts";
import { bucketCountsSql, bucketSql, bucketValuesSql, valueStatsSql, type ValueRange } from "./sql.ts";
import type { Distribution } from "./types.ts";

/** Arithmetic mean (a plain sum in input order, divided by n); null for an empty list. */
export function mean(values: readonly number[]): number | null {
  return d3Mean(values) ?? null;
}

/** Population standard deviation (ddof = 0), two-pass; null for an empty list. */
export function std(values: readonly number[]): number | null {
  const m = mean(values);
  if (m === null) return null;
  let squares = 0;
  for (const v of values) squares += (v - m) ** 2;
  return Math.sqrt(squares / values.length);
}

/** Median (the 50th percentile, i.e. the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number | null {
  return percentile(values, 50);
}

/**
 * np.percentile(values, p) with linear interpolation (type 7): take the fractional rank
 * h = (n − 1)·p/100 of the sorted values and interpolate between the values at floor(h) and
 * floor(h)+1. p is in [0, 100]; null for an empty list.
 */
export function percentile(values: readonly number[], p: number): number | null {
  checkPercentile(p);
  return quantile(values, p / 100) ?? null;
}

/** All statistics of one list of values (sorted once). */
export function distribution(values: readonly number[]): Distribution {
  const sorted = sortAscending(values);
  const n = sorted.length;
  return {
    n,
    mean: mean(sorted),
    median: sortedPercentile(sorted, 50),
    std: std(sorted),
    p50: sortedPercentile(sorted, 50),
    p90: sortedPercentile(sorted, 90),
    p95: sortedPercentile(sorted, 95),
    p99: sortedPercentile(sorted, 99),
    min: n === 0 ? null : sorted[0]!,
    max: n === 0 ? null : sorted[n - 1]!,
  };
}

function sortAscending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

function sortedPercentile(sorted: number[], p: number): number | null {
  checkPercentile(p);
  return quantileSorted(sorted, p / 100) ?? null;
}

function checkPercentile(p: number): void {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
}

/** Buckets per counting pass, and the most values of one bucket read sorted (`storedPercentiles`). */
export const SELECTION = { buckets: 4096, readLimit: 4096 };

export interface ValueStats {
  n: number;
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
}

/** Count, mean, std, min and max of the values `values` selects (column `v`, a SELECT over the views of `path`). */
export async function storedValueStats(values: string, path: string): Promise<ValueStats> {
  const [row] = await query(valueStatsSql(values), { path });
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return { n: num(row?.n) ?? 0, mean: num(row?.mean), std: num(row?.std), min: num(row?.min), max: num(row?.max) };
}

/** `distribution` of the values `values` selects from a stored run (see the header), computed in DuckDB. */
export async function storedDistribution(values: string, path: string): Promise<Distribution> {
  return (await storedDistributionWithPercentiles(values, path, [])).distribution;
}

/** The distribution's four percentiles: `Distribution`'s p50, p90, p95 and p99. */
const DISTRIBUTION_PERCENTILES = [50, 90, 95, 99];

/**
 * `storedDistribution` and `storedPercentiles(values, path, ps)` at once: the values are counted
 * once for the ranks of both (a CDF's percentiles beside a summary's).
 */
export async function storedDistributionWithPercentiles(
  values: string,
  path: string,
  ps: readonly number[],
): Promise<{ distribution: Distribution; percentiles: (number | null)[] }> {
  const stats = await storedValueStats(values, path);
  const all = await storedPercentiles(values, path, [...DISTRIBUTION_PERCENTILES, ...ps], stats);
  const [p50, p90, p95, p99] = all;
  const distribution: Distribution = {
    n: stats.n,
    mean: stats.mean,
    median: p50!,
    std: stats.std,
    p50: p50!,
    p90: p90!,
    p95: p95!,
    p99: p99!,
    min: stats.min,
    max: stats.max,
  };
  return { distribution, percentiles: all.slice(DISTRIBUTION_PERCENTILES.length) };
}

/**
 * `percentile(values, p)` for each of `ps`, over the values `values` selects from a stored run
 * (nulls skipped), found by counting (see the header); all null when there are no values.
 */
export async function storedPercentiles(
  values: string,
  path: string,
  ps: readonly number[],
  known?: ValueStats,
  selection = SELECTION,
): Promise<(number | null)[]> {
  ps.forEach(checkPercentile);
  const stats = known ?? (await storedValueStats(values, path));
  const n = stats.n;
  if (n === 0) return ps.map(() => null);
  // The ranks d3's quantileSorted reads for each p (type 7: floor(h) and the next one).
  const ranks = new Set<number>([0, n - 1]);
  for (const p of ps) {
    const h = (n - 1) * (p / 100);
    ranks.add(Math.floor(h));
    ranks.add(Math.min(Math.floor(h) + 1, n - 1));
  }
  const at = await orderStatistics(values, path, { n, lo: stats.min!, hi: stats.max! }, [...ranks], selection);
  // d3's quantileSorted reads the length and, through the accessor, the values at the ranks above.
  const sorted = { length: n } as unknown as number[];
  return ps.map((p) => quantileSorted(sorted, p / 100, (_, i) => at.get(i)!) ?? null);
}

/** A part of the values, as orderStatistics narrows them down: `n` values from `lo` to `hi`, the lowest of rank `offset`. */
interface Part extends ValueRange {
  n: number;
  lo: number;
  hi: number;
  offset: number;
  /** The ranks wanted inside it. */
  ranks: number[];
  /** The bucket of the first counting pass it lies in (null for the whole). */
  top: number | null;
}

/** A condition on `v` that holds for the values of every part and few others: their first-pass buckets. */
function firstPassFilter(parts: readonly Part[], buckets: number): string {
  const tops = new Set(parts.map((p) => p.top));
  if (tops.has(null)) return "TRUE";
  return `${bucketSql(0, buckets)} IN (${[...tops].join(", ")})`;
}

/** The values at the given ranks (0-based, in ascending order) of the `whole.n` values `values` selects. */
async function orderStatistics(
  values: string,
  path: string,
  whole: { n: number; lo: number; hi: number },
  ranks: number[],
  { buckets, readLimit }: typeof SELECTION,
): Promise<Map<number, number>> {
  const found = new Map<number, number>();
  const params: Record<string, QueryValue> = { path };
  let nextId = 0;
  let parts: Part[] = [{ id: nextId++, where: "TRUE", ...whole, offset: 0, ranks, top: null }];
  while (parts.length > 0) {
    const split: Part[] = [];
    const read: Part[] = [];
    for (const part of parts) {
      if (part.lo === part.hi) for (const r of part.ranks) found.set(r, part.lo);
      else (part.n <= readLimit ? read : split).push(part);
    }
    if (read.length > 0) {
      const sorted = new Map<number, number[]>(read.map((p) => [p.id, []]));
      for (const r of await query(bucketValuesSql(values, read, firstPassFilter(read, buckets)), params))
        sorted.get(r.range as number)!.push(r.v as number);
      for (const part of read) for (const r of part.ranks) found.set(r, sorted.get(part.id)![r - part.offset]!);
    }
    if (split.length === 0) break;
    for (const part of split) {
      params[`lo${part.id}`] = part.lo;
      params[`w${part.id}`] = (part.hi - part.lo) / buckets;
    }
    const counts = await query(bucketCountsSql(values, split, buckets, firstPassFilter(split, buckets)), params);
    parts = [];
    for (const part of split) {
      let offset = part.offset;
      for (const b of counts.filter((c) => c.range === part.id)) {
        const n = b.n as number;
        const bucket = b.bucket as number;
        const inside = part.ranks.filter((r) => r >= offset && r < offset + n);
        if (inside.length > 0) {
          const where = `(${part.where}) AND ${bucketSql(part.id, buckets)} = ${bucket}`;
          const range = { n, lo: b.lo as number, hi: b.hi as number, offset, ranks: inside, top: part.top ?? bucket };
          parts.push({ id: nextId++, where, ...range });
        }
        offset += n;
      }
    }
  }
  return found;
}
