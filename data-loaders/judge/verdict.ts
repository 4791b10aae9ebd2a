// What an LLM judge answers: a verdict on one answer (pass/fail, or a score from 1 to 5) or on
// two (which is better, ties allowed), as a JSON object checked by zod. A judge answer that does
// not parse is a judge error with its reason, never a score.
import { z } from "zod";
import { extractJson } from "../analysis/quality.ts";

/** How one answer is graded: pass or fail, or a score from 1 (worst) to 5 (best). */
export const JUDGE_SCALES = ["pass-fail", "1-5"] as const;
export type JudgeScale = (typeof JUDGE_SCALES)[number];

/** A score at or above this counts as a pass on the 1–5 scale (for agreement with the truth). */
export const PASS_SCORE = 4;

const reason = z.string().optional();

export const passFailVerdictSchema = z.object({ verdict: z.enum(["pass", "fail"]), reason });
export const scoreVerdictSchema = z.object({ score: z.number().int().min(1).max(5), reason });
/** A and B are the answers in the positions shown (<answer_a> first, <answer_b> second), not runs. */
export const pairwiseVerdictSchema = z.object({ winner: z.enum(["A", "B", "tie"]), reason });

export type PairwiseWinner = z.output<typeof pairwiseVerdictSchema>["winner"];

const SCHEMAS = { "pass-fail": passFailVerdictSchema, "1-5": scoreVerdictSchema, pairwise: pairwiseVerdictSchema };
type VerdictKind = keyof typeof SCHEMAS;

const INSTRUCTIONS: Record<VerdictKind, string> = {
  "pass-fail": 'Answer only with a JSON object: {"verdict": "pass" | "fail", "reason": "<one sentence>"}.',
  "1-5":
    'Answer only with a JSON object: {"score": <an integer from 1 (worst) to 5 (best)>, "reason": "<one sentence>"}.',
  pairwise:
    'Answer only with a JSON object: {"winner": "A" | "B" | "tie", "reason": "<one sentence>"}, where A is the answer in <answer_a> and B the answer in <answer_b>.',
};

/** The sentence appended to a rendered rubric that tells the judge how to answer. */
export function verdictInstruction(kind: VerdictKind): string {
  return INSTRUCTIONS[kind];
}

/** Which verdict an instruction in `text` asks for (the simulator's judge reads it), or null. */
export function verdictKindAsked(text: string): VerdictKind | null {
  return (Object.keys(INSTRUCTIONS) as VerdictKind[]).find((k) => text.includes(INSTRUCTIONS[k])) ?? null;
}

/** The verdict's JSON Schema, for response_format json_schema. */
export function verdictJsonSchema(kind: VerdictKind): Record<string, unknown> {
  return z.toJSONSchema(SCHEMAS[kind]) as Record<string, unknown>;
}

export interface Verdict {
  pass: boolean;
  /** The 1–5 score; null on the pass/fail scale. */
  score: number | null;
  reason: string | null;
}

export type Parsed<T> = { ok: true; verdict: T } | { ok: false; error: string };

function parseWith<S extends z.ZodType>(schema: S, text: string | null): Parsed<z.output<S>> {
  if (text === null || text.trim() === "") return { ok: false, error: "the judge gave no answer" };
  let value: unknown;
  try {
    value = JSON.parse(extractJson(text));
  } catch {
    return { ok: false, error: "the judge's answer is not JSON" };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      ok: false,
      error: `the judge's answer does not fit the verdict: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    };
  }
  return { ok: true, verdict: parsed.data };
}

/** A judge's answer on one answer, read after dropping a think block and a code fence. */
export function parseVerdict(scale: JudgeScale, text: string | null): Parsed<Verdict> {
  if (scale === "pass-fail") {
    const r = parseWith(passFailVerdictSchema, text);
    if (!r.ok) return r;
    return { ok: true, verdict: { pass: r.verdict.verdict === "pass", score: null, reason: r.verdict.reason ?? null } };
  }
  const r = parseWith(scoreVerdictSchema, text);
  if (!r.ok) return r;
  const { score } = r.verdict;
  return { ok: true, verdict: { pass: score >= PASS_SCORE, score, reason: r.verdict.reason ?? null } };
}

/** A judge's answer on two answers: the winner by position (A shown first), or a tie. */
export function parsePairwiseVerdict(text: string | null): Parsed<{ winner: PairwiseWinner; reason: string | null }> {
  const r = parseWith(pairwiseVerdictSchema, text);
  if (!r.ok) return r;
  return { ok: true, verdict: { winner: r.verdict.winner, reason: r.verdict.reason ?? null } };
}
