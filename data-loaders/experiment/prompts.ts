// Prompt sources: inline list, JSONL file, OpenAI batch input file, or a seeded generator → resolved prompts.
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import type { ChatMessage } from "../client/outcome.ts";
import { BatchFileError, parseBatchInput } from "../import/openai-batch.ts";
import { generateCandidatePrompts } from "./candidate-profiles.ts";
import { SpecError, specErrorsFromZod } from "./errors.ts";
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
    inputs = readJsonl(resolve(dirname(experimentFile), source.jsonl), experimentFile);
  } else if ("batch" in source) {
    inputs = readBatch(resolve(dirname(experimentFile), source.batch), experimentFile);
  } else {
    const variant = source.generate === "candidate-profiles" ? "short" : "detailed";
    inputs = generateCandidatePrompts(source.count, workload.seed, variant);
  }
  const seen = new Set<string>();
  return inputs.map((p, i) => {
    const id = p.id ?? `p${i}`;
    if (seen.has(id)) throw new SpecError(experimentFile, `workload.prompts[${i}].id`, `duplicate prompt id "${id}"`);
    seen.add(id);
    const messages = workload.system ? [{ role: "system" as const, content: workload.system }, ...p.messages] : p.messages;
    return { id, messages, text: messages.map((m) => m.content).join("\n\n") };
  });
}

function normalise(p: PromptInput): { id?: string; messages: ChatMessage[] } {
  if (typeof p === "string") return { messages: [{ role: "user", content: p }] };
  return { id: p.id, messages: p.messages ?? [{ role: "user", content: p.prompt! }] };
}

function readJsonl(path: string, experimentFile: string): { id?: string; messages: ChatMessage[] }[] {
  const shown = relative(process.cwd(), path);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new SpecError(experimentFile, "workload.prompts.jsonl", `cannot read prompt file ${shown}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  const out: { id?: string; messages: ChatMessage[] }[] = [];
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new SpecError(experimentFile, "workload.prompts.jsonl", `${shown} line ${n + 1}: not valid JSON (${(e as Error).message})`);
    }
    const parsed = promptSchema.safeParse(value);
    if (!parsed.success) {
      const first = specErrorsFromZod(shown, parsed.error.issues, "")[0]!;
      throw new SpecError(experimentFile, "workload.prompts.jsonl", `${shown} line ${n + 1}: ${first.field ? first.field + ": " : ""}${first.detail}`);
    }
    out.push(normalise(parsed.data));
  }
  if (out.length === 0) throw new SpecError(experimentFile, "workload.prompts.jsonl", `prompt file ${shown} has no prompts`);
  return out;
}

/** An OpenAI batch input file: custom_id → prompt id, body.messages → messages. */
function readBatch(path: string, experimentFile: string): { id?: string; messages: ChatMessage[] }[] {
  const shown = relative(process.cwd(), path);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new SpecError(experimentFile, "workload.prompts.batch", `cannot read batch file ${shown}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  try {
    return parseBatchInput(text, shown);
  } catch (e) {
    if (e instanceof BatchFileError) throw new SpecError(experimentFile, "workload.prompts.batch", e.message);
    throw e;
  }
}
