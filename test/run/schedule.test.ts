import { describe, expect, it } from "vitest";
import {
  arrivalTimesMs,
  closedLoopConcurrency,
  gammaSample,
  rampRate,
  rampTimesMs,
  runUnits,
} from "../../data-loaders/run/schedule.ts";
import { rngFor } from "../../data-loaders/random.ts";
import { experimentSchema } from "../../data-loaders/experiment/schema.ts";

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const varOf = (xs: number[]) => {
  const m = meanOf(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
};

describe("gamma arrivals (vLLM bench serve --request-rate --burstiness)", () => {
  it("samples Gamma(shape, scale) with mean shape·scale and variance shape·scale² for several shapes and seeds", () => {
    for (const shape of [0.3, 1, 4]) {
      for (const seed of [1, 2, 3]) {
        const rng = rngFor("gamma-test", seed, shape);
        const xs = Array.from({ length: 40_000 }, () => gammaSample(rng.next, shape, 2));
        expect(meanOf(xs) / (shape * 2)).toBeCloseTo(1, 1);
        expect(Math.abs(meanOf(xs) / (shape * 2) - 1)).toBeLessThan(0.03);
        expect(Math.abs(varOf(xs) / (shape * 4) - 1)).toBeLessThan(0.1);
        expect(Math.min(...xs)).toBeGreaterThan(0);
      }
    }
  });

  it("has the requested mean rate before rescaling within a few % (gaps of the first half), for several seeds and burstiness", () => {
    for (const burstiness of [0.5, 1, 3]) {
      for (const seed of [11, 12, 13, 14]) {
        const n = 20_000;
        const t = arrivalTimesMs({ n, rate: 50, burstiness, seed });
        // After rescaling the last arrival is exactly n/rate; the mean rate over the first half
        // is an independent check that the gaps themselves have mean 1/rate.
        const half = t[n / 2 - 1]! / 1000;
        expect(Math.abs(n / 2 / half / 50 - 1)).toBeLessThan(0.04);
      }
    }
  });

  it("rescales so the last request is sent at exactly N/R, times increasing, deterministic per seed", () => {
    const t = arrivalTimesMs({ n: 1000, rate: 8, seed: 5 });
    expect(t[999]).toBeCloseTo((1000 / 8) * 1000, 6);
    for (let i = 1; i < t.length; i++) expect(t[i]!).toBeGreaterThanOrEqual(t[i - 1]!);
    expect(arrivalTimesMs({ n: 1000, rate: 8, seed: 5 })).toEqual(t);
    expect(arrivalTimesMs({ n: 1000, rate: 8, seed: 6 })).not.toEqual(t);
  });

  it("burstiness < 1 is burstier (larger gap variance) than Poisson, > 1 more regular", () => {
    const cv = (b: number) => {
      const t = arrivalTimesMs({ n: 20_000, rate: 10, burstiness: b, seed: 3 });
      const gaps = Array.from(t, (x, i) => x - (i ? t[i - 1]! : 0));
      return Math.sqrt(varOf(gaps)) / meanOf(gaps);
    };
    // coefficient of variation of Gamma(k) gaps is 1/sqrt(k)
    expect(cv(0.25)).toBeCloseTo(2, 0);
    expect(Math.abs(cv(1) - 1)).toBeLessThan(0.05);
    expect(Math.abs(cv(4) - 0.5)).toBeLessThan(0.05);
  });

  it("linear ramp-up: the rate grows monotonically per request and the gaps shrink accordingly (no rescaling)", () => {
    const n = 4000;
    for (let i = 1; i < n; i++) expect(rampRate(i, n, 2, 20)).toBeGreaterThanOrEqual(rampRate(i - 1, n, 2, 20));
    expect(rampRate(0, n, 2, 20)).toBe(2);
    expect(rampRate(n - 1, n, 2, 20)).toBe(20);
    const t = rampTimesMs({ n, startRps: 2, endRps: 20, seed: 9 });
    for (let i = 1; i < n; i++) expect(t[i]!).toBeGreaterThan(t[i - 1]!);
    const gap = (from: number, to: number) => (t[to]! - t[from]!) / (to - from);
    // mean gap per quarter decreases, and matches 1000/rate at the quarter's middle within 15 %
    const quarters = [0, 1, 2, 3].map((q) => gap(q * 1000 + (q === 0 ? 1 : 0), q * 1000 + 999));
    for (let q = 1; q < 4; q++) expect(quarters[q]!).toBeLessThan(quarters[q - 1]!);
    const expected = (from: number, to: number) => {
      let s = 0;
      for (let i = from + 1; i <= to; i++) s += 1000 / rampRate(i, n, 2, 20);
      return s / (to - from);
    };
    expect(Math.abs(gap(3000, 3999) / expected(3000, 3999) - 1)).toBeLessThan(0.1);
  });
});

describe("run units of a load", () => {
  const parse = (load: unknown) => experimentSchema.shape.load.parse(load);

  it("a load is one run per repeat; a sweep's levels are grid cells, never units", () => {
    expect(runUnits(parse({ concurrency: 8 }))).toEqual([{ repeat: 0 }]);
    expect(runUnits(parse({ concurrency: 8, repeats: 3 }))).toEqual([{ repeat: 0 }, { repeat: 1 }, { repeat: 2 }]);
    expect(closedLoopConcurrency(parse({ concurrency: 8 }))).toBe(8);
    expect(closedLoopConcurrency(parse({ rate: 5 }))).toBeNull();
    expect(() => closedLoopConcurrency(parse({ concurrency: [1, 4] }))).toThrow(/cells of a grid/);
  });

  it("validation names the field", () => {
    const issues = (load: unknown) => {
      const r = experimentSchema.shape.load.safeParse(load);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    };
    expect(issues({})).toEqual(["concurrency: give one of concurrency (closed loop), rate or rampUp (open loop)"]);
    expect(issues({ concurrency: 4, rate: 2 })[0]).toMatch(/^rate: give only one of/);
    expect(issues({ concurrency: 4, burstiness: 2 })[0]).toMatch(/^burstiness: applies to open-loop/);
    expect(issues({ concurrency: [1, 0] })[0]).toMatch(/^concurrency\.1: Too small/);
    expect(issues({ rate: -1 })[0]).toMatch(/^rate: Too small/);
    expect(issues({ concurrency: 2, repeats: 0 })[0]).toMatch(/^repeats: Too small/);
    expect(issues({ concurrency: 2, warmup: 1.5 })[0]).toMatch(/^warmup: /);
    expect(issues({ rampUp: { startRps: 1 } })[0]).toMatch(/^rampUp\.endRps: /);
    expect(issues({ concurrency: 2, maxDurationS: 0 })[0]).toMatch(/^maxDurationS: Too small/);
  });
});
