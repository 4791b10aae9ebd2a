import { describe, expect, it } from "vitest";
import { apiCosts, gpuCost, projectedGpuCosts, selfHostedRate, tokenCost } from "../../data-loaders/analysis/cost.ts";
import type { Projection } from "../../data-loaders/analysis/extrapolate.ts";

const PRICE = { label: "hosted 4B", inputPerMTok: 0.04, outputPerMTok: 0.08 };
// The hand-written study's Gemma figures: 788 prompt / 308 completion tokens per request.
const TOKENS = { meanPromptTokens: 788, meanCompletionTokens: 308 };

describe("API cost", () => {
  it("prices one request by its input and output tokens", () => {
    // (788 · 0.04 + 308 · 0.08) / 1e6 = (31.52 + 24.64) / 1e6 = 0.00005616 $
    expect(tokenCost(PRICE, 788, 308)).toBeCloseTo(0.00005616, 12);
    expect(tokenCost({ inputPerMTok: 1, outputPerMTok: 0 }, 1_000_000, 5)).toBe(1);
  });

  it("gives cost per request, per 100K and per 1M requests for each price", () => {
    const [c, free] = apiCosts([PRICE, { label: "free", inputPerMTok: 0, outputPerMTok: 0 }], TOKENS);
    expect(c!.label).toBe("hosted 4B");
    expect(c!.perRequest).toBeCloseTo(0.00005616, 12);
    expect(c!.per100K).toBeCloseTo(5.616, 9);
    expect(c!.per1M).toBeCloseTo(56.16, 9);
    expect(free!.per1M).toBe(0);
  });
});

describe("self-hosted cost", () => {
  it("charges GPU $/hour for the time", () => {
    expect(gpuCost(0.35, 7200)).toBeCloseTo(0.7, 12);
    expect(gpuCost(0, 7200)).toBe(0);
    expect(() => gpuCost(-1, 10)).toThrow(/\$\/hour/);
    expect(() => gpuCost(1, Number.NaN)).toThrow(/seconds/);
  });

  it("gives cost per request at a steady rate", () => {
    // 2 requests/s → 7200 requests per hour → 0.35 / 7200 $ each; 1M requests = 138.9 h = 48.61 $.
    const rate = selfHostedRate(0.35, 2)!;
    expect(rate.perRequest).toBeCloseTo(0.35 / 7200, 12);
    expect(rate.per100K).toBeCloseTo(4.861111111, 6);
    expect(rate.per1M).toBeCloseTo(48.61111111, 6);
    expect(selfHostedRate(0.35, 0)).toBeNull();
  });

  it("prices projections and their intervals", () => {
    const basis = {
      runId: "r",
      window: null,
      method: "steady-state",
      requestThroughput: 1,
      overheadS: 0,
      windows: 10,
      replicates: 10,
      level: 0.95,
    } as const;
    const projections: Projection[] = [
      { requests: 1000, seconds: 7200, lo: 3600, hi: 10800, basis },
      { requests: 5000, seconds: 36000, lo: null, hi: null, basis },
      { requests: 9000, seconds: 36000, lo: 3600, hi: Infinity, basis },
    ];
    const [a, b, c] = projectedGpuCosts(0.5, projections);
    expect([a!.dollars, a!.lo, a!.hi]).toEqual([1, 0.5, 1.5]);
    expect([b!.dollars, b!.lo, b!.hi]).toEqual([5, null, null]);
    expect(c!.hi).toBeNull();
    expect(a!.basis.runId).toBe("r");
  });
});
