import { describe, expect, it } from "vitest";
import { perSecond, rates, runDurationS, throughput } from "../../data-loaders/metrics/throughput.ts";
import { EXPECTED, ROWS, near, row } from "./fixture.ts";

describe("runDurationS", () => {
  it("spans first send to last completion over all requests, failed ones included", () => {
    near(runDurationS(ROWS), EXPECTED.durationS);
    // Without the failed rows the last completion is row 9 at 4700 ms.
    near(runDurationS(ROWS.filter((r) => r.status === "ok")), 4.7);
  });

  it("starts at an open loop's schedule origin when given (vllm bench serve counts the first gap)", () => {
    // N = 4 requests at 4/s: the schedule's origin at 0, the first arrival after its gap at 180 ms.
    const rows = [180, 400, 700, 1000].map((sent) => ({ sent_ms: sent, done_ms: sent + 100 }));
    expect(runDurationS(rows)).toBeCloseTo(0.92, 12); // first send → last completion: the gap left out
    expect(runDurationS(rows, 0)).toBeCloseTo(1.1, 12);
    // A start after the first send (it cannot be) never shortens the span.
    expect(runDurationS(rows, 500)).toBeCloseTo(0.92, 12);
    const counted = rows.map((r) => ({ ...r, status: "ok" as const, prompt_tokens: 1, completion_tokens: 1 }));
    expect(throughput(counted, 0).requestThroughput).toBeCloseTo(4 / 1.1, 12);
  });

  it("is 0 when nothing was timed", () => {
    expect(runDurationS([])).toBe(0);
    expect(runDurationS([ROWS[12]!])).toBe(0);
  });
});

describe("throughput", () => {
  it("counts successful requests and their reported tokens over the run duration", () => {
    const t = throughput(ROWS);
    expect(t.completed).toBe(EXPECTED.completed);
    expect(t.totalInputTokens).toBe(EXPECTED.totalInputTokens);
    expect(t.totalOutputTokens).toBe(EXPECTED.totalOutputTokens);
    expect(t.missingUsage).toBe(EXPECTED.missingUsage);
    near(t.durationS, 5);
    near(t.requestThroughput, 9 / 5);
    near(t.outputThroughput, 282 / 5);
    near(t.totalTokenThroughput, (370 + 282) / 5);
  });

  it("reports 0 rates when there is no duration", () => {
    const t = throughput([row({ sent: 10, first: 10, done: 10, ttft: 0, e2e: 0, itl: [], prompt: 5, completion: 1 })]);
    expect(t).toMatchObject({
      durationS: 0,
      completed: 1,
      requestThroughput: 0,
      outputThroughput: 0,
      totalTokenThroughput: 0,
    });
  });

  it("divides by a given duration in rates", () => {
    const r = rates(ROWS, 2);
    near(r.requestThroughput, 4.5);
    near(r.outputThroughput, 141);
    expect(perSecond(3, 0)).toBe(0);
    near(perSecond(3, 1.5), 2);
  });
});
