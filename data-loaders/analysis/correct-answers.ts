// Speed and cost per correct answer: a run's rate joined to its accuracy, with intervals.
//
//   p   = the share of answers that are correct: against the truth (correct / scored answers,
//         run-quality.ts) when the prompts have one, else the judge's pass rate (passed / judged
//         answers); the basis is stated with every figure
//   C   = correct answers per second = R · p, R = the rate the run is judged at (successful
//         requests per second, metrics/rate.ts)
//   correct answers per GPU-hour      = 3600 · C / GPUs
//   API $ per 1,000 correct answers   = 1000 · c / p, c = the API cost of a mean request (cost.ts)
//   self-hosted $ per 1,000 correct   = 1000 · GPU $/hour / (3600 · C)
//   time to N correct answers         = O + N / C, O = the measured run's warm-up and drain
//                                       (extrapolate.ts)
// Intervals (95%). p has its Wilson interval [p−, p+]. R has the interval implied by the
// projection of the largest job (N requests, extrapolate.ts): R− = N / (hi − O), R+ = N / (lo − O).
// R and p vary for different reasons (time windows of the run vs. which answers are right), so
// their errors are combined as independent on the log scale, the lower and upper distances each
// on their own (Wilson's asymmetry is kept):
//   ln C− = ln C − √((ln R − ln R−)² + (ln p − ln p−)²)
//   ln C+ = ln C + √((ln R+ − ln R)² + (ln p+ − ln p)²)
// With no interval on R (a run too short for one) C's interval is p's alone; with p = 0, C = 0
// and C+ = R+ · p+. Figures that fall as C rises ($ per 1,000 correct, time to N correct) take
// C's bounds swapped. API $ per 1,000 correct has p's interval alone: its cost per request is
// the mean of the measured token counts.
//
// Pareto front (speed–quality chart): among runs with both figures, a run is on the front when
// no other run has at least its accuracy and at least its correct answers per GPU-hour, and more
// of one of them.
import { tokenCost, type Price, type TokenMeans } from "./cost.ts";
import type { Projection } from "./extrapolate.ts";
import type { Proportion } from "./proportion.ts";

/** A figure with its 95% interval (bounds null when there is none, or it is unbounded). */
export interface Estimate {
  value: number;
  lo: number | null;
  hi: number | null;
}

/** Job sizes time to N correct answers is given for. */
export const CORRECT_COUNTS = [1_000, 10_000, 100_000] as const;

export type AccuracyBasis = "truth" | "judge";

export interface CorrectAnswerFigures {
  basis: AccuracyBasis;
  accuracy: Proportion;
  /** R with its interval (successful requests per second). */
  rate: Estimate;
  correctPerGpuHour: Estimate;
  apiPer1kCorrect: ({ label: string } & Estimate)[];
  selfHostedPer1kCorrect: Estimate | null;
  timeToCorrect: ({ correct: number } & Estimate)[];
}

/** The rate R with the interval implied by the largest projection: N / (hi − O) … N / (lo − O). */
export function rateEstimate(requestThroughput: number, projections: readonly Projection[]): Estimate {
  const largest = [...projections].sort((a, b) => b.requests - a.requests)[0];
  if (!largest || largest.lo === null || largest.hi === null) return { value: requestThroughput, lo: null, hi: null };
  const o = largest.basis.overheadS;
  const n = largest.requests;
  const lo = Number.isFinite(largest.hi) && largest.hi > o ? n / (largest.hi - o) : 0;
  const hi = largest.lo > o ? n / (largest.lo - o) : null;
  return { value: requestThroughput, lo, hi };
}

/** C = R · p with the combined interval (module header). */
export function correctRate(rate: Estimate, accuracy: Proportion): Estimate {
  const p = accuracy.p!;
  const pLo = accuracy.lo ?? p;
  const pHi = accuracy.hi ?? p;
  const value = rate.value * p;
  const noInterval = rate.lo === null && rate.hi === null;
  if (p === 0) return { value: 0, lo: 0, hi: noInterval || rate.hi !== null ? (rate.hi ?? rate.value) * pHi : null };
  // Log distances of each bound from its estimate: 0 without an interval, Infinity when unbounded.
  const rDown = noInterval ? 0 : rate.lo! > 0 ? Math.log(rate.value / rate.lo!) : Infinity;
  const rUp = noInterval ? 0 : rate.hi !== null ? Math.log(rate.hi / rate.value) : Infinity;
  const pDown = pLo > 0 ? Math.log(p / pLo) : Infinity;
  const pUp = Math.log(pHi / p);
  const down = Math.hypot(rDown, pDown);
  const up = Math.hypot(rUp, pUp);
  return {
    value,
    lo: Number.isFinite(down) ? value * Math.exp(-down) : 0,
    hi: Number.isFinite(up) ? value * Math.exp(up) : null,
  };
}

/** f(x) for a decreasing f, with x's interval turned into f's (bounds swapped; 0 maps to unbounded). */
function decreasing(x: Estimate, f: (x: number) => number): Estimate | null {
  if (!(x.value > 0)) return null;
  const at = (v: number | null) => (v === null || v <= 0 ? null : f(v));
  return { value: f(x.value), lo: at(x.hi), hi: at(x.lo) };
}

export interface CorrectAnswerInputs {
  basis: AccuracyBasis;
  accuracy: Proportion;
  /** R, successful requests per second, and the run's projections (for its interval and overhead). */
  requestThroughput: number;
  projections: readonly Projection[];
  tokens: TokenMeans | null;
  prices: readonly Price[];
  gpuDollarsPerHour: number | null;
  gpus?: number;
}

/** Every per-correct-answer figure of one run; null without a rate or an accuracy. */
export function correctAnswerFigures(input: CorrectAnswerInputs): CorrectAnswerFigures | null {
  const { accuracy, requestThroughput: r } = input;
  if (accuracy.p === null || !(r > 0)) return null;
  const gpus = input.gpus ?? 1;
  const rate = rateEstimate(r, input.projections);
  const c = correctRate(rate, accuracy);
  const scale = (e: Estimate, k: number): Estimate => ({
    value: e.value * k,
    lo: e.lo === null ? null : e.lo * k,
    hi: e.hi === null ? null : e.hi * k,
  });
  const overhead = input.projections[0]?.basis.overheadS ?? 0;
  const perRequest = (price: Price) =>
    input.tokens ? tokenCost(price, input.tokens.meanPromptTokens, input.tokens.meanCompletionTokens) : null;
  const p = { value: accuracy.p, lo: accuracy.lo, hi: accuracy.hi };
  return {
    basis: input.basis,
    accuracy,
    rate,
    correctPerGpuHour: scale(c, 3600 / gpus),
    apiPer1kCorrect: input.prices.flatMap((price) => {
      const cost = perRequest(price);
      const figure = cost === null ? null : decreasing(p, (x) => (1000 * cost) / x);
      return figure ? [{ label: price.label, ...figure }] : [];
    }),
    selfHostedPer1kCorrect:
      input.gpuDollarsPerHour === null ? null : decreasing(c, (x) => (1000 * input.gpuDollarsPerHour!) / (3600 * x)),
    timeToCorrect: CORRECT_COUNTS.flatMap((n) => {
      const t = decreasing(c, (x) => overhead + n / x);
      return t ? [{ correct: n, ...t }] : [];
    }),
  };
}

/** Which points are on the Pareto front of (x, y), both higher-is-better. */
export function paretoFront(points: readonly { x: number; y: number }[]): boolean[] {
  return points.map((p) => !points.some((q) => q !== p && q.x >= p.x && q.y >= p.y && (q.x > p.x || q.y > p.y)));
}
