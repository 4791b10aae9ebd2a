// Pairwise win rates from verdicts asked in both orders, and a judge's agreement with the truth,
// against values worked out by hand.
import { describe, expect, it } from "vitest";
import { judgeAgreement, pairwiseSummary, type PairwiseJudgement } from "../../data-loaders/analysis/judging.ts";
import { wilson } from "../../data-loaders/analysis/proportion.ts";

describe("pairwiseSummary", () => {
  it("a run wins a prompt only when both orders prefer it; counts by hand", () => {
    const judgements: PairwiseJudgement[] = [
      { xFirst: "A", yFirst: "B" }, // X, X → X wins
      { xFirst: "A", yFirst: "A" }, // X, Y → inconsistent: a tie
      { xFirst: "B", yFirst: "A" }, // Y, Y → Y wins
      { xFirst: "tie", yFirst: "tie" }, // tie
      { xFirst: "A", yFirst: "tie" }, // X, tie → tie (no win without both orders)
      { xFirst: "A", yFirst: "B" }, // X wins
      { xFirst: null, yFirst: "A" }, // a judge error: not judged
    ];
    const s = pairwiseSummary(judgements);
    expect(s.n).toBe(6);
    expect(s.notJudged).toBe(1);
    expect(s.xWins).toEqual(wilson(2, 6));
    expect(s.yWins).toEqual(wilson(1, 6));
    expect(s.ties).toEqual(wilson(3, 6));
    expect(s.inconsistent).toBe(1);
    // X won 2 of the 3 decided prompts.
    expect(s.xWinRateDecided).toEqual(wilson(2, 3));
    // Decisive verdicts: 2 + 2 + 2 + 0 + 1 + 2 = 9, of which the first position won 1 + 2 + 1 + 0 + 1 + 1 = 6.
    expect(s.firstPosition).toEqual(wilson(6, 9));
  });

  it("asking in both orders cancels a judge that favours the first answer", () => {
    // 30 prompts where X is better, 10 where Y is, 20 where they are equal and the judge picks
    // whichever it saw first.
    const better: ("x" | "y" | "equal")[] = [
      ...Array<"x">(30).fill("x"),
      ...Array<"y">(10).fill("y"),
      ...Array<"equal">(20).fill("equal"),
    ];
    const judge = (first: "x" | "y", b: "x" | "y" | "equal"): "A" | "B" => (b === "equal" || b === first ? "A" : "B");
    const judgements = better.map((b) => ({ xFirst: judge("x", b), yFirst: judge("y", b) }));
    const s = pairwiseSummary(judgements);
    expect([s.xWins.k, s.yWins.k, s.ties.k, s.inconsistent]).toEqual([30, 10, 20, 20]);
    // One order only (X always first) would credit X with 50 wins of 60.
    expect(judgements.filter((j) => j.xFirst === "A").length).toBe(50);
    // The bias is measured: 80 of the 120 verdicts chose the first answer.
    expect(s.firstPosition).toEqual(wilson(80, 120));
  });

  it("no judged prompt gives no rates", () => {
    const s = pairwiseSummary([{ xFirst: null, yFirst: null }]);
    expect(s.n).toBe(0);
    expect(s.xWins.p).toBeNull();
    expect(s.xWinRateDecided.p).toBeNull();
  });
});

describe("judgeAgreement", () => {
  it("agreement, sensitivity, specificity and κ against the truth, by hand", () => {
    const judged = [
      ...Array.from({ length: 40 }, () => ({ truthCorrect: true, judgePass: true })),
      ...Array.from({ length: 10 }, () => ({ truthCorrect: true, judgePass: false })),
      ...Array.from({ length: 5 }, () => ({ truthCorrect: false, judgePass: true })),
      ...Array.from({ length: 45 }, () => ({ truthCorrect: false, judgePass: false })),
    ];
    const a = judgeAgreement(judged);
    expect(a.matrix).toEqual([
      [40, 10],
      [5, 45],
    ]);
    expect(a.agreement).toEqual(wilson(85, 100));
    expect(a.sensitivity).toEqual(wilson(40, 50));
    expect(a.specificity).toEqual(wilson(45, 50));
    // po = 0.85; rows 50/50, columns pass 45, fail 55 → pe = 0.5·0.45 + 0.5·0.55 = 0.5; κ = 0.35 / 0.5 = 0.7
    expect(a.kappa.kappa).toBeCloseTo(0.7, 12);
  });

  it("a judge that passes everything agrees only by chance: κ = 0", () => {
    const a = judgeAgreement([
      { truthCorrect: true, judgePass: true },
      { truthCorrect: false, judgePass: true },
    ]);
    expect(a.specificity.p).toBe(0);
    // po = 0.5; rows 1/1, columns pass 2, fail 0 → pe = 0.5·1 + 0.5·0 = 0.5; κ = 0
    expect(a.kappa.kappa).toBe(0);
  });
});
