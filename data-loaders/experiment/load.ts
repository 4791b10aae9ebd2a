// Loading experiment files: import `experiments/<id>.ts` (once it loaded cleanly in a worker
// within the time limit, load-check.ts), validate with zod, resolve prompts, and compute the spec
// hash that decides whether stored results are still valid. A file with a grid (or a sweep)
// loads as one experiment per cell (grid.ts), each validated and hashed like a plain one.
import { existsSync, readdirSync } from "node:fs";
import { basename, extname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { register, type ScopedImport } from "tsx/esm/api";
import { z } from "zod";
import { placeholdersOf } from "../judge/rubric.ts";
import type { CellAxes } from "./cells.ts";
import { SpecError, specErrorsFromZod } from "./errors.ts";
import { cellError, cellIssues, expandGrid, type CellPlan, type GridAxis } from "./grid.ts";
import { canonicalJson, hashJson } from "./hash.ts";
import { checkLoads } from "./load-check.ts";
import { defaultExportProblem, firstLine } from "./load-check-worker.ts";
import { resolvePrompts, type ResolvedPrompt } from "./prompts.ts";
import { isRecordedExport, recordedReferenceErrors, toLoadedRecorded, type LoadedRecorded } from "./recorded.ts";
import { recordedSchema } from "./recorded-schema.ts";
import { EXPERIMENT_ID, experimentSchema, gridSchema, isPlainObject, type Experiment } from "./schema.ts";

export interface LoadedExperiment {
  id: string;
  /** Path relative to the working directory, for messages. */
  file: string;
  spec: Experiment;
  prompts: ResolvedPrompt[];
  /** sha256 of the prompts as sent (id, messages, text): their truth is not part of it. */
  promptHash: string;
  /** sha256 of everything that changes the measurement (see `hashedSpec`). */
  specHash: string;
  /**
   * sha256 of everything that changes how stored answers are scored (see `scoringSpecOf`): the
   * prompts' `expected`, quality.schema, tolerance and checks. A change re-scores the stored
   * answers; nothing is sent again.
   */
  scoringHash: string;
  /** What is scored, as plain JSON (hashed into scoringHash; stored beside each run's quality.parquet). */
  scoringSpec: Record<string, unknown> | null;
  /** The spec as hashed and stored in manifests: JSON only. */
  resolvedSpec: Record<string, unknown>;
  /** `quality.schema` as JSON Schema (sent as response_format when structuredOutput is on), or null. */
  answerJsonSchema: Record<string, unknown> | null;
  /** The grid cell this is; null for a file without a grid. */
  cell: LoadedCell | null;
}

export interface LoadedCell {
  /** `model=gemma-3-1b,concurrency=16` (experiment/cells.ts). */
  key: string;
  /** Its entry in results/experiments.json and its site page. */
  id: string;
  axes: CellAxes;
  /** Every axis of the file's grid with its values, in order. */
  grid: GridAxis[];
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
    else experiments.push(...outcome.cells);
  }
  // A record whose stated figures name an experiment or price that is not there is invalid too.
  const references = recordedReferenceErrors(recorded, new Set(byId.keys()));
  errors.push(...references);
  const broken = new Set(references.map((e) => e.file));
  return {
    experiments: checkPairwise(experiments, errors),
    recorded: recorded.filter((r) => !broken.has(r.file)),
    errors,
  };
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

/** Loads one experiment file without a grid; throws SpecError or SpecError[]. */
export async function loadExperiment(path: string, opts: LoadOptions = {}): Promise<LoadedExperiment> {
  const cells = await loadExperimentCells(path, opts);
  if (cells.length > 1 || cells[0]!.cell)
    throw new SpecError(cells[0]!.file, "grid", `a grid of ${cells.length} cells: load it with loadExperimentCells`);
  return cells[0]!;
}

/** Loads one experiment file: its one experiment, or one per cell of its grid; throws SpecError or SpecError[]. */
export async function loadExperimentCells(path: string, opts: LoadOptions = {}): Promise<LoadedExperiment[]> {
  const loaded = await loadExperimentOrRecorded(path, opts);
  if ("recorded" in loaded)
    throw new SpecError(
      loaded.file,
      "",
      "a recorded experiment (defineRecorded): its figures come from elsewhere and it is never run",
    );
  return loaded.cells;
}

/** Loads one experiment file, which may be a recorded experiment; throws SpecError or SpecError[]. */
export async function loadExperimentOrRecorded(
  path: string,
  opts: LoadOptions = {},
): Promise<{ cells: LoadedExperiment[] } | LoadedRecorded> {
  const [outcome] = await loadFiles([path], opts.timeLimitS);
  if (Array.isArray(outcome)) throw outcome.length === 1 ? outcome[0]! : outcome;
  return outcome!;
}

type Outcome = { cells: LoadedExperiment[] } | LoadedRecorded | SpecError[];

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
): Promise<{ cells: LoadedExperiment[] } | LoadedRecorded> {
  const id = basename(path, extname(path));
  const value = await importDefault(path, file, importer);
  if (isRecordedExport(value)) {
    const recorded = recordedSchema.safeParse(value.recorded);
    if (!recorded.success) throw specErrorsFromZod(file, recorded.error.issues);
    return toLoadedRecorded(id, file, recorded.data);
  }
  // The file without its grid is the base every cell starts from: a valid experiment itself.
  const { grid, ...base } = isPlainObject(value) ? value : { grid: undefined };
  const parsed = experimentSchema.safeParse(isPlainObject(value) ? base : value);
  const axes = grid === undefined ? null : gridSchema.safeParse(grid);
  const issues = [
    ...(parsed.success ? [] : specErrorsFromZod(file, parsed.error.issues)),
    ...(axes && !axes.success ? specErrorsFromZod(file, axes.error.issues, "grid", ["grid"]) : []),
  ];
  if (issues.length) throw issues;
  const expanded = expandGrid(id, axes?.data ?? null, base, file);
  if (!expanded) return { cells: [loadSpec(id, file, path, parsed.data!, null, new PromptMemo())] };
  return { cells: loadCells(id, file, path, expanded) };
}

/** Resolved prompts by workload and answer schema: the cells of a grid usually share them. */
class PromptMemo {
  private readonly byKey = new Map<string, { prompts: ResolvedPrompt[]; promptHash: string }>();
  private readonly schemas = new Map<unknown, number>();

  resolve(spec: Experiment, path: string): { prompts: ResolvedPrompt[]; promptHash: string } {
    const schema = spec.quality?.schema;
    if (schema !== undefined && !this.schemas.has(schema)) this.schemas.set(schema, this.schemas.size);
    const key = `${canonicalJson(spec.workload)}\n${schema === undefined ? "" : this.schemas.get(schema)}`;
    let resolved = this.byKey.get(key);
    if (!resolved) {
      const prompts = resolvePrompts(spec.workload, path, schema);
      // The prompts as sent: their truth (`expected`) is scored, not sent, so not part of the hash.
      resolved = { prompts, promptHash: hashJson(prompts.map(({ expected: _truth, ...sent }) => sent)) };
      this.byKey.set(key, resolved);
    }
    return resolved;
  }
}

/** One experiment (a file's, or a cell's) from its validated spec. */
function loadSpec(
  id: string,
  file: string,
  path: string,
  spec: Experiment,
  cell: LoadedCell | null,
  memo: PromptMemo,
): LoadedExperiment {
  const { prompts, promptHash } = memo.resolve(spec, path);
  checkRubricTruth(spec, prompts, file);
  const resolvedSpec = hashedSpec(spec, file, promptHash);
  const answerJsonSchema = (resolvedSpec.quality as { schema: Record<string, unknown> } | undefined)?.schema ?? null;
  const scoringSpec = scoringSpecOf(spec, prompts, answerJsonSchema);
  const scoringHash = hashJson(scoringSpec);
  const specHash = hashJson(resolvedSpec);
  return {
    id,
    file,
    spec,
    prompts,
    promptHash,
    specHash,
    scoringHash,
    scoringSpec,
    resolvedSpec,
    answerJsonSchema,
    cell,
  };
}

/**
 * Every cell of a grid, each validated by the experiment schema and hashed; errors name the axis
 * value they come from (each message once, however many cells share it). Two cells with the same
 * spec are an error: they would be one run.
 */
function loadCells(id: string, file: string, path: string, grid: { axes: GridAxis[]; cells: CellPlan[] }) {
  const errors = new Map<string, SpecError>();
  const cells: LoadedExperiment[] = [];
  const bySpec = new Map<string, string>();
  const memo = new PromptMemo();
  for (const plan of grid.cells) {
    const parsed = experimentSchema.safeParse(plan.input);
    const cell = { key: plan.key, id: plan.id, axes: plan.axes, grid: grid.axes };
    let loaded: LoadedExperiment;
    try {
      if (!parsed.success) {
        for (const error of cellIssues(file, plan, parsed.error.issues)) errors.set(error.message, error);
        continue;
      }
      loaded = loadSpec(id, file, path, parsed.data, cell, memo);
    } catch (e) {
      for (const error of asSpecErrors(e).map((x) => cellError(file, plan, x))) errors.set(error.message, error);
      continue;
    }
    const twin = bySpec.get(loaded.specHash);
    if (twin !== undefined) {
      const error = new SpecError(
        file,
        "grid",
        `cells ${twin} and ${plan.key} have the same spec (hash ${loaded.specHash.slice(0, 8)}): every cell must measure something different`,
      );
      errors.set(error.message, error);
    }
    bySpec.set(loaded.specHash, plan.key);
    cells.push(loaded);
  }
  if (errors.size) throw [...errors.values()];
  return cells;
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
  const judge = spec.quality?.judge;
  const rubrics = [
    ["quality.judge.rubric", judge?.rubric],
    ["quality.judge.pairwise.rubric", judge?.pairwise?.rubric],
  ] as const;
  for (const [field, rubric] of rubrics) {
    if (rubric === undefined || !placeholdersOf(rubric).includes("expected")) continue;
    const without = prompts.find((p) => p.expected === undefined);
    if (without) throw new SpecError(file, field, `uses {{expected}} but prompt "${without.id}" has no expected`);
  }
}

/**
 * Pairwise judging names another experiment: it must be one of these files (not a recorded one,
 * not itself) and send the same prompts. An experiment that fails this is reported and not run.
 */
function checkPairwise(experiments: LoadedExperiment[], errors: SpecError[]): LoadedExperiment[] {
  const byId = new Map(experiments.map((e) => [e.id, e]));
  return experiments.filter((e) => {
    const other = e.spec.quality?.judge?.pairwise?.with;
    if (other === undefined) return true;
    const field = "quality.judge.pairwise.with";
    const found = byId.get(other);
    let problem: string | null = null;
    if (other === e.id) problem = "names this experiment: compare it with another one";
    else if (!found) problem = `no experiment "${other}" among the experiment files (recorded ones have no answers)`;
    else if (found.promptHash !== e.promptHash)
      problem = `"${other}" sends other prompts (prompt hash ${found.promptHash.slice(0, 8)}, this one ${e.promptHash.slice(0, 8)}): pairwise judging needs the same prompts`;
    if (problem) errors.push(new SpecError(e.file, field, problem));
    return problem === null;
  });
}

/**
 * The part of the spec that changes the measurement, as plain JSON: everything but the title,
 * notes, prices, GPU $/hour, electricity $/kWh and publishing choice (editing prose, costs or what
 * the site shows re-runs nothing). The quality schema is stored as JSON Schema (it decides json_valid and
 * schema_valid, and is sent with structured output) and the prompts by their content hash. What
 * only scores the stored answers — `expected`, quality.tolerance, quality.checks — is in the
 * scoring hash instead, and the judge in its own runs: editing a check, the truth or the rubric
 * re-scores or re-judges the stored answers without re-sending the requests.
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
    const { judge: _judge, checks: _checks, tolerance: _tolerance, ...sent } = quality;
    try {
      qualityJson = { ...sent, schema: z.toJSONSchema(quality.schema) };
    } catch (e) {
      throw new SpecError(file, "quality.schema", `cannot be expressed as JSON Schema (${(e as Error).message})`);
    }
  }
  const workload = { ...measured.workload, prompts: withoutTruth(measured.workload.prompts) };
  return { ...measured, workload, ...(qualityJson ? { quality: qualityJson } : {}), promptHash };
}

/** Inline prompts as sent: their `expected` is scored, not sent. */
function withoutTruth(source: Experiment["workload"]["prompts"]): Experiment["workload"]["prompts"] {
  if (!("inline" in source)) return source;
  return { inline: source.inline.map((p) => (typeof p === "string" ? p : { ...p, expected: undefined })) };
}

/** Bump when the scoring of stored answers changes meaning: every run is then re-scored. */
export const SCORING_VERSION = 1;

/**
 * What scoring a stored answer depends on, as plain JSON; null without quality.schema. A function
 * check is kept by its source text as loaded (TypeScript compiled, so types, comments and
 * formatting do not count; a change in something it calls is not seen); the truth by the hash of
 * every prompt's id and `expected`.
 */
function scoringSpecOf(
  spec: Experiment,
  prompts: ResolvedPrompt[],
  schema: Record<string, unknown> | null,
): Record<string, unknown> | null {
  const quality = spec.quality;
  if (!quality || schema === null) return null;
  const truth = prompts.some((p) => p.expected !== undefined)
    ? hashJson(prompts.map((p) => [p.id, p.expected ?? null]))
    : null;
  return {
    version: SCORING_VERSION,
    schema,
    tolerance: quality.tolerance ?? {},
    checks: (quality.checks ?? []).map((c) => (c.fn ? { ...c, fn: c.fn.toString() } : c)),
    truth,
  };
}
