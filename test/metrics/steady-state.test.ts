import { describe, expect, it } from "vitest";
import { steadyState, timeSeries } from "../../data-loaders/metrics/steady-state.ts";
import type { SeriesRow, WindowRow } from "../../data-loaders/metrics/steady-state.ts";
import { throughput } from "../../data-loaders/metrics/throughput.ts";
import { near } from "./fixture.ts";

function req(sent: number, done: number, status: "ok" | "error" = "ok"): WindowRow {
  return { status, sent_ms: sent, done_ms: done, prompt_tokens: 10, completion_tokens: 100 };
}

/**
 * Closed loop: `workers` workers take requests from a shared queue of `count`, each sending its
 * next request the moment the previous one completes. Worker w starts at w·rampMs (slow
 * warm-up) and its first request is cold (coldMs); every later one takes serviceMs. Steady
 * rate = workers / serviceMs.
 */
function closedLoop(workers: number, count: number, rampMs: number, coldMs: number, serviceMs: number) {
  const freeAt = Array.from({ length: workers }, (_, w) => w * rampMs);
  const sentAny = Array.from({ length: workers }, () => false);
  const rows: (WindowRow & SeriesRow)[] = [];
  for (let i = 0; i < count; i++) {
    let w = 0;
    for (let k = 1; k < workers; k++) if (freeAt[k]! < freeAt[w]!) w = k;
    const sent = freeAt[w]!;
    const done = sent + (sentAny[w] ? serviceMs : coldMs);
    sentAny[w] = true;
    freeAt[w] = done;
    rows.push({
      status: "ok",
      sent_ms: sent,
      first_event_ms: sent + 100,
      done_ms: done,
      prompt_tokens: 100,
      completion_tokens: 50,
    });
  }
  return rows;
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

describe("timeSeries", () => {
  const row = (r: Omit<SeriesRow, "status"> & { status?: "ok" | "error" }): SeriesRow => ({ status: "ok", ...r });
  const rows = [
    row({ sent_ms: 0, first_event_ms: 500, done_ms: 1500, completion_tokens: 100 }), // tokens 50 | 50
    row({ sent_ms: 200, first_event_ms: null, done_ms: 800, completion_tokens: 30 }), // all at done
    row({ status: "error", sent_ms: 900, first_event_ms: null, done_ms: 2100, completion_tokens: null }),
    row({ sent_ms: 1000, first_event_ms: 1200, done_ms: 1200, completion_tokens: 1 }), // zero span
    row({ sent_ms: 1500, first_event_ms: 1600, done_ms: 2600, completion_tokens: null }),
  ];

  it("bins completions, spread tokens and time-averaged in-flight", () => {
    const bins = timeSeries(rows, 1000);
    expect(bins.map((b) => [b.startMs, b.endMs, b.completed, b.failed])).toEqual([
      [0, 1000, 1, 0],
      [1000, 2000, 2, 0],
      [2000, 3000, 1, 1],
    ]);
    near(bins[0]!.outputTokensPerS, 80);
    near(bins[1]!.outputTokensPerS, 51);
    near(bins[2]!.outputTokensPerS, 0);
    // In flight: bin 0 = 1 + 0.6 + 0.1, bin 1 = 0.5 + 1 + 0.2 + 0.5, bin 2 = 0.1 + 0.6.
    near(bins[0]!.inFlight, 1.7);
    near(bins[1]!.inFlight, 2.2);
    near(bins[2]!.inFlight, 0.7);
  });

  it("keeps every token whatever the bin width", () => {
    const bins = timeSeries(rows, 300);
    expect(bins).toHaveLength(9); // last time 2600 ms → bins 0..8
    near(
      bins.reduce((s, b) => s + (b.outputTokensPerS * 300) / 1000, 0),
      131,
    );
    expect(bins.reduce((s, b) => s + b.completed, 0)).toBe(4);
  });

  it("shows the closed loop at its concurrency and token rate in steady state", () => {
    const bins = timeSeries(closedLoop(4, 400, 2300, 3000, 1000), 1000);
    const mid = bins[50]!;
    near(mid.inFlight, 4);
    near(mid.outputTokensPerS, 200);
    expect(timeSeries([], 1000)).toEqual([]);
    expect(() => timeSeries(rows, 0)).toThrow(RangeError);
  });
});
