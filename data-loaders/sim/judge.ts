// The simulator's judge profile: it grades a rendered rubric (judge/rubric.ts) from the truth it
// knows instead of from reading like a model, with documented noise and a position bias.
//
// The truth is the recommendation in the <expected> block when the rubric shows one, else the
// generator's rule applied to the facts in the <prompt> block. The answer's recommendation is
// read the lenient way a model reads: the first "recommendation" followed by a class name, in
// JSON or in prose, any case, "_" or a space ("**Recommendation:** strong yes" counts). Then:
//   pass/fail   pass when the answer's class is the truth; a share `noise` of verdicts flipped
//   1–5         5 for the truth, 3 one class off, 2 two off, 1 further or unreadable; a share
//               `scoreNoise` moved one step up or down (within 1–5)
//   pairwise    the answer closer to the truth wins (unreadable is furthest), equal → tie; a share
//               `noise` replaced by a random verdict, then a share `positionBias` of the verdicts
//               that are not "A" turned into "A" (the first answer shown wins)
// Without a truth it cannot grade: it fails the answer, scores 3, or calls a tie.
import { RECOMMENDATIONS, readCandidateFacts, recommendationFor } from "../experiment/candidate-profiles.ts";
import { readTagged } from "../judge/rubric.ts";
import { verdictKindAsked, type PairwiseWinner } from "../judge/verdict.ts";
import type { Rng } from "../random.ts";
import type { Answer } from "./answers.ts";
import type { JudgeStyle } from "./profiles.ts";

/** A rendered rubric that asks for a verdict. */
export function isJudgeRequest(content: string): boolean {
  return verdictKindAsked(content) !== null;
}

const classOf = (text: string): number | null => {
  const m = /recommendation["*\s:]*([A-Za-z_ ]+)/i.exec(text.replace(/^\s*<think>[\s\S]*?<\/think>/, ""));
  if (!m) return null;
  const said = m[1]!.toLowerCase().replace(/_/g, " ").replace(/\s+/g, " ").trim();
  const i = RECOMMENDATIONS.findIndex((r) => r.replace(/_/g, " ") === said);
  return i < 0 ? null : i;
};

function truthOf(content: string): number | null {
  const expected = readTagged(content, "expected");
  if (expected !== null) {
    const known = classOf(expected);
    if (known !== null) return known;
  }
  const facts = readCandidateFacts(readTagged(content, "prompt") ?? "");
  return facts ? RECOMMENDATIONS.indexOf(recommendationFor(facts)) : null;
}

/** How many classes the answer is from the truth; 4 when it states none. */
const distance = (answer: string | null, truth: number): number => {
  const said = answer === null ? null : classOf(answer);
  return said === null ? 4 : Math.abs(said - truth);
};

const said = (answer: string | null): string => {
  const i = answer === null ? null : classOf(answer);
  return i === null ? "no readable recommendation" : RECOMMENDATIONS[i]!;
};

function gradeOne(kind: "pass-fail" | "1-5", style: JudgeStyle, content: string, rng: Rng): Record<string, unknown> {
  const truth = truthOf(content);
  const answer = readTagged(content, "answer");
  if (truth === null) {
    const reason = "The prompt gives nothing to check the answer against.";
    return kind === "pass-fail" ? { verdict: "fail", reason } : { score: 3, reason };
  }
  const d = distance(answer, truth);
  const reason = `The answer gives ${said(answer)}; the profile calls for ${RECOMMENDATIONS[truth]}.`;
  if (kind === "pass-fail") {
    const pass = (d === 0) !== rng.chance(style.noise);
    return { verdict: pass ? "pass" : "fail", reason };
  }
  let score = [5, 3, 2, 1, 1][d]!;
  if (rng.chance(style.scoreNoise)) score = Math.max(1, Math.min(5, score + (rng.chance(0.5) ? 1 : -1)));
  return { score, reason };
}

function gradePair(style: JudgeStyle, content: string, rng: Rng): Record<string, unknown> {
  const truth = truthOf(content);
  const a = readTagged(content, "answer_a");
  const b = readTagged(content, "answer_b");
  let winner: PairwiseWinner = "tie";
  if (truth !== null) {
    const da = distance(a, truth);
    const db = distance(b, truth);
    winner = da < db ? "A" : da > db ? "B" : "tie";
  }
  if (rng.chance(style.noise)) winner = rng.pick(["A", "B", "tie"] as const);
  if (winner !== "A" && rng.chance(style.positionBias)) winner = "A";
  const reason =
    truth === null
      ? "The prompt gives nothing to tell the answers apart."
      : `A gives ${said(a)}, B gives ${said(b)}; the profile calls for ${RECOMMENDATIONS[truth]}.`;
  return { winner, reason };
}

/** The judge's verdict on a rendered rubric, as the JSON object the verdict instruction asks for. */
export function judgeAnswer(style: JudgeStyle, content: string, rng: Rng): Answer {
  const kind = verdictKindAsked(content)!;
  const verdict = kind === "pairwise" ? gradePair(style, content, rng) : gradeOne(kind, style, content, rng);
  return { reasoning: "", content: JSON.stringify(verdict) };
}
