// Prompt sources: inline list, JSONL file, OpenAI batch input file, or a seeded generator → resolved prompts.
import { realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import type { ChatMessage } from "../client/outcome.ts";
import { parseBatchInput } from "../import/openai-batch.ts";
import { generateCandidatePrompts } from "./candidate-profiles.ts";
import { SpecError } from "./errors.ts";
import { JsonlError, parseJsonl, readTextFile } from "./jsonl.ts";
import { promptSchema, type PromptInput, type Workload } from "./schema.ts";

export interface ResolvedPrompt {
  id: string;
  /** Chat messages (the system message of the workload included). */
  messages: ChatMessage[];
  /** The same prompt as one text, for the completions API. */
  text: string;
}

/** Resolves the workload's prompts. Throws SpecError naming the file and field (or JSONL line). */
export function resolvePrompts(workload: Workload, experimentFile: string): ResolvedPrompt[] {
  const source = workload.prompts;
  let inputs: { id?: string; messages: ChatMessage[] }[];
  if ("inline" in source) {
    inputs = source.inline.map((p) => normalise(p));
  } else if ("jsonl" in source) {
    inputs = readPromptFile(experimentFile, "jsonl", source.jsonl, parsePromptLines);
  } else if ("batch" in source) {
    inputs = readPromptFile(experimentFile, "batch", source.batch, parseBatchInput);
  } else {
    const variant = source.generate === "candidate-profiles" ? "short" : "detailed";
    inputs = generateCandidatePrompts(source.count, workload.seed, variant);
  }
  const seen = new Set<string>();
  return inputs.map((p, i) => {
    const id = p.id ?? `p${i}`;
    if (seen.has(id)) throw new SpecError(experimentFile, `workload.prompts[${i}].id`, `duplicate prompt id "${id}"`);
    seen.add(id);
    const messages = workload.system
      ? [{ role: "system" as const, content: workload.system }, ...p.messages]
      : p.messages;
    return { id, messages, text: messages.map((m) => m.content).join("\n\n") };
  });
}

function normalise(p: PromptInput): { id?: string; messages: ChatMessage[] } {
  if (typeof p === "string") return { messages: [{ role: "user", content: p }] };
  return { id: p.id, messages: p.messages ?? [{ role: "user", content: p.prompt! }] };
}

/**
 * Reads a prompt file (`field` is "jsonl" or "batch") with `parse`; any problem becomes a
 * SpecError naming the experiment file, the field, and the prompt file's line.
 */
function readPromptFile(
  experimentFile: string,
  field: "jsonl" | "batch",
  relativePath: string,
  parse: (text: string, shown: string) => { id?: string; messages: ChatMessage[] }[],
): { id?: string; messages: ChatMessage[] }[] {
  const path = resolve(dirname(experimentFile), relativePath);
  const shown = relative(process.cwd(), path);
  try {
    const problem = placeProblem(path, dirname(resolve(experimentFile)));
    if (problem) throw new JsonlError(relativePath, null, problem);
    return parse(readTextFile(path, shown, field === "jsonl" ? "prompt file" : "batch file"), shown);
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

/** A prompt file: one `{id?, prompt}` or `{id?, messages}` object (or a string) per line. */
const parsePromptLines = (text: string, shown: string) =>
  parseJsonl(text, shown, promptSchema).map(({ value }) => normalise(value));
