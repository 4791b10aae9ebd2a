// Answer quality checks against the experiment's quality schema.
import type { z } from "zod";

export interface QualityCheck {
  json_valid: boolean | null;
  schema_valid: boolean | null;
  schema_errors: string | null;
}

const NOT_CHECKED: QualityCheck = { json_valid: null, schema_valid: null, schema_errors: null };

/**
 * Extracts the JSON document from an answer the way a batch pipeline would: drop a leading
 * `<think>…</think>` block and one surrounding markdown code fence, then trim.
 */
export function extractJson(answer: string): string {
  let s = answer.replace(/^\s*<think>[\s\S]*?<\/think>/, "").trim();
  const fence = /^```[a-zA-Z]*\s*\n([\s\S]*?)\n?```$/.exec(s);
  if (fence) s = fence[1]!.trim();
  return s;
}

/** json_valid: the extracted answer parses as JSON; schema_valid: it satisfies `schema`. */
export function checkAnswer(answer: string | null, schema: z.ZodType | undefined): QualityCheck {
  if (!schema || answer === null) return NOT_CHECKED;
  let value: unknown;
  try {
    value = JSON.parse(extractJson(answer));
  } catch {
    return { json_valid: false, schema_valid: false, schema_errors: "(not JSON)" };
  }
  const result = schema.safeParse(value);
  if (result.success) return { json_valid: true, schema_valid: true, schema_errors: null };
  const errors = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  return { json_valid: true, schema_valid: false, schema_errors: errors.join("; ") };
}

/** The answer parsed as JSON (after `extractJson`), or undefined when it is missing or not JSON. */
export function parseAnswer(answer: string | null): unknown {
  if (answer === null) return undefined;
  try {
    return JSON.parse(extractJson(answer));
  } catch {
    return undefined;
  }
}

/**
 * The values at a dotted path in a parsed answer, e.g. "recommendation" or "analysis.*.score"
 * (`*` matches every key of an object or element of an array). Only the answer's own keys are
 * followed (never inherited ones such as "constructor"): model output is untrusted.
 * Returns every value found; empty when the path does not exist.
 */
export function valuesAt(parsed: unknown, path: string): unknown[] {
  let current: unknown[] = [parsed];
  for (const key of path.split(".")) {
    const next: unknown[] = [];
    for (const value of current) {
      if (value === null || typeof value !== "object") continue;
      if (key === "*") next.push(...Object.values(value));
      else if (Object.hasOwn(value, key)) next.push((value as Record<string, unknown>)[key]);
    }
    current = next;
  }
  return current;
}

/**
 * A categorical field of an answer as a string (e.g. recommendation = "maybe"): the value at
 * `path` when it is a single string, number or boolean; null when the answer is not JSON or the
 * field is missing or not a scalar.
 */
export function categoryOf(answer: string | null, path: string): string | null {
  const found = valuesAt(parseAnswer(answer), path);
  if (found.length !== 1) return null;
  const value = found[0];
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : null;
}

/**
 * The numbers at `path` in an answer (e.g. "score", or "analysis.*.score" for every dimension's
 * score); non-numbers are skipped. Empty when the answer is not JSON or has none.
 */
export function numbersOf(answer: string | null, path: string): number[] {
  return valuesAt(parseAnswer(answer), path).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
}
