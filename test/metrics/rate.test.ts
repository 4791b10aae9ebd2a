// The rate a run is judged at: steady state, else whole run, else none; recorded runs by their record.
import { describe, expect, it } from "vitest";
import { extrapolate } from "../../data-loaders/analysis/extrapolate.ts";
import { judgedRate } from "../../data-loaders/metrics/rate.ts";
import { steadyState } from "../../data-loaders/metrics/steady-state.ts";
import { throughput } from "../../data-loaders/metrics/throughput.ts";
import { closedLoop } from "../analysis/fixture.ts";

describe("judgedRate", () => {
  it("is the steady-state rate when the run has a steady state with a positive rate", () => {
    expect(judgedRate({ steady: { requestThroughput: 40 }, requestThroughput: 31 })).toEqual({
      requestThroughput: 40,
      method: "steady-state",
    });
  });

  it("falls back to the whole-run rate without a steady state, or with a steady rate of 0", () => {
    const whole = { requestThroughput: 31, method: "whole-run" };
    expect(judgedRate({ steady: null, requestThroughput: 31 })).toEqual(whole);
    expect(judgedRate({ steady: { requestThroughput: 0 }, requestThroughput: 31 })).toEqual(whole);
  });

  it("judges a recorded run by its recorded rate, never by a window", () => {
    expect(judgedRate({ steady: null, requestThroughput: 46.3, recorded: true })).toEqual({
      requestThroughput: 46.3,
      method: "recorded",
    });
    expect(judgedRate({ steady: { requestThroughput: 99 }, requestThroughput: 46.3, recorded: true })?.method).toBe(
      "recorded",
    );
  });

  it("gives no rate when nothing succeeded or nothing was recorded", () => {
    expect(judgedRate({ steady: null, requestThroughput: 0 })).toBeNull();
    expect(judgedRate({ steady: null, requestThroughput: null, recorded: true })).toBeNull();
    expect(judgedRate({ steady: { requestThroughput: 0 }, requestThroughput: 0 })).toBeNull();
  });

  it("is the rate projections use, for a closed-loop run and for one that never reached its concurrency", () => {
    const rows = closedLoop({ workers: 8, msPerToken: 2, minTokens: 50, maxTokens: 150, rampMs: 30, count: 400 });
    for (const concurrency of [8, 64]) {
      const steady = steadyState(rows, concurrency);
      const rate = judgedRate({ steady, requestThroughput: throughput(rows).requestThroughput })!;
      expect(rate.method).toBe(concurrency === 8 ? "steady-state" : "whole-run");
      const [p] = extrapolate({ runId: "r", rows, concurrency }, { counts: [1000], replicates: 20 });
      expect(p!.basis.method).toBe(rate.method);
      expect(p!.basis.requestThroughput).toBe(rate.requestThroughput);
    }
  });
});
