// Loading experiment files: import `experiments/<id>.ts`, validate with zod, resolve prompts,
// and compute the spec hash that decides whether stored results are still valid.
import { existsSync, readdirSync } from "node:fs";
import { basename, extname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import { z } from "zod";
import { placeholdersOf } from "../judge/rubric.ts";
import { SpecError, specErrorsFromZod } from "./errors.ts";
import { hashJson } from "./hash.ts";
import { resolvePrompts, type ResolvedPrompt } from "./prompts.ts";
import { isRecordedExport, recordedSchema, toLoadedRecorded, type LoadedRecorded } from "./recorded.ts";
import { EXPERIMENT_ID, experimentSchema, type Experiment } from "./schema.ts";

export interface LoadedExperiment {
  id: string;
  /** Path relative to the working directory, for messages. */
  file: string;
  spec: Experiment;
  prompts: ResolvedPrompt[];
  /** sha256 of the resolved prompts. */
  promptHash: string;
  /** sha256 of everything that changes the measurement (see `hashedSpec`). */
  specHash: string;
  /** The spec as hashed and stored in manifests: JSON only. */
  resolvedSpec: Record<string, unknown>;
  /** `quality.schema` as JSON Schema (sent as response_format when structuredOutput is on), or null. */
  answerJsonSchema: Record<string, unknown> | null;
}

export interface LoadResult {
  experiments: LoadedExperiment[];
  /** Recorded experiments (`defineRecorded`): figures measured elsewhere, never run. */
  recorded: LoadedRecorded[];
  errors: SpecError[];
}

const EXTENSIONS = [".ts", ".mts"];

export function experimentFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => EXTENSIONS.includes(extname(f)) && !f.endsWith(".d.ts"))
    .sort()
    .map((f) => join(dir, f));
}

/** Loads every experiment in `dir`; a bad file yields errors and does not stop the others. */
export async function loadExperiments(dir: string): Promise<LoadResult> {
  const experiments: LoadedExperiment[] = [];
  const recorded: LoadedRecorded[] = [];
  const errors: SpecError[] = [];
  const byId = new Map<string, string>();
  for (const path of experimentFiles(dir)) {
    const file = relative(process.cwd(), path) || path;
    const id = basename(path, extname(path));
    const previous = byId.get(id);
    if (previous) {
      errors.push(new SpecError(file, "id", `duplicate experiment id "${id}" (also ${previous})`));
      continue;
    }
    byId.set(id, file);
    try {
      const loaded = await loadExperimentOrRecorded(path);
      if ("recorded" in loaded) recorded.push(loaded);
      else experiments.push(loaded);
    } catch (e) {
      if (e instanceof SpecError) errors.push(e);
      else if (Array.isArray(e)) errors.push(...e);
      else throw e;
    }
  }
  return { experiments, recorded, errors };
}

/** Loads one experiment file; throws SpecError or SpecError[]. */
export async function loadExperiment(path: string): Promise<LoadedExperiment> {
  const loaded = await loadExperimentOrRecorded(path);
  if ("recorded" in loaded)
    throw new SpecError(
      loaded.file,
      "",
      "a recorded experiment (defineRecorded): its figures come from elsewhere and it is never run",
    );
  return loaded;
}

/** Loads one experiment file, which may be a recorded experiment; throws SpecError or SpecError[]. */
export async function loadExperimentOrRecorded(path: string): Promise<LoadedExperiment | LoadedRecorded> {
  const file = relative(process.cwd(), path) || path;
  const id = basename(path, extname(path));
  if (!EXPERIMENT_ID.test(id)) {
    throw new SpecError(
      file,
      "id",
      `file name "${id}" is not a safe id: use lower-case letters, digits, "." and "-" (e.g. gemma-3-4b-5k)`,
    );
  }
  const value = await importDefault(path, file);
  if (isRecordedExport(value)) {
    const recorded = recordedSchema.safeParse(value.recorded);
    if (!recorded.success) throw specErrorsFromZod(file, recorded.error.issues);
    return toLoadedRecorded(id, file, recorded.data);
  }
  const parsed = experimentSchema.safeParse(value);
  if (!parsed.success) throw specErrorsFromZod(file, parsed.error.issues);
  const spec = parsed.data;
  const prompts = resolvePrompts(spec.workload, path, spec.quality?.schema);
  checkRubricTruth(spec, prompts, file);
  const promptHash = hashJson(prompts);
  const resolvedSpec = hashedSpec(spec, file, promptHash);
  const answerJsonSchema = (resolvedSpec.quality as { schema: Record<string, unknown> } | undefined)?.schema ?? null;
  return { id, file, spec, prompts, promptHash, specHash: hashJson(resolvedSpec), resolvedSpec, answerJsonSchema };
}

async function importDefault(path: string, file: string): Promise<unknown> {
  let mod: Record<string, unknown>;
  try {
    // tsImport loads the file in a fresh namespace, so an edited file is re-read in the same
    // process, and works the same under the CLI and under vitest.
    mod = await tsImport(pathToFileURL(resolve(path)).href, import.meta.url);
  } catch (e) {
    const message = (e as Error).message.split("\n").slice(0, 3).join(" ");
    throw new SpecError(file, "", `cannot load the file: ${message}`);
  }
  if (!("default" in mod))
    throw new SpecError(file, "", "no default export: write `export default defineExperiment({...})`");
  return mod.default;
}

/** A rubric that shows {{expected}} needs the truth of every prompt. */
function checkRubricTruth(spec: Experiment, prompts: ResolvedPrompt[], file: string): void {
  const rubric = spec.quality?.judge?.rubric;
  if (rubric === undefined || !placeholdersOf(rubric).includes("expected")) return;
  const without = prompts.find((p) => p.expected === undefined);
  if (without)
    throw new SpecError(file, "quality.judge.rubric", `uses {{expected}} but prompt "${without.id}" has no expected`);
}

/**
 * The part of the spec that changes the measurement, as plain JSON: everything but the title,
 * notes, prices, GPU $/hour and publishing choice (editing prose, costs or what the site shows
 * re-runs nothing). The quality schema is stored as JSON Schema, a function check by its source
 * text (editing the function re-runs; a change in something it calls is not seen), and the
 * prompts by their content hash. The judge is left out: judging is a run of its own, so a rubric
 * edit re-judges without re-sending the requests.
 */
function hashedSpec(spec: Experiment, file: string, promptHash: string): Record<string, unknown> {
  const { title: _t, notes: _n, prices: _p, gpuDollarsPerHour: _g, publish: _pub, quality, ...measured } = spec;
  let qualityJson: Record<string, unknown> | undefined;
  if (quality) {
    const { judge: _judge, checks, ...scored } = quality;
    try {
      qualityJson = { ...scored, schema: z.toJSONSchema(quality.schema) };
    } catch (e) {
      throw new SpecError(file, "quality.schema", `cannot be expressed as JSON Schema (${(e as Error).message})`);
    }
    if (checks) qualityJson.checks = checks.map((c) => (c.fn ? { ...c, fn: c.fn.toString() } : c));
  }
  return { ...measured, ...(qualityJson ? { quality: qualityJson } : {}), promptHash };
}
