// Energy of a run from its GPU power samples: trapezoids over the run's window, summed over GPUs,
// per output token and per request; and the stored form (server-metrics.parquet beside
// requests.parquet), checked against figures worked out by hand here.
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import {
  energyFigures,
  powerOverTime,
  runEnergy,
  trapezoidJoules,
  type PowerSample,
} from "../../data-loaders/metrics/energy.ts";
import { writeServerMetrics } from "../../data-loaders/store/server-metrics.ts";
import type { ServerMetricRow } from "../../data-loaders/store/schemas/server-metric.ts";
import { makeManifest, makeRow, writeRun } from "../site/fixture-store.ts";
import { tempDir } from "../helpers/temp.ts";

const p = (tMs: number, watts: number): PowerSample => ({ tMs, watts });

describe("trapezoidJoules", () => {
  test("integrates between samples by trapezoids, in joules (W · s)", () => {
    // 100 W → 300 W over 1 s = 200 J; 300 W → 300 W over 2 s = 600 J.
    expect(trapezoidJoules([p(0, 100), p(1000, 300), p(3000, 300)], 0, 3000)).toBeCloseTo(800, 12);
  });

  test("clips to the window, interpolating the power at its edges", () => {
    // Window 500–2000 ms: 200 W → 300 W over 0.5 s = 125 J, then 300 W over 1 s = 300 J.
    expect(trapezoidJoules([p(0, 100), p(1000, 300), p(3000, 300)], 500, 2000)).toBeCloseTo(425, 12);
  });

  test("holds the first and last samples flat outside them", () => {
    // 0–1000 at 100 W (held) = 100 J; 1000–2000 ramps 100→200 W = 150 J; 2000–2500 at 200 W (held) = 100 J.
    expect(trapezoidJoules([p(1000, 100), p(2000, 200)], 0, 2500)).toBeCloseTo(350, 12);
    expect(trapezoidJoules([p(1000, 250)], 0, 4000)).toBeCloseTo(1000, 12);
  });

  test("is 0 without samples or an empty window", () => {
    expect(trapezoidJoules([], 0, 1000)).toBe(0);
    expect(trapezoidJoules([p(0, 100), p(1000, 100)], 500, 500)).toBe(0);
  });
});

describe("energyFigures", () => {
  test("sums GPUs, and gives joules per output token and per request", () => {
    const power = new Map([
      ["0", [p(0, 200), p(1000, 200), p(2000, 200)]],
      ["1", [p(500, 100), p(1500, 100)]],
    ]);
    const e = energyFigures(power, { startMs: 0, endMs: 2000, completed: 8, outputTokens: 1200 })!;
    // GPU 0: 200 W · 2 s = 400 J; GPU 1: 100 W held over 2 s = 200 J.
    expect(e.perGpu.map((g) => [g.gpu, g.joules, g.samples, g.meanWatts])).toEqual([
      ["0", 400, 3, 200],
      ["1", 200, 2, 100],
    ]);
    expect(e.joules).toBeCloseTo(600, 12);
    expect(e.joulesPerOutputToken).toBeCloseTo(0.5, 12);
    expect(e.joulesPerRequest).toBeCloseTo(75, 12);
    expect(e.windowS).toBe(2);
    expect(e.coverage).toBeCloseTo(0.5, 12); // GPU 1's samples span 500–1500 of 0–2000
  });

  test("is null without samples or window; per-token and per-request figures null without successes", () => {
    expect(energyFigures(new Map(), { startMs: 0, endMs: 1, completed: 1, outputTokens: 1 })).toBeNull();
    const one = new Map([["0", [p(0, 50)]]]);
    expect(energyFigures(one, { startMs: 5, endMs: 5, completed: 1, outputTokens: 1 })).toBeNull();
    const e = energyFigures(one, { startMs: 0, endMs: 1000, completed: 0, outputTokens: 0 })!;
    expect([e.joules, e.joulesPerOutputToken, e.joulesPerRequest]).toEqual([50, null, null]);
  });
});

describe("powerOverTime", () => {
  test("averages each GPU's samples in bins of whole seconds", () => {
    const power = new Map([
      ["0", [p(0, 100), p(500, 200), p(1000, 300), p(2400, 50)]],
      ["1", [p(100, 10)]],
    ]);
    expect(powerOverTime(power)).toEqual([
      { gpu: "0", startMs: 0, watts: 150 },
      { gpu: "0", startMs: 1000, watts: 300 },
      { gpu: "0", startMs: 2000, watts: 50 },
      { gpu: "1", startMs: 0, watts: 10 },
    ]);
    expect(powerOverTime(new Map())).toEqual([]);
  });

  test("keeps at most POWER_BINS bins over a long run", () => {
    // 10 hours of one sample a second: 300 s bins.
    const samples = Array.from({ length: 36_000 }, (_, i) => p(i * 1000, 200 + (i % 2) * 100));
    const bins = powerOverTime(new Map([["0", samples]]));
    expect(bins).toHaveLength(120);
    expect(bins[1]!.startMs).toBe(300_000);
    expect(bins.every((b) => b.watts === 250)).toBe(true);
  });
});

describe("runEnergy on stored files", () => {
  const tmp = tempDir("energy");
  afterAll(() => tmp.cleanup());

  test("reads the power series and the run's window and tokens (warm-up and failures left out)", async () => {
    const base = { run_id: "e1", experiment_id: "energy" } as const;
    const rows = [
      makeRow({ ...base, request_index: 0, warmup: true, sent_ms: 0, done_ms: 400, completion_tokens: 99 }),
      makeRow({ ...base, request_index: 1, sent_ms: 500, done_ms: 2500, completion_tokens: 100 }),
      makeRow({ ...base, request_index: 2, sent_ms: 600, done_ms: 3500, completion_tokens: 300 }),
      makeRow({ ...base, request_index: 3, status: "error", error_class: "timeout", sent_ms: 700, done_ms: 3000 }),
    ];
    const dir = await writeRun(join(tmp.dir, "results"), makeManifest(base), rows);
    const gpu = (t_ms: number, value: number, metric = "gpu:power_draw_watts"): ServerMetricRow => ({
      run_id: "e1",
      endpoint: "nvidia-smi",
      t_ms,
      metric,
      labels: '{"gpu":"0"}',
      value,
    });
    await writeServerMetrics(dir, [
      gpu(0, 20),
      gpu(1000, 120),
      gpu(2000, 300),
      gpu(3000, 300),
      gpu(4000, 60),
      gpu(1000, 2700, "gpu:clock_sm_mhz"),
      { ...gpu(1000, 0.5), endpoint: "http://127.0.0.1:8000", metric: "vllm:kv_cache_usage_perc", labels: "{}" },
    ]);
    const e = (await runEnergy(join(dir, "requests.parquet"), join(dir, "server-metrics.parquet")))!;
    // Window 500–3500 ms. 500→1000: 70→120 W = 47.5 J; 1000→2000: 120→300 W = 210 J;
    // 2000→3000: 300 W = 300 J; 3000→3500: 300→180 W = 120 J. Total 677.5 J.
    expect(e.joules).toBeCloseTo(677.5, 9);
    expect(e.windowS).toBe(3);
    expect(e.joulesPerOutputToken).toBeCloseTo(677.5 / 400, 9);
    expect(e.joulesPerRequest).toBeCloseTo(677.5 / 2, 9);
    expect(e.coverage).toBe(1);
    expect(await runEnergy(join(dir, "requests.parquet"), null)).toBeNull();
  });

  test("is null when the stored series has no power samples", async () => {
    const base = { run_id: "e2", experiment_id: "energy" } as const;
    const dir = await writeRun(join(tmp.dir, "results"), makeManifest(base), [makeRow({ ...base, request_index: 0 })]);
    await writeServerMetrics(dir, []);
    expect(await runEnergy(join(dir, "requests.parquet"), join(dir, "server-metrics.parquet"))).toBeNull();
  });
});
