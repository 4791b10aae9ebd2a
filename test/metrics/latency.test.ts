import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  itlDistribution,
  latency,
  latencyQuantiles,
  latencyValues,
  storedLatencyWithQuantiles,
  tpotMs,
} from "../../data-loaders/metrics/latency.ts";
import { distribution, percentile } from "../../data-loaders/metrics/stats.ts";
import type { Distribution } from "../../data-loaders/metrics/types.ts";
import { EXPECTED, ROWS, near, refMean, refStd } from "./fixture.ts";
import { measured, writeStoredRun, type StoredRun } from "./stored-run.ts";

describe("tpotMs", () => {
  it("is (E2EL − TTFT)/(tokens − 1) only above 1 output token", () => {
    near(tpotMs({ ttft_ms: 100, e2e_ms: 1100, completion_tokens: 11 }), 100);
    near(tpotMs({ ttft_ms: 100, e2e_ms: 200, completion_tokens: 2 }), 100);
    expect(tpotMs({ ttft_ms: 300, e2e_ms: 300, completion_tokens: 1 })).toBeNull();
    expect(tpotMs({ ttft_ms: 300, e2e_ms: 300, completion_tokens: 0 })).toBeNull();
    expect(tpotMs({ ttft_ms: 100, e2e_ms: 200, completion_tokens: null })).toBeNull();
    expect(tpotMs({ ttft_ms: null, e2e_ms: 200, completion_tokens: 5 })).toBeNull();
    expect(tpotMs({ ttft_ms: 100, e2e_ms: null, completion_tokens: 5 })).toBeNull();
  });
});

describe("latencyValues", () => {
  it("takes successful requests only, ITL flattened in row order", () => {
    const v = latencyValues(ROWS);
    expect(v.ttftMs).toEqual(EXPECTED.ttft);
    expect(v.tpotMs).toEqual(EXPECTED.tpot);
    expect(v.itlMs).toEqual(EXPECTED.itl);
    expect(v.e2elMs).toEqual(EXPECTED.e2el);
  });
});

describe("latency", () => {
  it("matches a plain recomputation on the fixture", () => {
    const l = latency(ROWS);
    // Percentiles worked out by hand from the sorted lists (rank h = (n − 1)·p/100).
    check(l.ttftMs, EXPECTED.ttft, { median: 100, p90: 320, p95: 360, p99: 392, min: 50, max: 400 });
    // Sorted 10 50 100 100 100 125.
    check(l.tpotMs, EXPECTED.tpot, { median: 100, p90: 112.5, p95: 118.75, p99: 123.75, min: 10, max: 125 });
    // Sorted 10 15 20 20 25 30 35 40 50 60 100 100 200 300.
    check(l.itlMs, EXPECTED.itl, { median: 37.5, p90: 170, p95: 235, p99: 287, min: 10, max: 300 });
    // Sorted 200 300 550 650 1080 1100 2100 2200 2400.
    check(l.e2elMs, EXPECTED.e2el, { median: 1080, p90: 2240, p95: 2320, p99: 2384, min: 200, max: 2400 });
  });

  it("gives empty distributions when every request failed", () => {
    const l = latency(ROWS.filter((r) => r.status === "error"));
    for (const d of [l.ttftMs, l.tpotMs, l.itlMs, l.e2elMs]) expect(d).toMatchObject({ n: 0, mean: null, p99: null });
  });
});

function check(
  d: Distribution,
  values: number[],
  expected: { median: number; p90: number; p95: number; p99: number; min: number; max: number },
): void {
  expect(d.n).toBe(values.length);
  near(d.mean, refMean(values));
  near(d.std, refStd(values));
  near(d.median, expected.median);
  near(d.p50, expected.median);
  near(d.p90, expected.p90);
  near(d.p95, expected.p95);
  near(d.p99, expected.p99);
  near(d.min, expected.min);
  near(d.max, expected.max);
}

describe("the SQL twins over a stored run", () => {
  let twin: StoredRun;
  beforeAll(async () => {
    twin = await writeStoredRun();
  });
  afterAll(() => twin.cleanup());

  it("itlDistribution is the distribution of latencyValues' ITL list (warm-up rows left out)", async () => {
    const expected = distribution(latencyValues(measured(twin.rows)).itlMs);
    const fromSql = await itlDistribution(twin.requestsPath);
    expect(fromSql.n).toBe(expected.n);
    expect(expected.n).toBeGreaterThan(1000);
    for (const key of ["mean", "median", "std", "p50", "p90", "p95", "p99", "min", "max"] as const)
      expect(fromSql[key], key).toBeCloseTo(expected[key]!, 9);
  });

  it("latencyQuantiles are percentile() of latencyValues' TTFT, TPOT and E2EL lists", async () => {
    const ps = [0, 2, 25, 50, 90, 99, 100];
    const values = latencyValues(measured(twin.rows));
    const q = await latencyQuantiles(twin.requestsPath, ps);
    for (const [points, list] of [
      [q.ttftMs, values.ttftMs],
      [q.tpotMs, values.tpotMs],
      [q.e2elMs, values.e2elMs],
    ] as const) {
      expect(points.map((x) => x.p)).toEqual(ps);
      points.forEach(({ p, ms }) => expect(ms, `p${p}`).toBeCloseTo(percentile(list, p)!, 9));
    }
  });

  it("storedLatencyWithQuantiles gives latency(rows) and the same percentiles from one count", async () => {
    const ps = [0, 2, 25, 50, 90, 99, 100];
    const rows = measured(twin.rows);
    const { latency: got, quantiles } = await storedLatencyWithQuantiles(twin.requestsPath, ps);
    const expected = latency(rows);
    for (const metric of ["ttftMs", "tpotMs", "itlMs", "e2elMs"] as const)
      for (const key of ["n", "mean", "median", "std", "p50", "p90", "p95", "p99", "min", "max"] as const)
        expect(got[metric][key], `${metric}.${key}`).toBeCloseTo(expected[metric][key]!, 9);
    expect(quantiles).toEqual(await latencyQuantiles(twin.requestsPath, ps));
  });
});
