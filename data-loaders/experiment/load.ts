// Loading experiment files: import `experiments/<id>.ts` (once it loaded cleanly in a worker
// within the time limit, load-check.ts), validate with zod, resolve prompts, and compute the spec
// hash that decides whether stored results are still valid.
import { existsSync, readdirSync } from "node:fs";
import { basename, extname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { register, type ScopedImport } from "tsx/esm/api";
import { z } from "zod";
import { placeholdersOf } from "../judge/rubric.ts";
import { SpecError, specErrorsFromZod } from "./errors.ts";
import { hashJson } from "./hash.ts";
import { checkLoads } from "./load-check.ts";
import { defaultExportProblem, firstLine } from "./load-check-worker.ts";
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

export interface LoadOptions {
  /** Time limit per file while it loads, in seconds (default $TRACKER_LOAD_TIMEOUT_S, else 10). */
  timeLimitS?: number;
}

/** Loads every experiment in `dir`; a bad file yields errors and does not stop the others. */
export async function loadExperiments(dir: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const experiments: LoadedExperiment[] = [];
  const recorded: LoadedRecorded[] = [];
  const errors: SpecError[] = [];
  const byId = new Map<string, string>();
  const paths: string[] = [];
  for (const path of experimentFiles(dir)) {
    const file = shownPath(path);
    const id = basename(path, extname(path));
    const previous = byId.get(id);
    if (previous) errors.push(new SpecError(file, "id", `duplicate experiment id "${id}" (also ${previous})`));
    else paths.push(path);
    byId.set(id, previous ?? file);
  }
  for (const outcome of await loadFiles(paths, opts.timeLimitS)) {
    if (Array.isArray(outcome)) errors.push(...outcome);
    else if ("recorded" in outcome) recorded.push(outcome);
    else experiments.push(outcome);
  }
  return { experiments, recorded, errors };
}

/**
 * What `tracker validate` warns about in a valid experiment: it names an API key variable that
 * is not set in this environment (the run would fail at once, with the same message).
 */
export function experimentWarnings(exp: LoadedExperiment, env: NodeJS.ProcessEnv = process.env): string[] {
  const server = exp.spec.server;
  const [field, name] =
    "launch" in server
      ? ["server.launch.apiKeyEnv", server.launch.apiKeyEnv]
      : ["server.apiKeyEnv", "apiKeyEnv" in server ? server.apiKeyEnv : undefined];
  if (name === undefined || env[name]) return [];
  return [`${exp.file}: ${field}: environment variable ${name} is not set: a run fails until it is`];
}

/** Loads one experiment file; throws SpecError or SpecError[]. */
export async function loadExperiment(path: string, opts: LoadOptions = {}): Promise<LoadedExperiment> {
  const loaded = await loadExperimentOrRecorded(path, opts);
  if ("recorded" in loaded)
    throw new SpecError(
      loaded.file,
      "",
      "a recorded experiment (defineRecorded): its figures come from elsewhere and it is never run",
    );
  return loaded;
}

/** Loads one experiment file, which may be a recorded experiment; throws SpecError or SpecError[]. */
export async function loadExperimentOrRecorded(
  path: string,
  opts: LoadOptions = {},
): Promise<LoadedExperiment | LoadedRecorded> {
  const [outcome] = await loadFiles([path], opts.timeLimitS);
  if (Array.isArray(outcome)) throw outcome.length === 1 ? outcome[0]! : outcome;
  return outcome!;
}

type Outcome = LoadedExperiment | LoadedRecorded | SpecError[];

const shownPath = (path: string) => relative(process.cwd(), path) || path;
let loads = 0;

/**
 * Each file's experiment, or its errors. A file is imported by the tracker only once it loaded
 * cleanly in a worker within the time limit (load-check.ts). The files of one call share a tsx
 * namespace: the modules they import load once, and an edited file is read afresh next call.
 */
async function loadFiles(paths: string[], timeLimitS?: number): Promise<Outcome[]> {
  const outcomes: (Outcome | null)[] = paths.map((path) => idProblem(path));
  const checked = paths.flatMap((path, i) => (outcomes[i] === null ? [i] : []));
  const problems = await checkLoads(
    checked.map((i) => resolve(paths[i]!)),
    timeLimitS,
  );
  const scope = register({ namespace: `experiments-${process.pid}-${++loads}` });
  try {
    for (const [k, i] of checked.entries()) {
      const file = shownPath(paths[i]!);
      const problem = problems[k];
      if (problem) outcomes[i] = [new SpecError(file, "", problem)];
      else outcomes[i] = await loadChecked(paths[i]!, file, scope.import).catch(asSpecErrors);
    }
  } finally {
    await scope.unregister();
  }
  return outcomes as Outcome[];
}

function asSpecErrors(e: unknown): SpecError[] {
  if (e instanceof SpecError) return [e];
  if (Array.isArray(e)) return e as SpecError[];
  throw e;
}

/** The unsafe-id error of a file name, or null. */
function idProblem(path: string): SpecError[] | null {
  const id = basename(path, extname(path));
  if (EXPERIMENT_ID.test(id)) return null;
  return [
    new SpecError(
      shownPath(path),
      "id",
      `file name "${id}" is not a safe id: use lower-case letters, digits, "." and "-" (e.g. gemma-3-4b-5k)`,
    ),
  ];
}

/** Imports and validates a file that passed the load check; throws SpecError or SpecError[]. */
async function loadChecked(
  path: string,
  file: string,
  importer: ScopedImport,
): Promise<LoadedExperiment | LoadedRecorded> {
  const id = basename(path, extname(path));
  const value = await importDefault(path, file, importer);
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

async function importDefault(path: string, file: string, importer: ScopedImport): Promise<unknown> {
  let mod: Record<string, unknown>;
  try {
    mod = await importer(pathToFileURL(resolve(path)).href, import.meta.url);
  } catch (e) {
    throw new SpecError(file, "", `cannot load the file: ${firstLine(e)}`);
  }
  const problem = await defaultExportProblem(mod);
  if (problem) throw new SpecError(file, "", problem);
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
 * notes, prices, GPU $/hour, electricity $/kWh and publishing choice (editing prose, costs or what
 * the site shows re-runs nothing). The quality schema is stored as JSON Schema, a function check by its source
 * text (editing the function re-runs; a change in something it calls is not seen), and the
 * prompts by their content hash. The judge is left out: judging is a run of its own, so a rubric
 * edit re-judges without re-sending the requests.
 */
function hashedSpec(spec: Experiment, file: string, promptHash: string): Record<string, unknown> {
  const {
    title: _t,
    notes: _n,
    prices: _p,
    gpuDollarsPerHour: _g,
    electricityPerKWh: _e,
    publish: _pub,
    quality,
    ...measured
  } = spec;
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
