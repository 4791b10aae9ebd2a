// The Wilson score interval against values worked out by hand.
import { describe, expect, it } from "vitest";
import { wilson, Z_95 } from "../../data-loaders/analysis/proportion.ts";

describe("wilson", () => {
  it("8 of 10: 0.490 – 0.943, worked by hand", () => {
    // z = 1.959964, z² = 3.841459, n = 10, p = 0.8
    // denominator = 1 + z²/n = 1.3841459
    // centre = (p + z²/2n) / denominator = (0.8 + 0.1920729) / 1.3841459 = 0.7167402
    // half = z / denominator · √(p(1 − p)/n + z²/4n²) = 1.4160129 · √(0.016 + 0.0096036) = 1.4160129 · 0.1600114 = 0.2265777
    const w = wilson(8, 10);
    expect(w).toMatchObject({ k: 8, n: 10, p: 0.8 });
    expect(w.lo).toBeCloseTo(0.7167402 - 0.2265777, 6);
    expect(w.hi).toBeCloseTo(0.7167402 + 0.2265777, 6);
    expect(w.lo).toBeCloseTo(0.4902, 4);
    expect(w.hi).toBeCloseTo(0.9433, 4);
  });

  it("0 of 10 is not a point: 0 – 0.2775", () => {
    // centre = (0 + 0.1920729) / 1.3841459 = 0.1387664; half = 1.4160129 · √(0 + 0.0096036) = 0.1387664
    const w = wilson(0, 10);
    expect(w.p).toBe(0);
    expect(w.lo).toBe(0);
    expect(w.hi).toBeCloseTo(2 * 0.1387664, 6);
  });

  it("45 of 50 and 1 of 1", () => {
    // n = 50, p = 0.9: denominator = 1.0768292; centre = (0.9 + 0.0384146) / 1.0768292 = 0.8714610
    // half = 1.8201267 · √(0.0018 + 0.00038415) = 1.8201267 · 0.0467349 = 0.0850633
    const w = wilson(45, 50);
    expect(w.lo).toBeCloseTo(0.871461 - 0.0850633, 6);
    expect(w.hi).toBeCloseTo(0.871461 + 0.0850633, 6);
    // n = 1, p = 1: centre = (1 + 1.9207) / 4.8415 = 0.6032747, half = 0.3967253 → 0.2065 – 1
    const one = wilson(1, 1);
    expect(one.lo).toBeCloseTo(0.2065493, 6);
    expect(one.hi).toBe(1);
  });

  it("n = 0 has no share; bad counts are refused", () => {
    expect(wilson(0, 0)).toEqual({ k: 0, n: 0, p: null, lo: null, hi: null });
    expect(() => wilson(3, 2)).toThrow(/0 ≤ k ≤ n/);
    expect(() => wilson(1.5, 2)).toThrow(RangeError);
    expect(Z_95).toBeCloseTo(1.959964, 6);
  });

  it("a wider z gives a wider interval", () => {
    const a = wilson(30, 60);
    const b = wilson(30, 60, 2.575829);
    expect(b.lo!).toBeLessThan(a.lo!);
    expect(b.hi!).toBeGreaterThan(a.hi!);
  });
});
