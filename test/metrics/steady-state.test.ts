import { describe, expect, it } from "vitest";
import { steadyState, storedSteadyState } from "../../data-loaders/metrics/steady-state.ts";
import { expectClose, measured, storedTwins } from "./stored-run.ts";
import type { WindowRow } from "../../data-loaders/metrics/steady-state.ts";
import { throughput } from "../../data-loaders/metrics/throughput.ts";
import { closedLoop, near } from "./fixture.ts";

function req(sent: number, done: number, status: "ok" | "error" = "ok"): WindowRow {
  return { status, sent_ms: sent, done_ms: done, prompt_tokens: 10, completion_tokens: 100 };
}

describe("steadyState", () => {
  it("follows the documented rule on a hand-checked trace", () => {
    // C = 2. Worker 0 sends at 0, worker 1 joins at 500; 1000 ms each; 7 requests, E fails.
    const rows = [
      req(0, 1000), // A
      req(500, 1500), // B
      req(1000, 2000), // C
      req(1500, 2500), // D
      req(2000, 3000, "error"), // E
      req(2500, 3500), // F
      req(3000, 4000), // G: last send; 2 in flight until F completes at 3500
    ];
    const s = steadyState(rows, 2)!;
    // Full at 500 → start at the first completion after it (A, 1000). End when F completes.
    expect(s.startMs).toBe(1000);
    expect(s.endMs).toBe(3500);
    // Inside (1000, 3500]: B, C, D, F ok (E failed) over 2.5 s.
    expect(s.requests).toBe(4);
    near(s.requestThroughput, 4 / 2.5);
    near(s.outputThroughput, 400 / 2.5);
    near(s.totalTokenThroughput, 440 / 2.5);
  });

  it("ends at the last send when fewer than C are then in flight", () => {
    // C = 4, all 1000 ms, 10 requests: sends at 0 (4), 1000 (4), 2000 (2).
    const rows = [0, 0, 0, 0, 1000, 1000, 1000, 1000, 2000, 2000].map((t) => req(t, t + 1000));
    const s = steadyState(rows, 4)!;
    expect([s.startMs, s.endMs, s.requests]).toEqual([1000, 2000, 4]);
    near(s.requestThroughput, 4);
  });

  it("recovers the steady rate of a closed loop with a slow warm-up and a drain tail", () => {
    const rows = closedLoop(4, 400, 2300, 3000, 1000);
    const known = 4; // req/s = 4 workers / 1 s
    const s = steadyState(rows, 4)!;
    expect(Math.abs(s.requestThroughput / known - 1)).toBeLessThan(0.01);
    expect(Math.abs(s.outputThroughput / (known * 50) - 1)).toBeLessThan(0.01);
    expect(Math.abs(s.totalTokenThroughput / (known * 150) - 1)).toBeLessThan(0.01);
    // The window excludes the ramp (last worker joins at 6900 ms) and the drain.
    expect(s.startMs).toBeGreaterThanOrEqual(6900);
    const lastDone = Math.max(...rows.map((r) => r.done_ms!));
    expect(s.endMs).toBeLessThan(lastDone);
    // Whole-run throughput is pulled down by the warm-up and tail.
    const naive = throughput(rows).requestThroughput;
    expect(Math.abs(naive / known - 1)).toBeGreaterThan(0.05);
  });

  it("has no window when the concurrency is never reached", () => {
    expect(steadyState([req(0, 1000), req(1000, 2000)], 2)).toBeNull();
    expect(steadyState([], 1)).toBeNull();
    expect(() => steadyState([req(0, 1)], 0)).toThrow(RangeError);
    expect(() => steadyState([req(0, 1)], 1.5)).toThrow(RangeError);
  });
});

describe("storedSteadyState (DuckDB) equals steadyState of the measured rows", () => {
  const runs = storedTwins();

  it.each([1, 3, 6, 9, 40, 1000])(
    "at concurrency %i on the irregular run and on a closed runs.loop of 6",
    async (c) => {
      for (const run of [runs.twin, runs.loop]) {
        const expected = steadyState(measured(run.rows), c);
        expectClose(await storedSteadyState(run.requestsPath, c), expected);
      }
    },
  );

  it("finds a window where one exists and none where the concurrency is never reached", async () => {
    expect(await storedSteadyState(runs.loop.requestsPath, 6)).not.toBeNull();
    expect(await storedSteadyState(runs.loop.requestsPath, 7)).toBeNull();
    await expect(storedSteadyState(runs.loop.requestsPath, 0)).rejects.toThrow(RangeError);
  });
});
