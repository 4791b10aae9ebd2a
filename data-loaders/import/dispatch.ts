// `tracker import <format> <file>`: another tool's result file becomes recorded experiments, one
// per run in the file: `experiments/<id>.ts` (defineRecorded, so it is listed, planned and shown
// like any experiment) and its run folder (manifest with source "recorded", the aggregates and the
// tool; requests.parquet when the file has per-request rows, written through the journal like a
// measured run). Nothing is written until the whole file has been read and checked; a failure
// while writing removes what this import wrote, and an existing experiment file is never replaced.
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { materialiseRecorded, toLoadedRecorded } from "../experiment/recorded.ts";
import { recordedSchema, type RecordedInput } from "../experiment/recorded-schema.ts";
import { EXPERIMENT_ID } from "../experiment/schema.ts";
import { Journal } from "../store/journal.ts";
import { JOURNAL_FILE, PARQUET_FILE } from "../store/layout.ts";
import { readManifest } from "../store/manifest.ts";
import { journalToParquet } from "../store/parquet.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import { readAiperf } from "./aiperf.ts";
import { parseGuideLlm } from "./guidellm.ts";
import { ImportError, idStem, issueError, readText, safeId, type ImportedRun } from "./normalised.ts";
import { parseReportV02 } from "./report-v0.2.ts";
import { parseVllmBench } from "./vllm-bench.ts";

/** The formats `tracker import` reads, with the default experiment id prefix of each. */
export const IMPORT_FORMATS = {
  "vllm-bench": { prefix: "bench", what: "a `vllm bench serve --save-result` JSON (Python or Rust client)" },
  guidellm: { prefix: "guidellm", what: "a GuideLLM benchmarks.json (or .yaml)" },
  aiperf: { prefix: "aiperf", what: "AIPerf's profile_export_aiperf.json or profile_export.jsonl" },
  "report-v0.2": { prefix: "br", what: "an llm-d Benchmark Report v0.2 (YAML or JSON)" },
} as const;
export type ImportFormat = keyof typeof IMPORT_FORMATS;

export function isImportFormat(format: string): format is ImportFormat {
  return Object.hasOwn(IMPORT_FORMATS, format);
}

export interface ImportOptions {
  experimentsDir: string;
  resultsRoot: string;
  /** The experiment id (a file with several runs gets `<id>-1`, `<id>-2`, …). */
  experimentId?: string;
  /** Where it ran; default: what the file says, else "not recorded". */
  hardware?: string;
}

export interface ImportResult {
  id: string;
  experimentFile: string;
  runDir: string;
  manifest: Manifest;
  /** Rows written to requests.parquet (warm-up rows included); 0 without rows. */
  rows: number;
  /** Why there are no rows, when there are none. */
  rowsNote: string | null;
}

/** Reads the file in the given format: its runs, checked, nothing written yet. */
export async function readImport(format: ImportFormat, file: string): Promise<ImportedRun[]> {
  switch (format) {
    case "vllm-bench":
      return parseVllmBench(readText(file), file);
    case "guidellm":
      return parseGuideLlm(readText(file), file);
    case "aiperf":
      return [await readAiperf(file)];
    case "report-v0.2":
      return [parseReportV02(readText(file), file)];
  }
}

/** Imports every run of the file; returns what was written, one entry per run. */
export async function importFile(format: ImportFormat, file: string, opts: ImportOptions): Promise<ImportResult[]> {
  const runs = await readImport(format, file);
  const ids = experimentIds(format, runs, file, opts);
  const results: ImportResult[] = [];
  for (const [k, run] of runs.entries()) results.push(await importRun(run, ids[k]!, file, format, opts));
  return results;
}

function experimentIds(format: ImportFormat, runs: ImportedRun[], file: string, opts: ImportOptions): string[] {
  const one = (run: ImportedRun) => opts.experimentId ?? safeId(IMPORT_FORMATS[format].prefix, idStem(run, file));
  // The runs of one file (a GuideLLM sweep) share the first one's id stem.
  const ids = runs.length === 1 ? [one(runs[0]!)] : runs.map((_, k) => `${one(runs[0]!)}-${k + 1}`);
  for (const id of ids) {
    if (!EXPERIMENT_ID.test(id))
      throw new ImportError(`--experiment: "${id}" is not a safe id: lower-case letters, digits, "." and "-"`);
    const path = join(opts.experimentsDir, `${id}.ts`);
    if (existsSync(path)) throw new ImportError(`${path} exists already: choose another id with --experiment`);
  }
  if (new Set(ids).size < ids.length)
    throw new ImportError(`${basename(file)}: its runs would share an experiment id; give one with --experiment`);
  return ids;
}

async function importRun(
  run: ImportedRun,
  id: string,
  file: string,
  format: ImportFormat,
  opts: ImportOptions,
): Promise<ImportResult> {
  const input = recordedInput(run, file, opts.hardware);
  const parsed = recordedSchema.safeParse(input);
  // The parsers check the file; what is left is a figure the recorded schema refuses (or --hardware "").
  if (!parsed.success) throw issueError(file, parsed.error, ["as recorded"]);
  const recorded = parsed.data;
  const experimentFile = join(opts.experimentsDir, `${id}.ts`);
  writeFileSync(experimentFile, experimentSource(input, format, file, opts.experimentsDir));
  const [runDir] = materialiseRecorded(
    [toLoadedRecorded(id, relative(process.cwd(), experimentFile), recorded)],
    opts.resultsRoot,
  );
  if (!runDir) {
    rmSync(experimentFile);
    throw new ImportError(`results for ${id} with these figures exist already`);
  }
  try {
    const manifest = readManifest(runDir);
    const rows = run.rows ? await writeRows(run.rows, runDir, manifest) : 0;
    return { id, experimentFile, runDir, manifest, rows, rowsNote: run.rowsNote };
  } catch (e) {
    rmSync(runDir, { recursive: true, force: true });
    rmSync(experimentFile, { force: true });
    throw e;
  }
}

/** Appends the rows to the run's journal and turns it into requests.parquet, as a finished run does. */
async function writeRows(rows: NonNullable<ImportedRun["rows"]>, runDir: string, manifest: Manifest): Promise<number> {
  const journalPath = join(runDir, JOURNAL_FILE);
  const journal = new Journal(journalPath, {});
  let measured = 0;
  try {
    for await (const row of rows) {
      journal.append({ run_id: manifest.run_id, experiment_id: manifest.experiment_id, ...row });
      if (!row.warmup) measured++;
    }
  } finally {
    journal.close();
  }
  if (measured !== manifest.counts.requests)
    throw new ImportError(
      `${manifest.experiment_id}: ${measured} rows, but the aggregates count ${manifest.counts.requests} requests`,
    );
  const written = await journalToParquet(journalPath, join(runDir, PARQUET_FILE));
  rmSync(journalPath);
  return written;
}

const positive = (v: number | null) => (v !== null && v > 0 ? v : undefined);
const known = (v: number | null) => (v !== null && v >= 0 ? v : undefined);

/** The recorded experiment of a run: figures as the tool reported them. */
function recordedInput(run: ImportedRun, file: string, hardware?: string): RecordedInput {
  const a = run.aggregates;
  const tool = `${run.tool.name}${run.tool.version ? ` ${run.tool.version}` : ""}`;
  const stored = run.rows
    ? "Per-request rows are stored in requests.parquet (the tool's own timings; see README, Imports)."
    : `Aggregates only: ${run.rowsNote ?? "the file has no per-request rows"}.`;
  const count = (v: number | null) => (v === null ? undefined : Math.round(v));
  return {
    title: `${run.model}: ${tool}, ${run.label} (imported)`.slice(0, 200),
    notes: `Imported from the ${tool} result \`${basename(file)}\`${run.details.length ? ` (${run.details.join(", ")})` : ""}. ${stored}`,
    model: run.model,
    hardware: hardware ?? run.hardware ?? "not recorded",
    origin: `${tool} result ${basename(file)}`,
    tool: { name: run.tool.name, ...(run.tool.version ? { version: run.tool.version } : {}) },
    ...(run.measuredOn ? { measuredOn: run.measuredOn } : {}),
    figures: {
      requests: Math.round(a.num_prompts),
      completed: count(a.completed),
      durationS: positive(a.duration),
      totalTokenThroughput: known(a.total_token_throughput),
      outputThroughput: known(a.output_throughput),
      requestThroughput: known(a.request_throughput),
      totalInputTokens: count(a.total_input_tokens),
      totalOutputTokens: count(a.total_output_tokens),
      meanTtftMs: positive(a.mean_ttft_ms),
      meanTpotMs: positive(a.mean_tpot_ms),
      meanE2elMs: positive(a.mean_e2el_ms),
      concurrency: run.concurrency !== null && Number.isInteger(run.concurrency) ? run.concurrency : undefined,
    },
  };
}

function experimentSource(input: RecordedInput, format: ImportFormat, file: string, experimentsDir: string): string {
  const recordedTs = relative(experimentsDir, join(import.meta.dirname, "../experiment/recorded.ts")).replaceAll(
    "\\",
    "/",
  );
  const figures = Object.fromEntries(Object.entries(input.figures).filter(([, v]) => v !== undefined));
  return (
    `// Imported by \`tracker import ${format} ${basename(file)}\`: figures measured by ${input.tool?.name}.\n` +
    `import { defineRecorded } from "${recordedTs.startsWith(".") ? recordedTs : `./${recordedTs}`}";\n\n` +
    `export default defineRecorded(${JSON.stringify({ ...input, figures }, null, 2)});\n`
  );
}
