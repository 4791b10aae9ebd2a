import { describe, expect, it } from "vitest";
import { storedSummary, summarizeRun } from "../../data-loaders/metrics/summary.ts";
import { expectClose, measured, storedTwins } from "./stored-run.ts";
import type { MetricRow } from "../../data-loaders/metrics/types.ts";
import { EXPECTED, ROWS, near, refMean, refStd } from "./fixture.ts";

describe("summarizeRun", () => {
  it("assembles counts, throughput, token means and latency distributions", () => {
    function* rows(): Generator<MetricRow> {
      yield* ROWS;
    }
    const s = summarizeRun(rows());
    expect(s.requests).toBe(13);
    expect(s.completed).toBe(9);
    expect(s.failed).toBe(4);
    near(s.successRate, 9 / 13);
    near(s.durationS, 5);
    near(s.requestThroughput, 9 / 5);
    near(s.outputThroughput, 282 / 5);
    near(s.totalTokenThroughput, 652 / 5);
    expect(s.totalInputTokens).toBe(370);
    expect(s.totalOutputTokens).toBe(282);
    expect(s.missingUsage).toBe(2);
    near(s.meanPromptTokens, 370 / 8);
    near(s.meanCompletionTokens, 282 / 7);
    near(s.outputInputRatio, 282 / 7 / (370 / 8));
    near(s.meanPromptTokens, refMean(EXPECTED.promptCounts));
    const pairs = [
      [s.ttftMs, EXPECTED.ttft],
      [s.tpotMs, EXPECTED.tpot],
      [s.itlMs, EXPECTED.itl],
      [s.e2elMs, EXPECTED.e2el],
    ] as const;
    for (const [d, values] of pairs) {
      expect(d.n).toBe(values.length);
      near(d.mean, refMean(values));
      near(d.std, refStd(values));
    }
    near(s.ttftMs.p99, 392);
    near(s.itlMs.median, 37.5);
  });

  it("summarizes an empty run with zeros and nulls", () => {
    const s = summarizeRun([]);
    expect(s).toMatchObject({
      requests: 0,
      completed: 0,
      failed: 0,
      successRate: 0,
      durationS: 0,
      requestThroughput: 0,
      totalOutputTokens: 0,
      missingUsage: 0,
      meanPromptTokens: null,
      meanCompletionTokens: null,
      outputInputRatio: null,
    });
    expect(s.ttftMs.n).toBe(0);
  });
});

describe("storedSummary (DuckDB) equals summarizeRun of the measured rows", () => {
  const runs = storedTwins();

  it("on the irregular run and on a closed loop", async () => {
    for (const run of [runs.twin, runs.loop])
      expectClose(await storedSummary(run.requestsPath), summarizeRun(measured(run.rows)));
  });
});
