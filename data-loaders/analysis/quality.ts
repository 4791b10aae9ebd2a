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
