// Named checks of an answer (quality.checks), evaluated per request into {name, pass, score, reason}.
//
// The value checks read the values at `path` in the answer parsed as JSON (`valuesAt`: dotted
// keys, `*` for every key or element) and pass when at least one value is found and every value
// found passes:
//   equals      the value deeply equals the given JSON value
//   oneOf       it equals one of the given values
//   matches     it is a string matching the regular expression (with `flags`)
//   contains    it is a string containing the text, or a list holding the element
//   length      it is a string or list whose length is within [min, max]
//   range       it is a finite number within [min, max]
// mentionsFact passes when the answer (the values at `path`, else the whole answer text after
// dropping a think block) contains the value of the prompt's "<label>: value" line, compared in
// lower case with whitespace collapsed, as whole words. A function check gets the parsed answer,
// the prompt and the answer text; a function that throws or returns something else fails with
// that as its reason.
import { canonicalJson } from "../experiment/hash.ts";
import type { Check, CheckOutcome, CheckPrompt } from "../experiment/schema.ts";
import { wilson, type Proportion } from "./proportion.ts";
import { parseAnswer, valuesAt } from "./quality.ts";

export interface CheckResult {
  name: string;
  pass: boolean;
  /** A score the check gave (function checks), else null. */
  score: number | null;
  reason: string | null;
}

const show = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? text.slice(0, 57) + "…" : text;
};

const within = (x: number, b: { min?: number; max?: number }): boolean =>
  (b.min === undefined || x >= b.min) && (b.max === undefined || x <= b.max);

const bounds = (b: { min?: number; max?: number }): string =>
  b.min !== undefined && b.max !== undefined ? `${b.min}–${b.max}` : b.min !== undefined ? `≥ ${b.min}` : `≤ ${b.max}`;

/** The test of one value by a value check: null when it passes, else what is wrong. */
function valueProblem(check: Check, value: unknown): string | null {
  if (check.equals !== undefined)
    return canonicalJson(value) === canonicalJson(check.equals) ? null : `is ${show(value)}, not ${show(check.equals)}`;
  if (check.oneOf !== undefined) {
    const ok = check.oneOf.some((o) => canonicalJson(o) === canonicalJson(value));
    return ok ? null : `is ${show(value)}, not one of ${show(check.oneOf)}`;
  }
  if (check.matches !== undefined) {
    if (typeof value !== "string") return `is ${show(value)}, not a string`;
    return new RegExp(check.matches, check.flags).test(value)
      ? null
      : `${show(value)} does not match /${check.matches}/`;
  }
  if (check.contains !== undefined) {
    const c = check.contains;
    if (typeof value === "string")
      return typeof c === "string" && value.includes(c) ? null : `does not contain ${show(c)}`;
    if (Array.isArray(value))
      return value.some((v) => canonicalJson(v) === canonicalJson(c)) ? null : `has no element ${show(c)}`;
    return `is ${show(value)}, not a string or list`;
  }
  if (check.length !== undefined) {
    if (typeof value !== "string" && !Array.isArray(value)) return `is ${show(value)}, not a string or list`;
    return within(value.length, check.length) ? null : `has length ${value.length}, not ${bounds(check.length)}`;
  }
  const range = check.range!;
  if (typeof value !== "number" || !Number.isFinite(value)) return `is ${show(value)}, not a number`;
  return within(value, range) ? null : `is ${value}, not ${bounds(range)}`;
}

function valueCheck(check: Check, parsed: unknown): Omit<CheckResult, "name"> {
  if (parsed === undefined) return { pass: false, score: null, reason: "the answer is not JSON" };
  const values = valuesAt(parsed, check.path!);
  if (values.length === 0) return { pass: false, score: null, reason: `no value at ${check.path}` };
  for (const value of values) {
    const problem = valueProblem(check, value);
    if (problem !== null) return { pass: false, score: null, reason: `${check.path} ${problem}` };
  }
  return { pass: true, score: null, reason: null };
}

const collapse = (text: string): string => text.toLowerCase().replace(/\s+/g, " ").trim();
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The value of the first "<label>: value" line of the prompt, or null. */
export function promptFact(promptText: string, label: string): string | null {
  const m = new RegExp(`^${escapeRegExp(label)}: *(.*?) *$`, "m").exec(promptText);
  return m && m[1] !== "" ? m[1]! : null;
}

function mentionsCheck(check: Check, text: string, parsed: unknown, prompt: CheckPrompt): Omit<CheckResult, "name"> {
  const label = check.mentionsFact!;
  const fact = promptFact(prompt.text, label);
  if (fact === null) return { pass: false, score: null, reason: `the prompt states no "${label}:" line` };
  let haystack: string;
  if (check.path !== undefined) {
    if (parsed === undefined) return { pass: false, score: null, reason: "the answer is not JSON" };
    haystack = valuesAt(parsed, check.path)
      .map((v) => (typeof v === "string" ? v : JSON.stringify(v)))
      .join(" ");
  } else {
    haystack = text.replace(/^\s*<think>[\s\S]*?<\/think>/, "");
  }
  const wanted = collapse(fact);
  // Whole words: "7" is not mentioned by "17", but punctuation around the fact is fine.
  const edge = (c: string): string => (/\w/.test(c) ? "\\b" : "");
  const found = new RegExp(`${edge(wanted[0]!)}${escapeRegExp(wanted)}${edge(wanted.at(-1)!)}`).test(
    collapse(haystack),
  );
  return found
    ? { pass: true, score: null, reason: null }
    : { pass: false, score: null, reason: `does not mention ${label} "${fact}"` };
}

function functionCheck(check: Check, text: string, parsed: unknown, prompt: CheckPrompt): Omit<CheckResult, "name"> {
  let out: CheckOutcome;
  try {
    out = check.fn!(parsed, prompt, text);
  } catch (e) {
    return { pass: false, score: null, reason: `the check threw: ${(e as Error)?.message ?? String(e)}` };
  }
  if (typeof out === "boolean") return { pass: out, score: null, reason: null };
  if (out !== null && typeof out === "object" && typeof out.pass === "boolean") {
    const score = typeof out.score === "number" && Number.isFinite(out.score) ? out.score : null;
    return { pass: out.pass, score, reason: typeof out.reason === "string" ? out.reason : null };
  }
  return {
    pass: false,
    score: null,
    reason: `the check returned ${show(out)}, not a boolean or { pass, score?, reason? }`,
  };
}

/** Every check of `checks` on one answer (the text as the server sent it). */
export function evaluateChecks(checks: readonly Check[], answer: string, prompt: CheckPrompt): CheckResult[] {
  const parsed = parseAnswer(answer);
  return checks.map((check) => {
    const result =
      check.fn !== undefined
        ? functionCheck(check, answer, parsed, prompt)
        : check.mentionsFact !== undefined
          ? mentionsCheck(check, answer, parsed, prompt)
          : valueCheck(check, parsed);
    return { name: check.name, ...result };
  });
}

export interface CheckSummary {
  name: string;
  /** Passing answers out of checked answers, with the Wilson 95% interval. */
  pass: Proportion;
  /** Mean score over answers the check scored; null when it gave none. */
  meanScore: number | null;
  /** The most common failure reasons, most frequent first. */
  topReasons: { reason: string; count: number }[];
}

/**
 * Pass rate of each check over the answers' results (checks in the order first seen); the most
 * common failure reasons first, equal counts in code-unit order of the reason (as DuckDB sorts).
 */
export function summariseChecks(results: Iterable<readonly CheckResult[]>, topReasons = 5): CheckSummary[] {
  const tallies = new Map<
    string,
    { n: number; pass: number; scoreSum: number; scored: number; reasons: Map<string, number> }
  >();
  for (const answer of results) {
    for (const r of answer) {
      const t = tallies.get(r.name) ?? { n: 0, pass: 0, scoreSum: 0, scored: 0, reasons: new Map() };
      tallies.set(r.name, t);
      t.n += 1;
      if (r.pass) t.pass += 1;
      if (r.score !== null) {
        t.scoreSum += r.score;
        t.scored += 1;
      }
      if (!r.pass && r.reason !== null) t.reasons.set(r.reason, (t.reasons.get(r.reason) ?? 0) + 1);
    }
  }
  return [...tallies].map(([name, t]) => ({
    name,
    pass: wilson(t.pass, t.n),
    meanScore: t.scored > 0 ? t.scoreSum / t.scored : null,
    topReasons: [...t.reasons]
      .sort(([ra, ca], [rb, cb]) => cb - ca || (ra < rb ? -1 : ra > rb ? 1 : 0))
      .slice(0, topReasons)
      .map(([reason, count]) => ({ reason, count })),
  }));
}
