import { describe, expect, it } from "vitest";
import {
  backtest,
  backtestSample,
  extrapolate,
  project,
  projectAtRate,
  projectionSample,
  PROJECTION_COUNTS,
  storedProjectionSample,
} from "../../data-loaders/analysis/extrapolate.ts";
import { storedSteadyState } from "../../data-loaders/metrics/steady-state.ts";
import { storedRunTotals, storedSummary } from "../../data-loaders/metrics/summary.ts";
import { expectClose, measured, storedTwins, type StoredRun } from "../metrics/stored-run.ts";
import { judgedRate } from "../../data-loaders/metrics/rate.ts";
import { recordedSummary, type RecordedAggregates } from "../../data-loaders/metrics/recorded.ts";
import { runDurationS, throughput } from "../../data-loaders/metrics/throughput.ts";
import { closedLoop } from "./fixture.ts";

// 8 workers, 2 ms per output token, 50..150 tokens: about 8 / 0.2 s = 40 requests/s.
const LOOP = { workers: 8, msPerToken: 2, minTokens: 50, maxTokens: 150, rampMs: 30 };
const small = closedLoop({ ...LOOP, count: 1000 });
const large = closedLoop({ ...LOOP, count: 5000 });
const meanTokens = small.slice(0, 100).reduce((s, r) => s + r.completion_tokens!, 0) / 100;
const knownRate = LOOP.workers / ((LOOP.msPerToken * meanTokens) / 1000);

describe("extrapolate", () => {
  const projections = extrapolate({ runId: "small", rows: small, concurrency: 8 }, { seed: 7 });

  it("projects every count from the steady-state rate of a run with known throughput", () => {
    expect(projections.map((p) => p.requests)).toEqual([...PROJECTION_COUNTS]);
    const basis = projections[0]!.basis;
    expect(basis.method).toBe("steady-state");
    expect(basis.runId).toBe("small");
    expect(basis.window).not.toBeNull();
    expect(Math.abs(basis.requestThroughput / knownRate - 1)).toBeLessThan(0.03);
    for (const p of projections) {
      // Time for N = overhead + N / R, and the true time N / knownRate is inside the interval.
      expect(p.seconds).toBeCloseTo(basis.overheadS + p.requests / basis.requestThroughput, 6);
      expect(p.lo!).toBeLessThanOrEqual(p.seconds);
      expect(p.hi!).toBeGreaterThanOrEqual(p.seconds);
      const truth = basis.overheadS + p.requests / knownRate;
      expect(truth).toBeGreaterThanOrEqual(p.lo!);
      expect(truth).toBeLessThanOrEqual(p.hi!);
      // Not absurdly wide: within ±15% of the estimate.
      expect((p.hi! - p.lo!) / p.seconds).toBeLessThan(0.3);
      expect(p.lo! / p.seconds).toBeGreaterThan(0.85);
    }
  });

  it("predicts the run's own size as its own duration", () => {
    const [own] = extrapolate({ runId: "small", rows: small, concurrency: 8 }, { counts: [1000] });
    expect(own!.seconds).toBeCloseTo(runDurationS(small), 6);
  });

  it("is deterministic for a seed and changes with the seed", () => {
    const again = extrapolate({ runId: "small", rows: small, concurrency: 8 }, { seed: 7 });
    expect(again).toEqual(projections);
    const other = extrapolate({ runId: "small", rows: small, concurrency: 8 }, { seed: 8 });
    expect(other.map((p) => p.seconds)).toEqual(projections.map((p) => p.seconds));
    expect(other.map((p) => p.lo)).not.toEqual(projections.map((p) => p.lo));
  });

  it("widens the interval for a run whose throughput varies over time", () => {
    // Same loop, but from 12 s on (about half-way) each token takes twice as long.
    const mixed = closedLoop({ ...LOOP, count: 1000, slowFromMs: 12_000, msPerTokenLater: 4 });
    const steady = projections.find((p) => p.requests === 200_000)!;
    const varied = extrapolate({ runId: "varied", rows: mixed, concurrency: 8 }, { seed: 7 }).find(
      (p) => p.requests === 200_000,
    )!;
    expect((varied.hi! - varied.lo!) / varied.seconds).toBeGreaterThan(
      (3 * (steady.hi! - steady.lo!)) / steady.seconds,
    );
  });

  it("falls back to the whole-run rate when the concurrency is never reached", () => {
    const rows = closedLoop({ ...LOOP, workers: 2, count: 400 });
    const [p] = extrapolate({ runId: "r", rows, concurrency: 8 }, { counts: [1000] });
    expect(p!.basis.method).toBe("whole-run");
    expect(p!.basis.window).toBeNull();
    expect(p!.basis.requestThroughput).toBeCloseTo(400 / runDurationS(rows), 9);
  });

  it("gives no interval with too few requests and nothing without successful requests", () => {
    const few = closedLoop({ ...LOOP, count: 12 });
    const [p] = extrapolate({ runId: "few", rows: few, concurrency: 8 }, { counts: [1000] });
    expect(p!.lo).toBeNull();
    expect(p!.hi).toBeNull();
    expect(p!.seconds).toBeGreaterThan(0);
    const failed = few.map((r) => ({ ...r, status: "error" as const }));
    expect(extrapolate({ runId: "failed", rows: failed, concurrency: 8 })).toEqual([]);
  });

  it("rejects non-positive request counts", () => {
    expect(() => extrapolate({ runId: "s", rows: small, concurrency: 8 }, { counts: [0] })).toThrow(/positive/);
  });
});

describe("projectAtRate (a recorded run, at the rate it is judged at)", () => {
  const recorded: RecordedAggregates = {
    origin: "hand-written study",
    requests: 5000,
    completed: 5000,
    duration_s: 2208,
    total_token_throughput: 2511,
    output_throughput: null,
    request_throughput: null,
    total_input_tokens: null,
    total_output_tokens: null,
    mean_ttft_ms: null,
    mean_tpot_ms: null,
    mean_e2el_ms: null,
    concurrency: 32,
  };
  const project = (r: RecordedAggregates, counts?: number[]) => {
    const rate = judgedRate({ steady: null, requestThroughput: recordedSummary(r).requestThroughput, recorded: true });
    return rate ? projectAtRate("rec", rate, counts) : [];
  };

  it("uses completed / duration when no request throughput was recorded", () => {
    const [p] = project(recorded, [200_000]);
    expect(p!.seconds).toBeCloseTo((200_000 * 2208) / 5000, 6);
    expect(p!.basis.method).toBe("recorded");
    expect(p!.lo).toBeNull();
  });

  it("prefers the recorded request throughput and gives nothing without a rate", () => {
    expect(project({ ...recorded, request_throughput: 4 }, [100])[0]!.seconds).toBe(25);
    expect(project({ ...recorded, duration_s: null })).toEqual([]);
  });
});

describe("backtest", () => {
  it("predicts a 5x larger run of the same model within its interval", () => {
    const result = backtest(
      { runId: "small", rows: small, concurrency: 8 },
      { runId: "large", rows: large },
      { seed: 3 },
    )!;
    expect(result.requests).toBe(5000);
    expect(result.measuredS).toBeCloseTo(runDurationS(large), 9);
    expect(result.errorPct).toBeCloseTo(((result.predictedS - result.measuredS) / result.measuredS) * 100, 9);
    expect(Math.abs(result.errorPct)).toBeLessThan(3);
    expect(result.withinInterval).toBe(true);
  });

  it("reports a prediction outside the interval when the larger run was slower", () => {
    const slower = closedLoop({ ...LOOP, msPerToken: 3, count: 5000 });
    const result = backtest({ runId: "small", rows: small, concurrency: 8 }, { runId: "slower", rows: slower })!;
    expect(result.errorPct).toBeLessThan(-25);
    expect(result.withinInterval).toBe(false);
  });
});

describe("storedProjectionSample (DuckDB) equals projectionSample of the measured rows", () => {
  const runs = storedTwins();

  const stored = async (run: StoredRun, concurrency: number) => {
    const totals = await storedRunTotals(run.requestsPath);
    const summary = await storedSummary(run.requestsPath, totals);
    const steady = await storedSteadyState(run.requestsPath, concurrency);
    return storedProjectionSample(run.requestsPath, "twin", { ...summary, ...totals, steady });
  };

  it.each([
    ["a closed runs.loop, steady state", "loop", 6],
    ["a closed runs.loop, whole run", "loop", 12],
    ["the irregular run", "twin", 4],
  ] as const)("%s: the sample, and the projections and backtest drawn from it", async (_name, which, c) => {
    const run = which === "loop" ? runs.loop : runs.twin;
    const input = { runId: "twin", rows: measured(run.rows), concurrency: c };
    const expected = projectionSample(input)!;
    expect(expected.windowCounts.length).toBeGreaterThanOrEqual(2);
    const sample = (await stored(run, c))!;
    expectClose(sample, expected);
    expectClose(project(sample, { seed: 5, replicates: 100 }), extrapolate(input, { seed: 5, replicates: 100 }));
    const large = measured(runs.loop.rows);
    const measuredLarge = { runId: "large", requests: throughput(large).completed, measuredS: runDurationS(large) };
    expectClose(
      backtestSample(sample, measuredLarge, { seed: 2 }),
      backtest(input, { runId: "large", rows: large }, { seed: 2 }),
    );
  });
});
