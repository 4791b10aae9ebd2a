// Prompt sources: inline list, JSONL file, OpenAI batch input file, or a seeded generator → resolved prompts.
// A prompt may carry `expected` (its ground truth), checked here against quality.schema's fields.
import { realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { z } from "zod";
import type { ChatMessage } from "../client/outcome.ts";
import { parseBatchInput } from "../import/openai-batch.ts";
import { generateCandidatePrompts } from "./candidate-profiles.ts";
import { formatPath, SpecError } from "./errors.ts";
import { JsonlError, parseJsonl, readTextFile } from "./jsonl.ts";
import { promptSchema, type PromptInput, type Workload } from "./schema.ts";

export type Expected = Record<string, unknown>;

export interface ResolvedPrompt {
  id: string;
  /** Chat messages (the workload's system message and few-shot examples included, its template applied). */
  messages: ChatMessage[];
  /** The same prompt as one text, for the completions API. */
  text: string;
  /** The answer's expected fields (ground truth); absent when the prompt has none. */
  expected?: Expected;
}

interface PromptEntry {
  id?: string;
  messages: ChatMessage[];
  expected?: Expected;
  /** Line of the prompt file (JSONL and batch sources). */
  line?: number;
}

interface Source {
  field: "inline" | "jsonl" | "batch" | "generate";
  /** The prompt file as shown in messages (JSONL and batch sources). */
  shown?: string;
  entries: PromptEntry[];
}

/**
 * Resolves the workload's prompts. With `answerSchema` (quality.schema), every `expected` is
 * checked against the schema's fields. Throws SpecError naming the file and field (or JSONL line).
 */
export function resolvePrompts(workload: Workload, experimentFile: string, answerSchema?: z.ZodType): ResolvedPrompt[] {
  const source = readSource(workload, experimentFile, answerSchema);
  const seen = new Set<string>();
  return source.entries.map((p, i) => {
    const id = p.id ?? `p${i}`;
    if (seen.has(id)) throw new SpecError(experimentFile, `workload.prompts[${i}].id`, `duplicate prompt id "${id}"`);
    seen.add(id);
    if (p.expected && answerSchema && source.field !== "generate") {
      const problem = expectedProblem(p.expected, answerSchema);
      if (problem) throw expectedError(experimentFile, source, p, i, problem);
    }
    const messages = [
      ...(workload.system ? [{ role: "system" as const, content: workload.system }] : []),
      ...(workload.fewShot ?? []),
      ...templated(p.messages, workload.template),
    ];
    const text = messages.map((m) => m.content).join("\n\n");
    return p.expected ? { id, messages, text, expected: p.expected } : { id, messages, text };
  });
}

/** The prompt's messages with its last user message put into `template` at {{prompt}}. */
function templated(messages: ChatMessage[], template: string | undefined): ChatMessage[] {
  const last = messages.map((m) => m.role).lastIndexOf("user");
  if (template === undefined || last < 0) return messages;
  return messages.map((m, i) => (i === last ? { ...m, content: template.replace("{{prompt}}", () => m.content) } : m));
}

function readSource(workload: Workload, experimentFile: string, answerSchema: z.ZodType | undefined): Source {
  const source = workload.prompts;
  if ("inline" in source) return { field: "inline", entries: source.inline.map((p) => normalise(p)) };
  if ("jsonl" in source) return readPromptFile(experimentFile, "jsonl", source.jsonl, parsePromptLines);
  if ("batch" in source) return readPromptFile(experimentFile, "batch", source.batch, parseBatchInput);
  const variant = source.generate === "candidate-profiles" ? "short" : "detailed";
  const entries = generateCandidatePrompts(source.count, workload.seed, variant).map((p) => ({
    ...p,
    expected: generatedTruth(p.expected, answerSchema, experimentFile),
  }));
  return { field: "generate", entries };
}

/**
 * A generator cannot know the user's schema: its truth is kept for the fields quality.schema
 * declares (all of it without an object schema). A declared field whose truth does not fit the
 * schema (e.g. another recommendation scale) is an error.
 */
function generatedTruth(expected: Expected, schema: z.ZodType | undefined, file: string): Expected | undefined {
  if (!(schema instanceof z.ZodObject)) return expected;
  const kept = Object.fromEntries(Object.entries(expected).filter(([k]) => Object.hasOwn(schema.shape, k)));
  if (Object.keys(kept).length === 0) return undefined;
  const problem = expectedProblem(kept, schema);
  if (problem)
    throw new SpecError(
      file,
      "workload.prompts.generate",
      `the generator's ground truth does not fit quality.schema: expected.${problem.path}: ${problem.message}`,
    );
  return kept;
}

/**
 * The first field of `expected` that does not fit `schema`: a field the schema does not have, or
 * a value its field rejects. Only object schemas are checked field by field.
 */
export function expectedProblem(expected: Expected, schema: z.ZodType): { path: string; message: string } | null {
  if (!(schema instanceof z.ZodObject)) return null;
  const shape = schema.shape as Record<string, z.ZodType>;
  for (const [field, value] of Object.entries(expected)) {
    if (!Object.hasOwn(shape, field))
      return { path: field, message: `not a field of quality.schema (${Object.keys(shape).join(", ")})` };
    const parsed = shape[field]!.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return { path: formatPath([field, ...issue.path]), message: issue.message };
    }
  }
  return null;
}

function expectedError(
  file: string,
  source: Source,
  entry: PromptEntry,
  index: number,
  problem: { path: string; message: string },
): SpecError {
  if (source.field === "inline")
    return new SpecError(file, `workload.prompts.inline[${index}].expected.${problem.path}`, problem.message);
  return new SpecError(
    file,
    `workload.prompts.${source.field}`,
    `${source.shown} line ${entry.line}: expected.${problem.path}: ${problem.message}`,
  );
}

function normalise(p: PromptInput): PromptEntry {
  if (typeof p === "string") return { messages: [{ role: "user", content: p }] };
  return { id: p.id, messages: p.messages ?? [{ role: "user", content: p.prompt! }], expected: p.expected };
}

/**
 * Reads a prompt file (`field` is "jsonl" or "batch") with `parse`; any problem becomes a
 * SpecError naming the experiment file, the field, and the prompt file's line.
 */
function readPromptFile(
  experimentFile: string,
  field: "jsonl" | "batch",
  relativePath: string,
  parse: (text: string, shown: string) => PromptEntry[],
): Source {
  const path = resolve(dirname(experimentFile), relativePath);
  const shown = relative(process.cwd(), path);
  try {
    const problem = placeProblem(path, dirname(resolve(experimentFile)));
    if (problem) throw new JsonlError(relativePath, null, problem);
    const entries = parse(readTextFile(path, shown, field === "jsonl" ? "prompt file" : "batch file"), shown);
    return { field, shown, entries };
  } catch (e) {
    if (e instanceof JsonlError) throw new SpecError(experimentFile, `workload.prompts.${field}`, e.message);
    throw e;
  }
}

/** The environment variable naming a folder outside the project that prompt files may be read from. */
export const DATA_FOLDER_ENV = "TRACKER_DATA";

/**
 * Why a prompt file at `path` may not be read, or null when it may: it must be inside the project
 * (the working directory), the experiment file's folder or $TRACKER_DATA, after following
 * symbolic links, and be a regular file (a FIFO or device would block the loader). A file that
 * does not exist is left to the read, which names it.
 */
function placeProblem(path: string, experimentFolder: string): string | null {
  const roots = [process.cwd(), experimentFolder, process.env[DATA_FOLDER_ENV]].filter((r): r is string => !!r);
  const allowed = `prompt files must be inside the project folder (${process.cwd()}), the experiment file's folder or the folder named by ${DATA_FOLDER_ENV}`;
  if (!roots.some((root) => inside(path, resolve(root)))) return `outside the allowed folders: ${allowed}`;
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return null;
  }
  if (!roots.some((root) => inside(real, realRoot(root))))
    return `a symbolic link to a file outside the allowed folders: ${allowed}`;
  if (!statSync(real).isFile()) return "not a regular file";
  return null;
}

function inside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function realRoot(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return resolve(root);
  }
}

/** A prompt file: one `{id?, prompt, expected?}` or `{id?, messages, expected?}` object (or a string) per line. */
const parsePromptLines = (text: string, shown: string): PromptEntry[] =>
  parseJsonl(text, shown, promptSchema).map(({ line, value }) => ({ ...normalise(value), line }));
