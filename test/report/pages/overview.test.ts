// The overview page data: the leaderboard rows, every run's figures and the benchmark matrix
// (model × request count), from hand-made digests and from the site's fixture store.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { recordedSummary } from "../../../data-loaders/metrics/recorded.ts";
import { benchmarkMatrix, LEADERBOARD_REQUESTS, overviewPage } from "../../../data-loaders/report/pages/overview.ts";
import { makeEntry, RECORDED_LLAMA_5K } from "../../site/fixture-store.ts";
import { digest, projection } from "../fixture.ts";
import { fixtureStore, type FixtureStore } from "./fixture.ts";

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
      counts: { requests: 5000, done: 5000, ok: 5000, error: 0 },
      summary: recordedSummary(RECORDED),
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

describe("overviewPage over the fixture store", () => {
  let store: FixtureStore;
  let data: Awaited<ReturnType<typeof overviewPage>>;
  beforeAll(async () => {
    store = await fixtureStore();
    data = await overviewPage(store.dirs);
  });
  afterAll(() => store.remove());

  test("lists every experiment with the source, figures and costs of the run it shows", () => {
    const row = (id: string) => data.experiments.find((e) => e.id === id)!;
    // A grid is listed, then each of its cells (the removed one last).
    expect(data.experiments.map((e) => e.id)).toEqual([
      ...["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "sweep", "study"],
      "study_model-gemma-3-1b_concurrency-2",
      "study_model-gemma-3-1b_concurrency-4",
      "study_model-llama-3.2-1b_concurrency-2",
      "study_model-llama-3.2-1b_concurrency-4",
      "study_model-gemma-3-1b_concurrency-8",
    ]);
    expect(row("alpha")).toMatchObject({ source: "simulated", runId: "run-a", figures: { requests: 30 } });
    expect(row("alpha").figures!.successRate).toBeCloseTo(29 / 30, 12);
    expect(row("alpha").cheapestApi).toMatchObject({ label: "cheap API" });
    expect(row("alpha").gpuPer100K).toBeGreaterThan(0);
    expect(row("alpha").time).toMatchObject({ requests: LEADERBOARD_REQUESTS });
    expect(row("beta")).toMatchObject({ source: "measured", cheapestApi: { label: "strong API" } });
    expect(row("gamma")).toMatchObject({ state: "pending", source: null, figures: null, time: null });
    expect(row("delta")).toMatchObject({ state: "failed", runStatus: "failed", figures: null });
  });

  test("shows a recorded run through the same figures, labelled recorded", () => {
    const zeta = data.experiments.find((e) => e.id === "zeta")!;
    expect(zeta.source).toBe("recorded");
    // Aggregates only, from a hand-written report (no tool named); the badge says so.
    expect(zeta).toMatchObject({ hasRows: false, tool: null });
    expect(data.experiments.find((e) => e.id === "alpha")).toMatchObject({ hasRows: true, tool: null });
    expect(zeta.figures).toMatchObject({
      requests: 5000,
      successRate: 1,
      durationS: 108,
      totalTokenThroughput: 19_813,
    });
    // 200K requests at the recorded 46.3 requests/s, without an interval.
    expect(zeta.time!.seconds).toBeCloseTo(200_000 / 46.3, 6);
    expect(zeta.time!.lo).toBeNull();
    const run = data.runs.find((r) => r.runId === "run-r")!;
    expect(run.rate).toEqual({ requestThroughput: 46.3, method: "recorded" });
    expect(run.hasRows).toBe(false);
  });

  test("quotes self-hosted cost at the rate the run is judged at", () => {
    const alpha = data.runs.find((r) => r.runId === "run-a")!;
    expect(alpha.rate!.method).toBe(alpha.projections[0]!.basis.method);
    expect(alpha.rate!.requestThroughput).toBe(alpha.projections[0]!.basis.requestThroughput);
    // $0.35/hour at R requests/s: 0.35 / (3600 · R) dollars per request.
    expect(alpha.costs.selfHosted!.per100K).toBeCloseTo((0.35 / (3600 * alpha.rate!.requestThroughput)) * 100_000, 9);
  });

  test("quotes energy cost from the run's GPU power samples at the experiment's electricity price", () => {
    const alpha = data.runs.find((r) => r.runId === "run-a")!;
    // Power 200 + 10·i W at i·300 ms, i = 0…11 (a line rising 1 W per 30 ms to 310 W at 3300 ms, held after);
    // window 0 ms → last completion.
    const endMs = alpha.energy!.windowS * 1000;
    const rampMs = Math.min(endMs, 3300);
    const joules = ((200 + (200 + rampMs / 30)) / 2) * (rampMs / 1000) + (310 * Math.max(0, endMs - 3300)) / 1000;
    expect(alpha.energy!.joules).toBeCloseTo(joules, 6);
    expect(alpha.energy!.joulesPerRequest).toBeCloseTo(joules / 29, 6);
    // $0.30 per kWh, 3.6e6 J per kWh.
    expect(alpha.costs.energy!.per100K).toBeCloseTo(((joules / 29) * 100_000 * 0.3) / 3_600_000, 9);
    expect(data.experiments.find((e) => e.id === "alpha")!.energyPer100K).toBe(alpha.costs.energy!.per100K);
    expect(data.experiments.find((e) => e.id === "beta")!.energyPer100K).toBeNull();
  });
});
