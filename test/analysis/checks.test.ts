// Each kind of quality check, evaluated on answers, and the pass-rate summary.
import { describe, expect, it } from "vitest";
import { evaluateChecks, promptFact, summariseChecks } from "../../data-loaders/analysis/checks.ts";
import { checkSchema, type Check, type CheckInput } from "../../data-loaders/experiment/schema.ts";

const check = (c: CheckInput): Check => checkSchema.parse(c);
const PROMPT = {
  id: "p1",
  text: "Role: Data Scientist\nCandidate: Avel Ashdown\nYears of experience: 7\nSkills: Python, SQL",
  messages: [],
  expected: { recommendation: "yes" },
};
const ANSWER = JSON.stringify({
  recommendation: "yes",
  reasoning: "Avel Ashdown has 7 years of Python and SQL.",
  skills: ["Python", "SQL"],
  analysis: { technical_skills: { score: 4 }, experience: { score: 5 } },
});
const run = (c: CheckInput, answer = ANSWER) => evaluateChecks([check(c)], answer, PROMPT)[0]!;

describe("value checks", () => {
  it("equals / oneOf: deep equality with a JSON value", () => {
    expect(run({ name: "yes", path: "recommendation", equals: "yes" })).toEqual({
      name: "yes",
      pass: true,
      score: null,
      reason: null,
    });
    expect(run({ name: "no", path: "recommendation", equals: "no" })).toMatchObject({
      pass: false,
      reason: 'recommendation is "yes", not "no"',
    });
    expect(run({ name: "s", path: "analysis.experience", equals: { score: 5 } }).pass).toBe(true);
    expect(run({ name: "o", path: "recommendation", oneOf: ["strong_yes", "yes"] }).pass).toBe(true);
    expect(run({ name: "o", path: "recommendation", oneOf: ["maybe", "no"] }).pass).toBe(false);
  });

  it("matches: a regular expression with flags; non-strings fail", () => {
    expect(run({ name: "m", path: "reasoning", matches: "^avel", flags: "i" }).pass).toBe(true);
    expect(run({ name: "m", path: "reasoning", matches: "^avel" }).pass).toBe(false);
    expect(run({ name: "m", path: "analysis.*.score", matches: "\\d" })).toMatchObject({
      pass: false,
      reason: "analysis.*.score is 4, not a string",
    });
  });

  it("contains: a substring of a string or an element of a list", () => {
    expect(run({ name: "c", path: "reasoning", contains: "Python" }).pass).toBe(true);
    expect(run({ name: "c", path: "skills", contains: "SQL" }).pass).toBe(true);
    expect(run({ name: "c", path: "skills", contains: "Go" })).toMatchObject({
      pass: false,
      reason: 'skills has no element "Go"',
    });
    expect(run({ name: "c", path: "analysis", contains: "x" }).pass).toBe(false);
  });

  it("length and range bounds; `*` requires every value to pass", () => {
    expect(run({ name: "l", path: "reasoning", length: { min: 10, max: 200 } }).pass).toBe(true);
    expect(run({ name: "l", path: "skills", length: { min: 3 } })).toMatchObject({
      pass: false,
      reason: "skills has length 2, not ≥ 3",
    });
    expect(run({ name: "r", path: "analysis.*.score", range: { min: 1, max: 5 } }).pass).toBe(true);
    expect(run({ name: "r", path: "analysis.*.score", range: { min: 5 } })).toMatchObject({
      pass: false,
      reason: "analysis.*.score is 4, not ≥ 5",
    });
  });

  it("a missing path or a non-JSON answer fails with the reason", () => {
    expect(run({ name: "x", path: "analysis.leadership.score", range: { min: 1 } })).toMatchObject({
      pass: false,
      reason: "no value at analysis.leadership.score",
    });
    expect(run({ name: "x", path: "recommendation", equals: "yes" }, "**Recommendation:** yes")).toMatchObject({
      pass: false,
      reason: "the answer is not JSON",
    });
    // A fenced answer after a think block is read like the validity check reads it.
    expect(
      run({ name: "x", path: "recommendation", equals: "yes" }, "<think>…</think>\n```json\n" + ANSWER + "\n```").pass,
    ).toBe(true);
  });
});

describe("mentionsFact", () => {
  it("reads the value of the prompt's 'label: value' line", () => {
    expect(promptFact(PROMPT.text, "Candidate")).toBe("Avel Ashdown");
    expect(promptFact(PROMPT.text, "Years of experience")).toBe("7");
    expect(promptFact(PROMPT.text, "Location")).toBeNull();
  });

  it("passes when the answer mentions the fact as whole words, any case and spacing", () => {
    expect(run({ name: "f", mentionsFact: "Candidate" }).pass).toBe(true);
    expect(run({ name: "f", path: "reasoning", mentionsFact: "Years of experience" }).pass).toBe(true);
    expect(run({ name: "f", mentionsFact: "Candidate" }, '{"reasoning": "AVEL   ashdown is good"}').pass).toBe(true);
    // "7" is not mentioned by "17".
    expect(run({ name: "f", mentionsFact: "Years of experience" }, '{"reasoning": "17 years"}')).toMatchObject({
      pass: false,
      reason: 'does not mention Years of experience "7"',
    });
    expect(run({ name: "f", mentionsFact: "Location" })).toMatchObject({
      pass: false,
      reason: 'the prompt states no "Location:" line',
    });
    // The think block does not count as mentioning it.
    expect(run({ name: "f", mentionsFact: "Candidate" }, "<think>Avel Ashdown</think>{}").pass).toBe(false);
  });
});

describe("function checks", () => {
  it("get the parsed answer, the prompt and the text; return a boolean or { pass, score, reason }", () => {
    const seen: unknown[] = [];
    const result = run({
      name: "fn",
      fn: (answer, prompt, text) => {
        seen.push(answer, prompt.id, text.length);
        const a = answer as { recommendation: string };
        return { pass: a.recommendation === prompt.expected?.recommendation, score: 0.75, reason: "compared" };
      },
    });
    expect(result).toEqual({ name: "fn", pass: true, score: 0.75, reason: "compared" });
    expect(seen).toEqual([JSON.parse(ANSWER), "p1", ANSWER.length]);
    expect(run({ name: "fn", fn: () => false })).toMatchObject({ pass: false, score: null, reason: null });
    expect(run({ name: "fn", fn: (a) => a === undefined }, "not json").pass).toBe(true);
  });

  it("a check that throws or returns something else fails with that as its reason", () => {
    expect(run({ name: "fn", fn: (a) => (a as { analysis: { x: { y: number } } }).analysis.x.y > 1 })).toMatchObject({
      pass: false,
      reason: expect.stringMatching(/^the check threw: .*undefined/),
    });
    expect(run({ name: "fn", fn: () => "yes" as never })).toMatchObject({
      pass: false,
      reason: 'the check returned "yes", not a boolean or { pass, score?, reason? }',
    });
  });
});

describe("checkSchema", () => {
  const issues = (c: unknown) =>
    checkSchema.safeParse(c).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];

  it("names an unknown field, two kinds, a missing path, a bad regular expression", () => {
    expect(issues({ name: "a", path: "x", equal: 1 }).join("\n")).toMatch(/Unrecognized key: "equal"/);
    expect(issues({ name: "a", path: "x", equals: 1, oneOf: [1] })).toContainEqual(
      expect.stringMatching(/^oneOf: give only one of .* \(found equals and oneOf\)$/),
    );
    expect(issues({ name: "a", length: { max: 3 } })).toEqual([
      "path: a length check needs the path of the value it tests",
    ]);
    expect(issues({ name: "a", path: "x", matches: "(" })).toEqual(["matches: not a valid regular expression"]);
    expect(issues({ name: "a", path: "x", range: {} })).toEqual(["range: give min, max or both"]);
    expect(issues({ name: "a", path: "x", range: { min: 3, max: 1 } })).toEqual(["range: min must not exceed max"]);
    expect(issues({ name: "a", path: "x", fn: () => true })).toEqual([
      "path: a function check receives the whole answer: no path",
    ]);
    expect(issues({ name: "a", path: "x", equals: 1, flags: "i" })).toEqual([
      "flags: flags apply to matches checks only",
    ]);
    expect(issues({ name: "a", path: "a..b", equals: 1 })).toHaveLength(1);
  });
});

describe("summariseChecks", () => {
  it("pass rate with a Wilson interval, mean score and the most common failure reasons", () => {
    const checks = [check({ name: "yes", path: "recommendation", equals: "yes" })];
    const answers = ['{"recommendation": "yes"}', '{"recommendation": "no"}', '{"recommendation": "no"}', "prose"];
    const results = answers.map((a) => evaluateChecks(checks, a, PROMPT));
    const [s] = summariseChecks(results);
    expect(s!.name).toBe("yes");
    expect(s!.pass).toMatchObject({ k: 1, n: 4, p: 0.25 });
    expect(s!.pass.lo).toBeGreaterThan(0);
    expect(s!.meanScore).toBeNull();
    expect(s!.topReasons).toEqual([
      { reason: 'recommendation is "no", not "yes"', count: 2 },
      { reason: "the answer is not JSON", count: 1 },
    ]);
  });
});
