// Judge verdicts: parsed with zod; anything that does not parse is a judge error, never a score.
import { describe, expect, it } from "vitest";
import {
  parsePairwiseVerdict,
  parseVerdict,
  verdictInstruction,
  verdictJsonSchema,
  verdictKindAsked,
} from "../../data-loaders/judge/verdict.ts";

describe("parseVerdict", () => {
  it("pass/fail and 1–5 verdicts, with their reason; a score of 4 or more passes", () => {
    expect(parseVerdict("pass-fail", '{"verdict": "pass", "reason": "Right class."}')).toEqual({
      ok: true,
      verdict: { pass: true, score: null, reason: "Right class." },
    });
    expect(parseVerdict("pass-fail", '{"verdict": "fail"}')).toEqual({
      ok: true,
      verdict: { pass: false, score: null, reason: null },
    });
    expect(parseVerdict("1-5", '```json\n{"score": 4, "reason": "ok"}\n```')).toEqual({
      ok: true,
      verdict: { pass: true, score: 4, reason: "ok" },
    });
    expect(parseVerdict("1-5", '<think>hmm</think>{"score": 3}')).toMatchObject({ ok: true, verdict: { pass: false } });
  });

  it("anything else is a judge error with its reason", () => {
    expect(parseVerdict("1-5", "I would give it a 4.")).toEqual({ ok: false, error: "the judge's answer is not JSON" });
    expect(parseVerdict("1-5", '{"score": 6}')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^the judge's answer does not fit the verdict: score: /),
    });
    expect(parseVerdict("1-5", '{"score": 4.5}').ok).toBe(false);
    expect(parseVerdict("1-5", '{"score": "4"}').ok).toBe(false);
    expect(parseVerdict("pass-fail", '{"verdict": "yes"}').ok).toBe(false);
    expect(parseVerdict("pass-fail", '{"score": 5}').ok).toBe(false);
    expect(parseVerdict("pass-fail", "")).toEqual({ ok: false, error: "the judge gave no answer" });
    expect(parseVerdict("pass-fail", null).ok).toBe(false);
  });
});

describe("parsePairwiseVerdict", () => {
  it("A, B or a tie by position", () => {
    expect(parsePairwiseVerdict('{"winner": "B", "reason": "closer"}')).toEqual({
      ok: true,
      verdict: { winner: "B", reason: "closer" },
    });
    expect(parsePairwiseVerdict('{"winner": "tie"}')).toMatchObject({ ok: true, verdict: { winner: "tie" } });
    expect(parsePairwiseVerdict('{"winner": "first"}').ok).toBe(false);
  });
});

describe("verdict instructions", () => {
  it("each kind has its instruction and JSON Schema, and the kind can be read back", () => {
    for (const kind of ["pass-fail", "1-5", "pairwise"] as const) {
      expect(verdictKindAsked(`rubric…\n\n${verdictInstruction(kind)}`)).toBe(kind);
      expect(verdictJsonSchema(kind)).toHaveProperty("properties");
    }
    expect(verdictKindAsked("Evaluate this candidate profile")).toBeNull();
    expect(verdictJsonSchema("1-5")).toMatchObject({
      properties: { score: { type: "integer", minimum: 1, maximum: 5 } },
    });
  });
});
