// The benchmark matrix and headline figures assembled from run digests.
import { describe, expect, test } from "vitest";
import type { Projection } from "../../data-loaders/analysis/extrapolate.ts";
import type { RunDigest } from "../../data-loaders/report/digest.ts";
import { benchmarkMatrix, runCosts, runFigures } from "../../data-loaders/report/overview.ts";
import { makeEntry, RECORDED_LLAMA_5K } from "../site/fixture-store.ts";

function projection(runId: string, requests: number, seconds: number): Projection {
  return {
    requests,
    seconds,
    lo: seconds * 0.9,
    hi: seconds * 1.1,
    basis: {
      runId,
      window: null,
      method: "steady-state",
      requestThroughput: 10,
      overheadS: 0,
      windows: 5,
      replicates: 200,
      level: 0.95,
    },
  };
}

function digest(fields: Partial<RunDigest> & Pick<RunDigest, "experimentId" | "runId" | "model">): RunDigest {
  return {
    source: "simulated",
    status: "complete",
    reason: null,
    startedAt: "2026-01-01T00:00:00Z",
    finishedAt: null,
    concurrency: 4,
    level: null,
    repeat: 0,
    counts: { requests: 100, done: 100, ok: 100, error: 0 },
    hasRows: true,
    summary: {
      requests: 100,
      completed: 100,
      failed: 0,
      successRate: 1,
      durationS: 12,
      requestThroughput: 8,
      outputThroughput: 800,
      totalTokenThroughput: 1800,
      totalInputTokens: 10_000,
      totalOutputTokens: 10_000,
      missingUsage: 0,
      meanPromptTokens: 100,
      meanCompletionTokens: 100,
      outputInputRatio: 1,
    } as RunDigest["summary"],
    steady: null,
    series: [],
    serverSeries: [],
    histograms: null,
    cdf: null,
    outcomes: [],
    workers: [],
    endpoints: [],
    quality: null,
    promptHash: "p",
    recorded: null,
    projections: [],
    ...fields,
  };
}

const RECORDED = RECORDED_LLAMA_5K;

describe("benchmarkMatrix", () => {
  const digests = [
    digest({
      experimentId: "small",
      runId: "r1",
      model: "m",
      projections: [projection("r1", 1000, 100), projection("r1", 200_000, 20_000)],
    }),
    digest({
      experimentId: "big",
      runId: "r2",
      model: "m",
      source: "measured",
      counts: { requests: 1000, done: 1000, ok: 1000, error: 0 },
    }),
    digest({
      experimentId: "oom",
      runId: "r3",
      model: "m",
      status: "failed",
      reason: "CUDA out of memory",
      hasRows: false,
      summary: null,
      counts: { requests: 5000, done: 0, ok: 0, error: 0 },
    }),
    digest({
      experimentId: "rec",
      runId: "r4",
      model: "other",
      source: "recorded",
      hasRows: false,
      summary: null,
      recorded: RECORDED,
    }),
  ];
  const entries = [
    makeEntry({ id: "later", title: "later", state: "pending", model: "m", spec: { requests: 50_000 } }),
    makeEntry({ id: "newmodel", title: "new", state: "pending", model: "fresh-model", spec: { requests: 50_000 } }),
  ];
  const matrix = benchmarkMatrix(entries, digests);

  test("has a row per model and a column per run size and projection count", () => {
    expect(matrix.models).toEqual(["fresh-model", "m", "other"]);
    expect(matrix.counts).toEqual([100, 1000, 5000, 50_000, 200_000, 1_000_000]);
  });

  test("prefers a run of exactly that size over an extrapolation", () => {
    expect(matrix.cells.m!["1000"]).toMatchObject({ kind: "measured", runId: "r2", seconds: 12 });
    expect(matrix.cells.m!["100"]).toMatchObject({ kind: "simulated", runId: "r1" });
  });

  test("shows failures with their reason, pending files with an estimate, and extrapolations with their run", () => {
    expect(matrix.cells.m!["5000"]).toMatchObject({ kind: "failed", note: "CUDA out of memory", runId: "r3" });
    expect(matrix.cells.m!["200000"]).toMatchObject({
      kind: "extrapolated",
      runId: "r1",
      seconds: 20_000,
      lo: 18_000,
      hi: 22_000,
    });
    expect(matrix.cells.m!["50000"]).toMatchObject({ kind: "pending", experimentId: "later", seconds: null });
    expect(matrix.cells["fresh-model"]!["50000"]).toMatchObject({
      kind: "pending",
      note: "no run of this model to estimate from",
    });
    expect(matrix.cells.other!["5000"]).toMatchObject({ kind: "recorded", runId: "r4", seconds: 108 });
    expect(matrix.cells.m!["1000000"]).toBeUndefined();
  });
});

describe("runFigures and runCosts", () => {
  test("a recorded run's figures come from its aggregates", () => {
    const f = runFigures(digest({ experimentId: "rec", runId: "r", model: "x", summary: null, recorded: RECORDED }))!;
    expect(f).toMatchObject({ requests: 5000, successRate: 1, durationS: 108, totalTokenThroughput: 19_813 });
    expect(f.meanPromptTokens).toBeCloseTo(308, 9);
    expect(f.meanCompletionTokens).toBeCloseTo(121.375, 9);
  });

  test("costs use the experiment's prices and GPU $/hour", () => {
    const d = digest({ experimentId: "a", runId: "r", model: "x", projections: [projection("r", 1000, 100)] });
    const costs = runCosts(d, {
      prices: [{ label: "api", inputPerMTok: 1, outputPerMTok: 3 }],
      gpuDollarsPerHour: 3.6,
      agreementField: null,
      publish: "full",
    });
    // 100 prompt + 100 completion tokens per request: (100·1 + 100·3) / 1e6 $ = $0.0004; 100K → $40.
    expect(costs.api[0]!.per100K).toBeCloseTo(40, 9);
    // 10 requests/s at $3.6/hour = $0.0001 per request → $10 per 100K.
    expect(costs.selfHosted!.per100K).toBeCloseTo(10, 9);
    expect(costs.projected[0]!.dollars).toBeCloseTo(0.1, 9);
    expect(runCosts(d, { prices: [], gpuDollarsPerHour: null, agreementField: null, publish: "full" })).toEqual({
      api: [],
      selfHosted: null,
      projected: [],
    });
  });
});
