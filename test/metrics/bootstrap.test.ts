import { describe, expect, it } from "vitest";
import {
  bootstrapCountMeans,
  bootstrapMeans,
  bootstrapReplicates,
  bootstrapRng,
  percentileInterval,
} from "../../data-loaders/metrics/bootstrap.ts";

describe("bootstrap", () => {
  const values = Array.from({ length: 400 }, (_, i) => i % 2); // mean 0.5, sd 0.5

  it("is deterministic for a seed and differs between seeds", () => {
    const a = bootstrapMeans(values, 200, bootstrapRng(5));
    expect(bootstrapMeans(values, 200, bootstrapRng(5))).toEqual(a);
    expect(bootstrapMeans(values, 200, bootstrapRng(6))).not.toEqual(a);
    expect(bootstrapMeans(values, 200, bootstrapRng(5, "other purpose"))).not.toEqual(a);
  });

  it("draws the same resamples for means as the general replicate function", () => {
    const general = bootstrapReplicates(values.length, 50, bootstrapRng(9), (idx) => {
      let sum = 0;
      for (const i of idx) sum += values[i]!;
      return sum / idx.length;
    });
    expect(bootstrapMeans(values, 50, bootstrapRng(9))).toEqual(general);
  });

  it("resamples with replacement from the given values only", () => {
    const seen = new Set<number>();
    bootstrapReplicates(5, 100, bootstrapRng(1), (idx) => {
      for (const i of idx) seen.add(i);
      return 0;
    });
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
    // A resample of a constant list has no spread.
    expect(new Set(bootstrapMeans([3, 3, 3], 20, bootstrapRng(1)))).toEqual(new Set([3]));
  });

  it("gives the normal-theory interval of a mean for a large sample", () => {
    // mean ± 1.96 · sd / √n = 0.5 ± 1.96 · 0.5 / 20 = 0.5 ± 0.049
    const interval = percentileInterval(bootstrapMeans(values, 2000, bootstrapRng(2)))!;
    expect(interval.lo).toBeGreaterThan(0.44);
    expect(interval.lo).toBeLessThan(0.46);
    expect(interval.hi).toBeGreaterThan(0.54);
    expect(interval.hi).toBeLessThan(0.56);
  });

  it("takes the percentile interval with linear interpolation", () => {
    const ramp = Array.from({ length: 101 }, (_, i) => i);
    const ninety = percentileInterval(ramp, 0.9)!;
    expect(ninety.lo).toBeCloseTo(5, 9);
    expect(ninety.hi).toBeCloseTo(95, 9);
    expect(percentileInterval([1, 2], 0.5)).toEqual({ lo: 1.25, hi: 1.75 });
    expect(percentileInterval([])).toBeNull();
  });

  it("rejects bad arguments", () => {
    expect(() => bootstrapMeans([], 10, bootstrapRng(1))).toThrow(/at least 1 value/);
    expect(() => bootstrapMeans([1], 0, bootstrapRng(1))).toThrow(/replicates/);
    expect(() => percentileInterval([1], 1)).toThrow(/level/);
  });
});

describe("bootstrapCountMeans (the prompt-mix resample from lengths by value)", () => {
  it("with every draw it is the bootstrap of the sorted lengths; beyond the cap the spread of a mean of n", () => {
    const counts: [number, number][] = [
      [5, 3],
      [20, 1],
      [40, 4],
    ];
    const sorted = counts.flatMap(([v, c]) => Array<number>(c).fill(v));
    expect(bootstrapCountMeans(counts, 50, bootstrapRng(9))).toEqual(bootstrapMeans(sorted, 50, bootstrapRng(9)));
    // 100,000 lengths, 10,000 draws: mean of the replicates ≈ the mean, their sd ≈ σ / √n.
    const big: [number, number][] = [
      [100, 50_000],
      [300, 50_000],
    ];
    const reps = bootstrapCountMeans(big, 400, bootstrapRng(2));
    const m = reps.reduce((a, b) => a + b, 0) / reps.length;
    const sd = Math.sqrt(reps.reduce((a, b) => a + (b - m) ** 2, 0) / reps.length);
    expect(Math.abs(m - 200)).toBeLessThan(0.1);
    expect(sd / (100 / Math.sqrt(100_000))).toBeGreaterThan(0.85);
    expect(sd / (100 / Math.sqrt(100_000))).toBeLessThan(1.15);
  });

  it("draws the sorted lengths' bootstrap for any counts: zero counts, a total below the number of pairs, one heavy length", () => {
    const rng = bootstrapRng(3, "test counts");
    for (let trial = 0; trial < 200; trial++) {
      const pairs = 1 + rng.int(0, 40);
      const heavy = rng.int(0, pairs - 1);
      const counts = Array.from({ length: pairs }, (_, i): [number, number] => [
        i * 10 + rng.int(0, 9),
        i === heavy && trial % 3 === 0 ? 500 : rng.int(0, 3),
      ]);
      if (counts.every(([, c]) => c === 0)) counts[0]![1] = 1;
      const sorted = counts.flatMap(([v, c]) => Array<number>(c).fill(v));
      expect(bootstrapCountMeans(counts, 5, bootstrapRng(trial))).toEqual(
        bootstrapMeans(sorted, 5, bootstrapRng(trial)),
      );
    }
  });
});
