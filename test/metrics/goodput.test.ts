import { describe, expect, it } from "vitest";
import { goodput, isGood } from "../../data-loaders/metrics/goodput.ts";
import { ROWS, near } from "./fixture.ts";

describe("goodput", () => {
  it("counts requests meeting every configured SLO, per second of run", () => {
    // ttft ≤ 150, tpot ≤ 100, e2el ≤ 2200: rows 1, 7 and 11 (see fixture). Row 3 fails TPOT (125),
    // rows 6 and 10 have no completion count, failed row 8 would pass but is an error.
    const g = goodput(ROWS, { ttftMs: 150, tpotMs: 100, e2elMs: 2200 });
    expect(g.good).toBe(3);
    near(g.durationS, 5);
    near(g.goodput, 3 / 5);
  });

  it("checks only the SLOs given", () => {
    // ttft ≤ 300: every ok row but row 9 (400 ms).
    expect(goodput(ROWS, { ttftMs: 300 }).good).toBe(8);
    // e2el ≤ 1080 (inclusive): rows 3, 4, 6, 10, 11.
    expect(goodput(ROWS, { e2elMs: 1080 }).good).toBe(5);
    // No SLO: every successful request is good.
    near(goodput(ROWS, {}).goodput, 9 / 5);
  });

  it("counts TPOT as 0 for a single output token", () => {
    // Only row 4 (1 token) has TPOT 0; everything else is above 0 or unknown.
    expect(goodput(ROWS, { tpotMs: 0 }).good).toBe(1);
  });

  it("never counts failed requests or unknown values as good", () => {
    const failed = { status: "error", ttft_ms: 1, e2e_ms: 2, completion_tokens: 3 } as const;
    expect(isGood(failed, {})).toBe(false);
    expect(isGood({ status: "ok", ttft_ms: null, e2e_ms: 2, completion_tokens: 3 }, { ttftMs: 100 })).toBe(false);
    expect(isGood({ status: "ok", ttft_ms: 1, e2e_ms: null, completion_tokens: 3 }, { e2elMs: 100 })).toBe(false);
    expect(isGood({ status: "ok", ttft_ms: 1, e2e_ms: 2, completion_tokens: null }, { tpotMs: 100 })).toBe(false);
    expect(isGood({ status: "ok", ttft_ms: 1, e2e_ms: 3, completion_tokens: 3 }, { tpotMs: 1 })).toBe(true);
  });
});
