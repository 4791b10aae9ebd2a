// Reading JSON-lines files (prompt files, OpenAI batch files): every line validated by a zod
// schema; an error names the file, the line and the field.
import { readFileSync } from "node:fs";
import type { z } from "zod";
import { specErrorsFromZod } from "./errors.ts";

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
      throw new JsonlError(file, n + 1, notJson(e as Error, line));
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      // The closest union branch's first error; a line of the wrong kind altogether (an array,
      // a number) gets the schema's description of a line and what it found instead.
      const first = specErrorsFromZod(file, parsed.error.issues, "")[0]!;
      let detail = first.field ? `${first.field}: ${first.detail}` : first.detail;
      if (!first.field && (typeof value !== "object" || value === null || Array.isArray(value)))
        detail += `; this line is ${kindOf(value)}`;
      throw new JsonlError(file, n + 1, detail);
    }
    out.push({ line: n + 1, value: parsed.data });
  }
  if (out.length === 0) throw new JsonlError(file, null, "no lines to read");
  return out;
}

/** Characters of a line a message may quote: enough to find the line, too few to leak a file. */
const SNIPPET_CHARS = 40;

/**
 * Why a line is not JSON, with where (column) and a short, quoted start of the line. The parser's
 * own message is cut before the text it quotes, so nothing else from the file is shown.
 */
function notJson(error: Error, line: string): string {
  const position = /at position (\d+)/.exec(error.message)?.[1];
  const reason = error.message.replace(/ in JSON at position \d+.*$/s, "").replace(/, ".*$/s, "");
  const cut = line.length > SNIPPET_CHARS ? `${line.slice(0, SNIPPET_CHARS)}…` : line;
  // Control characters and the backquote that marks the excerpt are shown escaped.
  const start = [...cut]
    .map((c) => (c < " " || c === "\u007f" || c === "`" ? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}` : c))
    .join("");
  const at = position === undefined ? "" : ` at column ${Number(position) + 1}`;
  return `not valid JSON${at}: ${reason} (the line starts \`${start}\`)`;
}

/** What a parsed line is, for messages ("an array", "a number"). */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
