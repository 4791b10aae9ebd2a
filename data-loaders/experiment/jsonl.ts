// Reading JSON-lines files (prompt files, OpenAI batch files): every line validated by a zod
// schema; an error names the file, the line and the field.
import { readFileSync } from "node:fs";
import type { z } from "zod";
import { formatPath } from "./errors.ts";

export class JsonlError extends Error {
  constructor(
    readonly file: string,
    /** 1-based line number; null for the file as a whole. */
    readonly line: number | null,
    readonly detail: string,
  ) {
    super(`${file}${line === null ? "" : ` line ${line}`}: ${detail}`);
    this.name = "JsonlError";
  }
}

/** Reads a file's text; a missing or unreadable file is a JsonlError naming it. */
export function readTextFile(path: string, shown: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new JsonlError(shown, null, `cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
}

/** Parses non-empty lines with `schema`; throws JsonlError at the first bad line. */
export function parseJsonl<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
): { line: number; value: z.output<S> }[] {
  const out: { line: number; value: z.output<S> }[] = [];
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new JsonlError(file, n + 1, `not valid JSON (${(e as Error).message})`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const detail =
        issue.code === "unrecognized_keys"
          ? `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}`
          : issue.message;
      const path = formatPath([...issue.path]);
      throw new JsonlError(file, n + 1, `${path ? path + ": " : ""}${detail}`);
    }
    out.push({ line: n + 1, value: parsed.data });
  }
  if (out.length === 0) throw new JsonlError(file, null, "no lines to read");
  return out;
}
