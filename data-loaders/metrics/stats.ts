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
import { mean as d3Mean, quantile, quantileSorted } from "d3";
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
