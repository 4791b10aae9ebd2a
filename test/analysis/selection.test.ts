// Selection notes: each rule fires on the figures that meet it and stays silent otherwise.
import { describe, expect, it } from "vitest";
import { compareRuns, type CompareRun } from "../../data-loaders/analysis/comparison.ts";
import { selectionNotes, type SelectionRun } from "../../data-loaders/analysis/selection.ts";
import type { RateUnit } from "../../data-loaders/experiment/recorded-history.ts";

const price = { label: "api", inputPerMTok: 1, outputPerMTok: 1 };
const rates = (requests: number, totalTokens: number) =>
  ({ requests, totalTokens, outputTokens: null, answers: null, chars: null, words: null }) as Record<
    RateUnit,
    number | null
  >;
const compareInput: CompareRun[] = [
  { id: "a", rates: rates(1, 900), meanPromptTokens: 600, meanCompletionTokens: 300, prices: [price] },
  { id: "b", rates: rates(3, 600), meanPromptTokens: 100, meanCompletionTokens: 100, prices: [price] },
];
const options = { rankBy: "requests" as const, counts: [100_000], requests: 100_000, share: 0.2 };
const run = (id: string, over: Partial<SelectionRun> = {}): SelectionRun => ({
  id,
  model: "m",
  requests: 100,
  successRate: 1,
  verdicts: [],
  ...over,
});

describe("selectionNotes", () => {
  it("notes the fastest, the units' disagreement, the cheapest, shorter answers and the stated count", () => {
    const compared = compareRuns(compareInput, "a", options).runs;
    const notes = selectionNotes({
      rankBy: "requests",
      baselineId: "a",
      compared,
      runs: [run("a"), run("b")],
      stated: [{ verdict: "agrees" }, { verdict: "differs" }, { verdict: "agrees" }],
    });
    expect(notes.map((n) => n.rule)).toEqual(["fastest", "disagree", "cheapest", "shorter", "stated"]);
    expect(notes[0]!.text).toBe("b is the fastest by requests/s (3.00× a).");
    expect(notes[2]!.text).toBe("b is the cheapest at api: $20.00 per 100K requests.");
    expect(notes[3]!.text).toContain("b's answers are 67% shorter than a's");
    expect(notes[4]!.text).toBe(
      "Of the 3 figures the reports state for these runs, 2 agree with the recomputation, 1 differ and 0 cannot be recomputed.",
    );
  });

  it("notes several models, far-apart sizes, failures and a report's verdict", () => {
    const compared = compareRuns(compareInput, "b", options).runs;
    const notes = selectionNotes({
      rankBy: "requests",
      baselineId: "b",
      compared,
      runs: [
        run("a", { model: "x", requests: 10, successRate: 0.9 }),
        run("b", { model: "y", requests: 5000, verdicts: [{ text: "BEST", at: "001:9" }] }),
      ],
      stated: [],
    });
    expect(notes.map((n) => n.rule)).toEqual([
      "fastest",
      "disagree",
      "tokenizers",
      "sizes",
      "cheapest",
      "failures",
      "verdicts",
    ]);
    expect(notes[0]!.text).toBe("b is the fastest by requests/s.");
    expect(notes.find((n) => n.rule === "failures")!.text).toBe("a: 90.0% of its requests succeeded.");
    expect(notes.find((n) => n.rule === "verdicts")!.text).toBe('A report judges b\'s answers: "BEST" (001:9).');
  });
});
