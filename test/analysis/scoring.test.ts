// Field scoring against the ground truth, and the accuracy, confusion matrix, per-class F1,
// macro-F1 and κ of a hand-built example worked out by hand.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  classificationStats,
  fieldSpecs,
  MISSING,
  normaliseText,
  scoreAnswer,
  scoreField,
  summariseScores,
  type FieldSpec,
} from "../../data-loaders/analysis/scoring.ts";
import { candidateAnswerSchema } from "../../data-loaders/experiment/candidate-profiles.ts";

const json = (v: unknown) => JSON.stringify(v);
const spec = (kind: FieldSpec["kind"], classes: string[] = []): FieldSpec => ({ kind, classes });

describe("fieldSpecs", () => {
  it("reads each field's kind and an enum's classes from quality.schema", () => {
    const specs = fieldSpecs(z.toJSONSchema(candidateAnswerSchema) as Record<string, unknown>);
    expect(specs.recommendation).toEqual({ kind: "categorical", classes: ["strong_yes", "yes", "maybe", "no"] });
    expect(specs.reasoning!.kind).toBe("string");
    expect(specs.analysis!.kind).toBe("object");
    const other = fieldSpecs(
      z.toJSONSchema(
        z.object({
          hired: z.boolean(),
          years: z.number().int(),
          skills: z.array(z.string()),
          level: z.enum(["junior", "senior"]).nullable(),
        }),
      ) as Record<string, unknown>,
    );
    expect(other).toEqual({
      hired: { kind: "categorical", classes: ["true", "false"] },
      years: { kind: "number", classes: [] },
      skills: { kind: "list", classes: [] },
      level: { kind: "categorical", classes: ["junior", "senior"] },
    });
  });
});

describe("scoreField", () => {
  const rec = spec("categorical", ["strong_yes", "yes", "maybe", "no"]);

  it("normalises case, whitespace and _ vs space, reported apart from the strict match", () => {
    expect(normaliseText("  Strong   Yes ")).toBe("strong yes");
    expect(normaliseText("strong_yes")).toBe("strong yes");
    expect(scoreField(rec, "strong_yes", "strong_yes")).toMatchObject({ strict: true, match: true, score: 1 });
    const spelt = scoreField(rec, "Strong Yes", "strong_yes");
    expect(spelt).toMatchObject({ strict: false, match: true, score: 1, truth: "strong_yes", label: "strong_yes" });
    expect(scoreField(rec, "hire", "yes")).toMatchObject({ strict: false, match: false, score: 0, label: "hire" });
    expect(scoreField(rec, undefined, "yes")).toMatchObject({ present: false, match: false, label: MISSING });
    expect(scoreField(rec, { x: 1 }, "yes").label).toBe("(other)");
    expect(scoreField(spec("string"), "Senior  Engineer", "senior engineer")).toMatchObject({
      strict: false,
      match: true,
    });
  });

  it("numbers: within the tolerance; a numeric string matches only after normalisation", () => {
    expect(scoreField(spec("number"), 5, 4, 1)).toMatchObject({ strict: true, match: true, absError: 1 });
    expect(scoreField(spec("number"), 6, 4, 1)).toMatchObject({ strict: false, match: false, absError: 2 });
    expect(scoreField(spec("number"), "4", 4)).toMatchObject({ strict: false, match: true, absError: 0 });
    expect(scoreField(spec("number"), 4.0000001, 4)).toMatchObject({ strict: false, match: false });
    expect(scoreField(spec("number"), "four", 4)).toMatchObject({ match: false, absError: null });
  });

  it("lists: F1 of the two sets = 2·|A∩E| / (|A| + |E|); a match only when the sets are equal", () => {
    // {go, kubernetes, python} vs {go, kubernetes, sql}: 2 in common → 2·2 / (3 + 3) = 0.6667
    const partial = scoreField(spec("list"), ["go", "Kubernetes", "Python"], ["Go", "Kubernetes", "SQL"]);
    expect(partial).toMatchObject({ strict: false, match: false });
    expect(partial.score).toBeCloseTo(4 / 6, 12);
    expect(scoreField(spec("list"), ["go", "sql"], ["SQL", "Go"])).toMatchObject({
      strict: false,
      match: true,
      score: 1,
    });
    expect(scoreField(spec("list"), ["Go", "Go", "SQL"], ["SQL", "Go"])).toMatchObject({ strict: true, score: 1 });
    expect(scoreField(spec("list"), [], [])).toMatchObject({ strict: true, score: 1 });
    expect(scoreField(spec("list"), "Go", ["Go"])).toMatchObject({ match: false, score: 0 });
  });

  it("objects: deep equality, strings normalised for the normalised match", () => {
    const e = { score: 4, comment: "Clear" };
    expect(scoreField(spec("object"), { comment: "Clear", score: 4 }, e)).toMatchObject({ strict: true });
    expect(scoreField(spec("object"), { comment: "clear ", score: 4 }, e)).toMatchObject({
      strict: false,
      match: true,
    });
    expect(scoreField(spec("object"), { comment: "Clear", score: 3 }, e)).toMatchObject({ match: false });
  });
});

describe("scoreAnswer", () => {
  const specs = fieldSpecs(z.toJSONSchema(candidateAnswerSchema) as Record<string, unknown>);

  it("reads the answer the way the validity check does (think block, code fence)", () => {
    const answer = "<think>hmm</think>\n```json\n" + json({ recommendation: "Yes", reasoning: "x" }) + "\n```";
    const s = scoreAnswer(answer, { recommendation: "yes" }, specs);
    expect(s).toMatchObject({ parsed: true, strict: false, match: true });
    expect(Object.keys(s.fields)).toEqual(["recommendation"]);
  });

  it("every expected field must match; a missing field or a non-JSON answer is wrong", () => {
    const expected = { recommendation: "no", reasoning: "Lacks Go" };
    expect(scoreAnswer(json({ recommendation: "no", reasoning: "lacks go" }), expected, specs)).toMatchObject({
      strict: false,
      match: true,
    });
    expect(scoreAnswer(json({ recommendation: "no" }), expected, specs).match).toBe(false);
    const prose = scoreAnswer("**Recommendation:** no", expected, specs);
    expect(prose).toMatchObject({ parsed: false, match: false });
    expect(prose.fields.recommendation!.label).toBe(MISSING);
    expect(scoreAnswer(null, expected, specs).parsed).toBe(false);
    // Only the answer's own keys count: model output is untrusted.
    expect(scoreAnswer('{"__proto__": {"recommendation": "no"}}', { recommendation: "no" }, specs).match).toBe(false);
  });

  it("a field the schema does not describe is scored by its expected value's type; tolerances per field", () => {
    const s = scoreAnswer(
      json({ years: 7, hired: "True" }),
      { years: 6, hired: true },
      {},
      { tolerance: { years: 1 } },
    );
    expect(s.fields.years).toMatchObject({ kind: "number", strict: true });
    expect(s.fields.hired).toMatchObject({ kind: "categorical", strict: false, match: true, label: "true" });
  });
});

describe("summariseScores and classificationStats", () => {
  const specs = { recommendation: spec("categorical", ["yes", "maybe", "no"]) };
  const answers: [string, string | null][] = [
    ["yes", "yes"],
    ["yes", "yes"],
    ["yes", "Yes"],
    ["yes", "maybe"],
    ["maybe", "maybe"],
    ["maybe", "maybe"],
    ["maybe", "no"],
    ["no", "no"],
    ["no", null],
    ["no", "hire"],
  ];
  const scores = answers.map(([truth, given]) =>
    scoreAnswer(
      given === null ? "I think the candidate is fine." : json({ recommendation: given }),
      { recommendation: truth },
      specs,
    ),
  );
  const summary = summariseScores(scores, specs);
  const field = summary.fields[0]!;
  const c = field.classification!;

  it("accuracy: 5 strict and 6 normalised matches of 10, with Wilson intervals", () => {
    expect(summary.n).toBe(10);
    expect(summary.parsed).toBe(9);
    expect(summary.strict).toMatchObject({ k: 5, n: 10, p: 0.5 });
    expect(summary.match).toMatchObject({ k: 6, n: 10, p: 0.6 });
    expect(field.match).toEqual(summary.match);
    expect(field.meanScore).toBeCloseTo(0.6, 12);
    // Wilson 6/10: centre (0.6 + 0.1920729) / 1.3841459 = 0.5722, half 1.4160129 · √(0.024 + 0.0096036) = 0.2596
    expect(summary.match.lo).toBeCloseTo(0.5722 - 0.2596, 3);
    expect(summary.match.hi).toBeCloseTo(0.5722 + 0.2596, 3);
  });

  it("the confusion matrix against the truth: schema classes, other answers, then (missing)", () => {
    expect(c.labels).toEqual(["yes", "maybe", "no", "hire", MISSING]);
    expect(c.matrix).toEqual([
      [3, 1, 0, 0, 0],
      [0, 2, 1, 0, 0],
      [0, 0, 1, 1, 1],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ]);
    expect(c.accuracy).toMatchObject({ k: 6, n: 10 });
  });

  it("per-class precision, recall and F1, and macro-F1 over the classes in the truth, by hand", () => {
    const by = Object.fromEntries(c.perClass.map((s) => [s.label, s]));
    // yes: 3 right of 3 answered yes, of 4 truly yes → P = 1, R = 0.75, F1 = 2·0.75 / 1.75 = 0.857143
    expect(by.yes).toMatchObject({ support: 4, predicted: 3, precision: 1, recall: 0.75 });
    expect(by.yes!.f1).toBeCloseTo(0.857143, 6);
    // maybe: 2 of 3 answered, 2 of 3 true → P = R = F1 = 2/3
    expect(by.maybe!.f1).toBeCloseTo(2 / 3, 12);
    // no: 1 of 2 answered, 1 of 3 true → P = 0.5, R = 1/3, F1 = (2 · 1/6) / (5/6) = 0.4
    expect(by.no).toMatchObject({ precision: 0.5 });
    expect(by.no!.recall).toBeCloseTo(1 / 3, 12);
    expect(by.no!.f1).toBeCloseTo(0.4, 12);
    // hire was answered once and is never the truth: precision 0, recall undefined
    expect(by.hire).toMatchObject({ support: 0, predicted: 1, precision: 0, recall: null, f1: 0 });
    // macro-F1 = (0.857143 + 0.666667 + 0.4) / 3 = 0.641270
    expect(c.macroF1).toBeCloseTo(0.64127, 5);
  });

  it("Cohen's κ against the truth, by hand", () => {
    // po = 6/10 = 0.6
    // row totals (truth) yes 4, maybe 3, no 3; column totals (answers) yes 3, maybe 3, no 2, hire 1, missing 1
    // pe = (4·3 + 3·3 + 3·2 + 0·1 + 0·1) / 10² = 27 / 100 = 0.27
    // κ = (0.6 − 0.27) / (1 − 0.27) = 0.33 / 0.73 = 0.452055
    expect(c.kappa.po).toBeCloseTo(0.6, 12);
    expect(c.kappa.pe).toBeCloseTo(0.27, 12);
    expect(c.kappa.kappa).toBeCloseTo(0.452055, 6);
  });

  it("classificationStats works from counts alone (e.g. a GROUP BY) and refuses a matrix of the wrong size", () => {
    expect(classificationStats(c.labels, c.matrix)).toEqual(c);
    expect(() => classificationStats(["a", "b"], [[1, 2]])).toThrow(/2×2/);
    const empty = classificationStats(["a"], [[0]]);
    expect(empty.macroF1).toBeNull();
    expect(empty.accuracy.p).toBeNull();
  });

  it("list fields report the mean F1; number fields the mean absolute error", () => {
    const s = summariseScores([
      scoreAnswer(json({ skills: ["a", "b"], years: 3 }), { skills: ["a", "c"], years: 5 }, {}),
      scoreAnswer(json({ skills: ["a"], years: 5 }), { skills: ["a"], years: 5 }, {}),
    ]);
    const skills = s.fields.find((f) => f.field === "skills")!;
    const years = s.fields.find((f) => f.field === "years")!;
    // F1s 2·1/(2 + 2) = 0.5 and 1 → mean 0.75; |3 − 5| and 0 → mean 1
    expect(skills.meanScore).toBeCloseTo(0.75, 12);
    expect(skills.match.k).toBe(1);
    expect(years.meanAbsError).toBe(1);
    expect(skills.classification).toBeNull();
    expect(s.match.k).toBe(1);
  });
});
