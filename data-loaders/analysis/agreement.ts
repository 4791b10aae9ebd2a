// Agreement between two models on a categorical field of their answers (e.g. recommendation):
// confusion matrix, percent agreement and Cohen's kappa with a 95% confidence interval.
//
// Answers are joined by prompt_id (`pairByPrompt`) and read with `categoryOf` (JSON after
// `extractJson`); a prompt enters the matrix only when both answers have the field.
//   po = Σ diagonal / n                       (observed agreement)
//   pe = Σ_k (row total_k / n)(column total_k / n)   (agreement expected by chance)
//   κ  = (po − pe) / (1 − pe)                 (undefined, null, when pe = 1)
//   SE(κ) = √(po (1 − po) / (n (1 − pe)²))    (Cohen 1960, large-sample approximation)
//   95% CI = κ ± 1.96 · SE, clipped to [−1, 1]
import type { RequestRow } from "../store/schemas/request-row.ts";
import { pairByPrompt } from "./by-prompt.ts";
import { categoryOf } from "./quality.ts";

/** Two-sided 95% standard normal quantile. */
const Z_95 = 1.959963984540054;

export type AgreementRow = Pick<RequestRow, "prompt_id" | "request_index" | "status" | "answer">;

export interface Kappa {
  n: number;
  /** Observed agreement (0..1); null when n = 0. */
  po: number | null;
  /** Chance agreement (0..1); null when n = 0. */
  pe: number | null;
  kappa: number | null;
  se: number | null;
  lo: number | null;
  hi: number | null;
}

export interface Agreement extends Kappa {
  field: string;
  /** Categories seen in either run, sorted. */
  categories: string[];
  /** matrix[i][j] = prompts where A answered categories[i] and B answered categories[j]. */
  matrix: number[][];
  counts: {
    /** Prompts in both runs. */
    paired: number;
    /** Paired prompts left out because A's / B's answer has no value for the field. */
    missingA: number;
    missingB: number;
    onlyA: number;
    onlyB: number;
  };
}

/** Cohen's kappa of a square confusion matrix (rows: rater A, columns: rater B). */
export function cohensKappa(matrix: readonly (readonly number[])[]): Kappa {
  const k = matrix.length;
  for (const row of matrix) {
    if (row.length !== k)
      throw new RangeError(`confusion matrix must be square, got a row of ${row.length} in a ${k}×${k} matrix`);
  }
  let n = 0;
  let diagonal = 0;
  const rowTotals = new Array<number>(k).fill(0);
  const colTotals = new Array<number>(k).fill(0);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const count = matrix[i]![j]!;
      n += count;
      rowTotals[i]! += count;
      colTotals[j]! += count;
      if (i === j) diagonal += count;
    }
  }
  if (n === 0) return { n, po: null, pe: null, kappa: null, se: null, lo: null, hi: null };
  const po = diagonal / n;
  let pe = 0;
  for (let i = 0; i < k; i++) pe += (rowTotals[i]! / n) * (colTotals[i]! / n);
  if (pe >= 1) return { n, po, pe, kappa: null, se: null, lo: null, hi: null };
  const kappa = (po - pe) / (1 - pe);
  const se = Math.sqrt((po * (1 - po)) / (n * (1 - pe) ** 2));
  return { n, po, pe, kappa, se, lo: Math.max(-1, kappa - Z_95 * se), hi: Math.min(1, kappa + Z_95 * se) };
}

/** Confusion matrix and Cohen's kappa between run A and run B on `field` of their answers. */
export function agreement(rowsA: readonly AgreementRow[], rowsB: readonly AgreementRow[], field: string): Agreement {
  const { pairs, onlyA, onlyB } = pairByPrompt(rowsA, rowsB);
  const judged: [string, string][] = [];
  let missingA = 0;
  let missingB = 0;
  for (const { a, b } of pairs) {
    const ca = a.status === "ok" ? categoryOf(a.answer, field) : null;
    const cb = b.status === "ok" ? categoryOf(b.answer, field) : null;
    if (ca === null) missingA += 1;
    if (cb === null) missingB += 1;
    if (ca !== null && cb !== null) judged.push([ca, cb]);
  }
  const categories = [...new Set(judged.flat())].sort();
  const index = new Map(categories.map((c, i) => [c, i]));
  const matrix = categories.map(() => new Array<number>(categories.length).fill(0));
  for (const [ca, cb] of judged) matrix[index.get(ca)!]![index.get(cb)!]! += 1;
  return {
    field,
    categories,
    matrix,
    ...cohensKappa(matrix),
    counts: { paired: pairs.length, missingA, missingB, onlyA: onlyA.length, onlyB: onlyB.length },
  };
}
