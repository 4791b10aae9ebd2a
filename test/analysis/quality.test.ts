import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  categoryOf,
  checkAnswer,
  extractJson,
  numbersOf,
  parseAnswer,
  valuesAt,
} from "../../data-loaders/analysis/quality.ts";

const ANSWER = JSON.stringify({
  recommendation: "maybe",
  analysis: { skills: { score: 4 }, years: { score: 2 }, culture: { score: "high" } },
  tags: [{ score: 1 }, { score: 3 }],
});

describe("extractJson and checkAnswer", () => {
  it("drops a think block and a code fence", () => {
    expect(extractJson('<think>a</think>\n```json\n{"a":1}\n```')).toBe('{"a":1}');
    const schema = z.object({ a: z.number() });
    expect(checkAnswer('```\n{"a":1}\n```', schema)).toEqual({
      json_valid: true,
      schema_valid: true,
      schema_errors: null,
    });
    expect(checkAnswer('{"a":"x"}', schema).schema_errors).toMatch(/^a: /);
    expect(checkAnswer("nope", schema)).toEqual({
      json_valid: false,
      schema_valid: false,
      schema_errors: "(not JSON)",
    });
  });
});

describe("reading fields of answers", () => {
  it("parses answers, undefined when not JSON", () => {
    expect(parseAnswer('```json\n{"a":1}\n```')).toEqual({ a: 1 });
    expect(parseAnswer("not json")).toBeUndefined();
    expect(parseAnswer(null)).toBeUndefined();
  });

  it("follows dotted paths with * wildcards", () => {
    const parsed = parseAnswer(ANSWER);
    expect(valuesAt(parsed, "recommendation")).toEqual(["maybe"]);
    expect(valuesAt(parsed, "analysis.*.score")).toEqual([4, 2, "high"]);
    expect(valuesAt(parsed, "tags.*.score")).toEqual([1, 3]);
    expect(valuesAt(parsed, "missing.path")).toEqual([]);
    expect(valuesAt(parsed, "recommendation.length")).toEqual([]);
  });

  it("reads a categorical field as a string and numbers at a path", () => {
    expect(categoryOf(ANSWER, "recommendation")).toBe("maybe");
    expect(categoryOf('{"ok": true, "n": 3}', "ok")).toBe("true");
    expect(categoryOf('{"ok": true, "n": 3}', "n")).toBe("3");
    expect(categoryOf(ANSWER, "analysis")).toBeNull();
    expect(categoryOf(ANSWER, "analysis.*.score")).toBeNull(); // several values
    expect(categoryOf("nope", "recommendation")).toBeNull();
    expect(numbersOf(ANSWER, "analysis.*.score")).toEqual([4, 2]);
    expect(numbersOf(null, "score")).toEqual([]);
  });

  it("never follows inherited keys of untrusted output", () => {
    expect(valuesAt(parseAnswer("{}"), "constructor")).toEqual([]);
    expect(valuesAt(parseAnswer('"text"'), "length")).toEqual([]);
    expect(categoryOf('{"__proto__": {"x": "y"}}', "x")).toBeNull();
    expect(categoryOf("[]", "constructor.name")).toBeNull();
  });
});
