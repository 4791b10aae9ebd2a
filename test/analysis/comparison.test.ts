// compareRuns: ratios and ranks in every unit, times and time saved (speedup), token shares,
// costs (tokenCost) and the share hybrid (shareCascade), on three hand-made runs.
import { describe, expect, it } from "vitest";
import { shareCascade } from "../../data-loaders/analysis/cascade.ts";
import { COMPARE_COUNTS, compareRuns, type CompareRun } from "../../data-loaders/analysis/comparison.ts";
import { tokenCost } from "../../data-loaders/analysis/cost.ts";
import { speedup } from "../../data-loaders/analysis/paired.ts";
import type { RateUnit } from "../../data-loaders/experiment/recorded-history.ts";

const price = { label: "api", inputPerMTok: 0.1, outputPerMTok: 0.4 };
const rates = (requests: number | null, totalTokens: number | null): Record<RateUnit, number | null> => ({
  requests,
  totalTokens,
  outputTokens: null,
  answers: requests,
  chars: null,
  words: null,
});
const run = (id: string, r: Record<RateUnit, number | null>, prompt: number | null, completion: number | null) =>
  ({ id, rates: r, meanPromptTokens: prompt, meanCompletionTokens: completion, prices: [price] }) satisfies CompareRun;

// "small" answers briefly: fastest by requests/s, not by tokens/s.
const runs = [
  run("big", rates(0.5, 600), 800, 400),
  run("small", rates(2, 500), 150, 100),
  run("none", rates(null, null), null, null),
];
const options = { rankBy: "requests" as const, counts: [...COMPARE_COUNTS], requests: 200_000, share: 0.2 };

describe("compareRuns", () => {
  it("ranks in every unit and gives ratios, times and time saved from the request rates", () => {
    const c = compareRuns(runs, "big", options);
    expect(c.runs.map((r) => [r.id, r.rank])).toEqual([
      ["small", 1],
      ["big", 2],
      ["none", null],
    ]);
    const small = c.runs[0]!;
    expect(small.ranks).toMatchObject({ requests: 1, totalTokens: 2, outputTokens: null });
    expect(small.ratios.requests).toBe(4);
    expect(small.ratios.totalTokens).toBeCloseTo(500 / 600, 12);
    const s = speedup(0.5, 2, options.counts);
    expect(small.times.map((t) => t.savedS)).toEqual(s.timeSaved.map((t) => t.savedS));
    expect(small.times.find((t) => t.requests === 200_000)!.seconds).toBe(100_000);
    expect(small.secondsPerRequest).toBe(0.5);
    expect(small.tokens).toEqual({ meanTotalTokens: 250, inputShare: 0.6, outputShare: 0.4, shorterOutputs: 0.75 });
    const none = c.runs[2]!;
    expect([none.times, none.costs, none.ratios.requests, none.tokens.meanTotalTokens]).toEqual([[], [], null, null]);
    expect(compareRuns(runs, "big", { ...options, rankBy: "totalTokens" }).runs[0]!.id).toBe("big");
  });

  it("costs each run at its prices and plans the hybrid against the baseline", () => {
    const c = compareRuns(runs, "big", options);
    const small = c.runs.find((r) => r.id === "small")!;
    const per = tokenCost(price, 150, 100);
    expect(small.costs[0]!.byCount.find((x) => x.requests === 1_000_000)!.dollars).toBeCloseTo(per * 1e6, 12);
    expect(small.hybrid).toEqual([
      {
        label: "api",
        ...shareCascade(
          { requestThroughput: 2, apiPerRequest: per },
          { requestThroughput: 0.5, apiPerRequest: tokenCost(price, 800, 400) },
          0.2,
          200_000,
        ),
      },
    ]);
    expect(c.runs.find((r) => r.id === "big")!.hybrid).toEqual([]);
  });

  it("names the runs when the baseline is not among them", () => {
    expect(() => compareRuns(runs, "nope", options)).toThrow('no run "nope" to compare with (runs: big, small, none)');
  });
});
