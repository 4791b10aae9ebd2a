// Statistics of LLM-judge verdicts: pairwise win rates with position bias cancelled, and how far
// a judge agrees with the ground truth.
//
// Pairwise: each prompt's two answers (runs X and Y) are judged twice, once with X shown first and
// once with Y shown first. A verdict names a position (A = shown first, B = second) or a tie; it
// is mapped back to runs. A prompt is a win for a run only when both orders prefer it (the
// conservative rule: a judge that prefers whatever is shown first gives a tie, never a win);
// every other combination is a tie, and "inconsistent" counts the prompts where the two orders
// named different runs. Shares of X wins, Y wins and ties carry Wilson 95% intervals, and so
// does X's win rate among decided prompts (X wins / (X wins + Y wins)). The judge's position bias
// is the share of its decisive verdicts (over both orders) that chose the answer shown first:
// 0.5 means none.
//
// Against the truth: each judged answer has a judge pass/fail (a 1–5 score passes at PASS_SCORE
// or above) and a truth verdict (the answer matches its expected answer). Rows: truth correct /
// wrong; columns: judge pass / fail. Agreement = diagonal / n; sensitivity = correct answers the
// judge passed / correct answers; specificity = wrong answers it failed / wrong answers (each with
// a Wilson interval), and Cohen's κ of the 2×2 matrix.
import type { PairwiseWinner } from "../judge/verdict.ts";
import { cohensKappa, type Kappa } from "./agreement.ts";
import { wilson, type Proportion } from "./proportion.ts";

/** One prompt judged in both orders; a verdict is null when the judge did not give one (a judge error). */
export interface PairwiseJudgement {
  /** Verdict with run X's answer shown first (A = X). */
  xFirst: PairwiseWinner | null;
  /** Verdict with run Y's answer shown first (A = Y). */
  yFirst: PairwiseWinner | null;
}

export interface PairwiseSummary {
  /** Prompts with both verdicts. */
  n: number;
  /** Prompts left out because a verdict is missing. */
  notJudged: number;
  xWins: Proportion;
  yWins: Proportion;
  ties: Proportion;
  /** Prompts where the two orders preferred different runs (counted as ties). */
  inconsistent: number;
  /** X wins / decided prompts. */
  xWinRateDecided: Proportion;
  /** Decisive verdicts (both orders) that chose the answer shown first / decisive verdicts. */
  firstPosition: Proportion;
}

type Run = "x" | "y" | "tie";

const toRun = (winner: PairwiseWinner, first: "x" | "y"): Run =>
  winner === "tie" ? "tie" : (winner === "A") === (first === "x") ? "x" : "y";

/** Win rates of run X against run Y from verdicts asked in both orders. */
export function pairwiseSummary(judgements: Iterable<PairwiseJudgement>): PairwiseSummary {
  const counts = new Map<string, PairwiseCount>();
  for (const j of judgements) {
    const id = `${j.xFirst}|${j.yFirst}`;
    const c = counts.get(id) ?? { ...j, count: 0 };
    c.count += 1;
    counts.set(id, c);
  }
  return pairwiseSummaryOf([...counts.values()]);
}

/** How many prompts got each pair of verdicts (what a query over stored verdicts counts). */
export interface PairwiseCount extends PairwiseJudgement {
  count: number;
}

/** `pairwiseSummary` from counts of each pair of verdicts. */
export function pairwiseSummaryOf(counts: readonly PairwiseCount[]): PairwiseSummary {
  let n = 0;
  let notJudged = 0;
  let xWins = 0;
  let yWins = 0;
  let inconsistent = 0;
  let decisive = 0;
  let first = 0;
  for (const j of counts) {
    if (j.xFirst === null || j.yFirst === null) {
      notJudged += j.count;
      continue;
    }
    n += j.count;
    for (const v of [j.xFirst, j.yFirst]) {
      if (v === "tie") continue;
      decisive += j.count;
      if (v === "A") first += j.count;
    }
    const a = toRun(j.xFirst, "x");
    const b = toRun(j.yFirst, "y");
    if (a === b && a === "x") xWins += j.count;
    else if (a === b && a === "y") yWins += j.count;
    else if (a !== "tie" && b !== "tie") inconsistent += j.count;
  }
  return {
    n,
    notJudged,
    xWins: wilson(xWins, n),
    yWins: wilson(yWins, n),
    ties: wilson(n - xWins - yWins, n),
    inconsistent,
    xWinRateDecided: wilson(xWins, xWins + yWins),
    firstPosition: wilson(first, decisive),
  };
}

/** One judged answer: the judge's pass/fail and whether the answer matches its expected answer. */
export interface JudgedAgainstTruth {
  judgePass: boolean;
  truthCorrect: boolean;
}

export interface JudgeAgreement {
  n: number;
  /** [[correct & passed, correct & failed], [wrong & passed, wrong & failed]]. */
  matrix: [[number, number], [number, number]];
  agreement: Proportion;
  /** Correct answers the judge passed / correct answers. */
  sensitivity: Proportion;
  /** Wrong answers the judge failed / wrong answers. */
  specificity: Proportion;
  kappa: Kappa;
}

/** How far a judge's verdicts agree with the ground truth. */
export function judgeAgreement(judged: Iterable<JudgedAgainstTruth>): JudgeAgreement {
  const matrix: [[number, number], [number, number]] = [
    [0, 0],
    [0, 0],
  ];
  for (const j of judged) matrix[j.truthCorrect ? 0 : 1][j.judgePass ? 0 : 1] += 1;
  return judgeAgreementOf(matrix);
}

/** `judgeAgreement` from its 2×2 matrix [[correct & passed, correct & failed], [wrong & passed, wrong & failed]]. */
export function judgeAgreementOf(matrix: [[number, number], [number, number]]): JudgeAgreement {
  const [[cp, cf], [wp, wf]] = matrix;
  const n = cp + cf + wp + wf;
  return {
    n,
    matrix,
    agreement: wilson(cp + wf, n),
    sensitivity: wilson(cp, cp + cf),
    specificity: wilson(wf, wp + wf),
    kappa: cohensKappa(matrix),
  };
}
