// Redaction of untrusted text (answers, reasoning, error messages) for reports that will be
// shared: "full" keeps the text, "truncated" keeps its first TRUNCATE_CHARS characters (code
// points), "hashed" replaces it by the first 16 hex digits of its sha256 (equal texts stay
// recognisably equal). `redact` does it in JS for page data; `redactSql` is the same rule as a
// DuckDB expression for the downloads (a test checks that both agree).
import { createHash } from "node:crypto";
import type { PublishAnswers } from "./settings.ts";

export const TRUNCATE_CHARS = 80;
/** The text columns of requests.parquet that hold model output or server messages. */
export const REDACTED_COLUMNS = ["answer", "reasoning", "error_message"] as const;

export function redact(text: string | null, mode: PublishAnswers): string | null {
  if (text === null || mode === "full") return text;
  if (mode === "truncated") {
    const chars = Array.from(text);
    return chars.length <= TRUNCATE_CHARS
      ? text
      : `${chars.slice(0, TRUNCATE_CHARS).join("")}… [truncated, ${chars.length} chars]`;
  }
  return `[sha256 ${createHash("sha256").update(text).digest("hex").slice(0, 16)}]`;
}

/** The DuckDB expression for `redact(column, mode)`. */
export function redactSql(column: string, mode: PublishAnswers): string {
  const c = `"${column.replaceAll('"', '""')}"`;
  if (mode === "full") return c;
  if (mode === "truncated") {
    return `CASE WHEN length(${c}) <= ${TRUNCATE_CHARS} THEN ${c} ELSE left(${c}, ${TRUNCATE_CHARS}) || '… [truncated, ' || length(${c})::VARCHAR || ' chars]' END`;
  }
  return `CASE WHEN ${c} IS NULL THEN NULL ELSE '[sha256 ' || left(sha256(${c}), 16) || ']' END`;
}

/** `exportRun`'s replacements for every redacted column. */
export function redactedColumns(mode: PublishAnswers): Record<string, string> {
  if (mode === "full") return {};
  return Object.fromEntries(REDACTED_COLUMNS.map((c) => [c, redactSql(c, mode)]));
}
