import { describe, expect, it } from "vitest";
import {
  distribution,
  mean,
  median,
  percentile,
  std,
  storedDistribution,
  storedPercentiles,
} from "../../data-loaders/metrics/stats.ts";
import { rngFor } from "../../data-loaders/random.ts";
import { near, refStd } from "./fixture.ts";
import { expectClose } from "./stored-run.ts";

describe("percentile (numpy default linear, type 7)", () => {
  // Reference values are numpy results: np.percentile(values, p).
  it.each([
    [[1, 2, 3, 4], 90, 3.7],
    [[1, 2, 3, 4], 25, 1.75],
    // numpy gives 29 here; 26 would be type 6 (Excel PERCENTILE.EXC), 27.5 type 5.
    [[15, 20, 35, 40, 50], 40, 29],
    [[15, 20, 35, 40, 50], 5, 16],
    [[15, 20, 35, 40, 50], 99, 49.6],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95, 9.55],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99, 9.91],
    [[10, 7, 4, 3, 2, 1], 50, 3.5],
    [[3, 1, 2], 0, 1],
    [[3, 1, 2], 100, 3],
    [[42], 99, 42],
  ])("np.percentile(%j, %d) = %d", (values, p, expected) => {
    near(percentile(values, p), expected);
  });

  it("is null for no values and rejects p outside [0, 100]", () => {
    expect(percentile([], 50)).toBeNull();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it("does not reorder its input", () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe("mean, median, std", () => {
  it("match numpy", () => {
    near(mean([1, 2, 3, 4]), 2.5);
    near(median([1, 2, 3, 4]), 2.5); // np.median
    near(median([3, 1, 2]), 2);
    near(std([2, 4, 4, 4, 5, 5, 7, 9]), 2); // np.std, ddof=0
    near(std([1, 2, 3, 4]), Math.sqrt(1.25)); // ddof=1 would give sqrt(5/3)
    near(std([5]), 0);
  });

  it("are null for no values", () => {
    expect(mean([])).toBeNull();
    expect(median([])).toBeNull();
    expect(std([])).toBeNull();
  });
});

describe("distribution", () => {
  it("collects every statistic", () => {
    // Sorted: 50 80 100 100 100 150 200 300 400 (n = 9, rank h = 8·p/100).
    const d = distribution([100, 200, 150, 300, 80, 100, 400, 50, 100]);
    expect(d.n).toBe(9);
    near(d.mean, 1480 / 9);
    near(d.std, refStd([50, 80, 100, 100, 100, 150, 200, 300, 400]));
    near(d.median, 100);
    near(d.p50, 100);
    near(d.p90, 320); // h 7.2: 300 + 0.2·100
    near(d.p95, 360); // h 7.6
    near(d.p99, 392); // h 7.92
    near(d.min, 50);
    near(d.max, 400);
  });

  it("is n = 0 with nulls when empty (vLLM would print 0)", () => {
    expect(distribution([])).toEqual({
      n: 0,
      mean: null,
      median: null,
      std: null,
      p50: null,
      p90: null,
      p95: null,
      p99: null,
      min: null,
      max: null,
    });
  });
});

describe("d3-array gives the values of the formulas it replaced", () => {
  // The hand-written type-7 percentile and mean stats.ts used before d3-array's `quantile` and
  // `mean`; d3 computes the rank as (n − 1)·(p/100) rather than (n − 1)·p/100, so the two agree
  // up to the rounding of that product.
  function previousPercentile(values: readonly number[], p: number): number | null {
    const sorted = [...values].sort((a, b) => a - b);
    const n = sorted.length;
    if (n === 0) return null;
    const h = ((n - 1) * p) / 100;
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, n - 1);
    return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
  }
  function previousMean(values: readonly number[]): number | null {
    if (values.length === 0) return null;
    let sum = 0;
    for (const v of values) sum += v;
    return sum / values.length;
  }

  it("on 500 seeded lists with ties, at the site's percentiles and random ones", () => {
    const rng = rngFor("stats-test", 1);
    let compared = 0;
    for (let t = 0; t < 500; t++) {
      const n = 1 + Math.floor(rng.next() * 200);
      const values = Array.from({ length: n }, () =>
        rng.next() < 0.3 ? Math.floor(rng.next() * 5) : rng.next() * 10 ** (1 + rng.next() * 4),
      );
      expect(mean(values)).toBe(previousMean(values));
      const d = distribution(values);
      for (const p of [0, 2, 2.5, 50, 90, 95, 97.5, 99, 100, rng.next() * 100]) {
        const expected = previousPercentile(values, p)!;
        const tolerance = 1e-12 * Math.max(1, Math.abs(expected));
        expect(Math.abs(percentile(values, p)! - expected)).toBeLessThanOrEqual(tolerance);
        compared++;
      }
      for (const [p, value] of [
        [50, d.p50],
        [90, d.p90],
        [95, d.p95],
        [99, d.p99],
      ] as const)
        expect(Math.abs(value! - previousPercentile(values, p)!)).toBeLessThanOrEqual(1e-12 * Math.max(1, value!));
    }
    expect(compared).toBe(5000);
    expect(mean([])).toBeNull();
  });
});

describe("storedDistribution and storedPercentiles (in DuckDB, by counting)", () => {
  const rng = rngFor("stored-percentiles", 3);
  /** The values as an SQL query of column v (with a null, which is skipped). */
  const valuesSql = (values: readonly number[]) =>
    `SELECT unnest([${values.map((v) => `${v}::DOUBLE`).join(", ")}, NULL]) AS v`;
  const cases: [string, number[]][] = [
    ["odd count with ties", [5, 1, 3, 3, 9, 2, 7]],
    ["even count", [0.5, 100, 2.25, 8]],
    ["one value", [42]],
    ["constant", [7, 7, 7, 7, 7]],
    ["negative and positive", [-3.5, 12, -0.25, 0, 4, -100, 8.125]],
    ["skewed, many ties", Array.from({ length: 2001 }, (_, i) => Math.floor(((i * 7919) % 1000) ** 1.3 / 50))],
    ["spread over many magnitudes", Array.from({ length: 500 }, () => Math.exp(rng.next() * 30 - 10))],
    ["one outlier", [...Array.from({ length: 300 }, (_, i) => 10 + (i % 17) / 4), 1e9]],
  ];
  const ps = Array.from({ length: 101 }, (_, p) => p);

  it.each(cases)("equal distribution() (%s)", async (_name, values) => {
    expectClose(await storedDistribution(valuesSql(values), ""), distribution(values));
  });

  it.each(cases)(
    "equal percentile() at every p with the values found by counting in small buckets (%s)",
    async (_name, values) => {
      const expected = ps.map((p) => percentile(values, p));
      // 3 buckets per pass and at most 2 values read sorted: several counting passes.
      const small = await storedPercentiles(valuesSql(values), "", ps, undefined, { buckets: 3, readLimit: 2 });
      expectClose(small, expected);
      expectClose(await storedPercentiles(valuesSql(values), "", ps), expected);
    },
  );

  it("no values: n = 0 and nulls, like distribution([])", async () => {
    expect(await storedDistribution("SELECT NULL::DOUBLE AS v", "")).toEqual(distribution([]));
    expect(await storedPercentiles("SELECT NULL::DOUBLE AS v", "", [50])).toEqual([null]);
  });
});
