// Recorded experiments: results measured elsewhere (by hand, by `vllm bench serve`, on another
// machine) that the tracker cannot re-run. `experiments/<id>.ts` exports `defineRecorded({...})`;
// the build materialises each as a run folder holding only a manifest (source "recorded", the
// `recorded` aggregates and the tool that measured them), so the store, plan and site treat it
// like any other run; `tracker import` adds requests.parquet when the imported file has rows. A
// recorded experiment is never run; a failed one (e.g. the server never started)
// is a failed recorded run with its reason.
import { mkdirSync } from "node:fs";
import { z } from "zod";
import { listRuns, type Warn } from "../store/folders.ts";
import { indexEntry } from "../store/index.ts";
import { newRunId, runDir } from "../store/layout.ts";
import { writeManifest } from "../store/manifest.ts";
import type { ExperimentEntry } from "../store/schemas/experiment-index.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import { ROW_SCHEMA_VERSION } from "../store/schemas/request-row.ts";
import { hashJson } from "./hash.ts";

const count = () => z.number().int().min(0);
const positive = () => z.number().positive();

/** The aggregates as `vllm bench serve` names them (the keys of its --save-result file); give what you have. */
const figuresObject = z.strictObject({
  /** Requests sent. */
  requests: count(),
  /** Successful requests (unknown when not given). */
  completed: count().optional(),
  /** Benchmark duration in seconds. */
  durationS: positive().optional(),
  /** (input + output tokens) / duration, tokens per second. */
  totalTokenThroughput: z.number().min(0).optional(),
  /** Output tokens / duration. */
  outputThroughput: z.number().min(0).optional(),
  /** Completed requests / duration. */
  requestThroughput: z.number().min(0).optional(),
  /** Σ prompt tokens of successful requests. */
  totalInputTokens: count().optional(),
  /** Σ completion tokens of successful requests. */
  totalOutputTokens: count().optional(),
  meanTtftMs: positive().optional(),
  meanTpotMs: positive().optional(),
  meanE2elMs: positive().optional(),
  /** Concurrent requests (workers, or vllm bench's --max-concurrency). */
  concurrency: z.number().int().min(1).optional(),
});

export const recordedFiguresSchema = figuresObject.superRefine((f, ctx) => {
  for (const [field, message] of contradictions(f)) ctx.addIssue({ code: "custom", path: [field], message });
});

/** How far a throughput may be from the one the counts and duration give (reports round their figures). */
const RATE_TOLERANCE = 0.1;

/**
 * Figures that contradict one another, as [field, message]: more successes than requests, a part
 * above its whole, or a throughput more than 10% from the one its counts and the duration give.
 */
function contradictions(f: z.output<typeof figuresObject>): [string, string][] {
  const out: [string, string][] = [];
  if (f.completed !== undefined && f.completed > f.requests)
    out.push(["completed", `${f.completed} successful requests, more than the ${f.requests} sent (figures.requests)`]);
  if (
    f.outputThroughput !== undefined &&
    f.totalTokenThroughput !== undefined &&
    f.outputThroughput > f.totalTokenThroughput
  )
    out.push([
      "outputThroughput",
      `${f.outputThroughput} tok/s is above totalTokenThroughput (${f.totalTokenThroughput}), which includes it`,
    ]);
  if (f.meanTtftMs !== undefined && f.meanE2elMs !== undefined && f.meanTtftMs > f.meanE2elMs)
    out.push([
      "meanTtftMs",
      `${f.meanTtftMs} ms is above meanE2elMs (${f.meanE2elMs}): the first token comes before the end`,
    ]);
  if (f.durationS === undefined) return out;
  const succeeded = f.completed ?? f.requests;
  const tokens =
    f.totalInputTokens !== undefined && f.totalOutputTokens !== undefined
      ? f.totalInputTokens + f.totalOutputTokens
      : undefined;
  const rates: [string, number | undefined, number | undefined, string][] = [
    ["requestThroughput", f.requestThroughput, succeeded, f.completed === undefined ? "requests" : "completed"],
    ["outputThroughput", f.outputThroughput, f.totalOutputTokens, "totalOutputTokens"],
    ["totalTokenThroughput", f.totalTokenThroughput, tokens, "(totalInputTokens + totalOutputTokens)"],
  ];
  for (const [field, given, count, what] of rates) {
    if (given === undefined || count === undefined) continue;
    const implied = count / f.durationS;
    if (Math.abs(given - implied) > RATE_TOLERANCE * Math.max(given, implied))
      out.push([
        field,
        `${given}/s contradicts ${what} / durationS = ${implied.toPrecision(4)}/s (more than 10% apart)`,
      ]);
  }
  return out;
}

/** The benchmark tool that measured the figures (named on the site beside them). */
export const recordedToolSchema = z.strictObject({
  /** e.g. "vllm bench serve", "GuideLLM", "AIPerf". */
  name: z.string().min(1),
  version: z.string().min(1).optional(),
});

/** Server start-up figures, as read from the vLLM log at the time. */
export const recordedLaunchSchema = z.strictObject({
  /** The command, as far as it is known. */
  command: z.string().min(1),
  loadTimeS: positive().optional(),
  weightsGib: positive().optional(),
  kvCacheGib: positive().optional(),
  kvCacheTokens: count().optional(),
  maxConcurrency: positive().optional(),
  cudaGraphGib: positive().optional(),
  /** GPU memory in use once the server was ready, MiB. */
  gpuMemoryAfterMib: positive().optional(),
});

export const recordedSchema = z
  .strictObject({
    title: z.string().min(1).max(200),
    notes: z.string().default(""),
    /** The model as served (Hugging Face id). */
    model: z.string().min(1),
    /** Where it ran, e.g. "RTX 4080 16 GB". */
    hardware: z.string().min(1),
    /** Where the figures come from (tool, person, document). */
    origin: z.string().min(1),
    /** The tool that measured them, when it is a benchmark tool. */
    tool: recordedToolSchema.optional(),
    /** Day of the measurement (YYYY-MM-DD) when known; it then names the run folder (else the day it was recorded here). */
    measuredOn: z.iso.date({ error: "a date such as 2025-10-01" }).optional(),
    /** `failed` when the run did not happen (e.g. the server did not start); give `reason`. */
    status: z.enum(["complete", "failed"]).default("complete"),
    reason: z.string().min(1).optional(),
    figures: recordedFiguresSchema,
    launch: recordedLaunchSchema.optional(),
  })
  .refine((r) => (r.status === "failed") === (r.reason !== undefined), {
    message: 'give `reason` exactly when status is "failed"',
    path: ["reason"],
  });

export type RecordedInput = z.input<typeof recordedSchema>;
export type Recorded = z.output<typeof recordedSchema>;

/** What `defineRecorded` returns: the marker the loader recognises. */
export interface RecordedExport {
  recorded: RecordedInput;
}

/** Declares a recorded experiment: `export default defineRecorded({...})` in `experiments/<id>.ts`. */
export function defineRecorded(spec: RecordedInput): RecordedExport {
  return { recorded: spec };
}

export function isRecordedExport(value: unknown): value is { recorded: unknown } {
  return typeof value === "object" && value !== null && "recorded" in value && !("workload" in value);
}

export interface LoadedRecorded {
  id: string;
  file: string;
  recorded: Recorded;
  /** sha256 of everything but the title and notes: a changed figure writes a new run folder. */
  specHash: string;
  resolvedSpec: Record<string, unknown>;
}

export function toLoadedRecorded(id: string, file: string, recorded: Recorded): LoadedRecorded {
  const { title: _t, notes: _n, ...measured } = recorded;
  const resolvedSpec = { recorded: measured };
  return { id, file, recorded, specHash: hashJson(resolvedSpec), resolvedSpec };
}

/** The manifest of a recorded run. */
export function recordedManifest(r: LoadedRecorded, runId: string, at: Date): Manifest {
  const f = r.recorded.figures;
  // Counts are whole numbers in the contract: a complete record that does not state its failures
  // counts every request as done and ok (`recorded.completed` stays null so readers can tell); a
  // failed record (the run did not happen) counts none.
  const failed = r.recorded.status === "failed";
  const ok = f.completed ?? (failed ? 0 : f.requests);
  const launch = r.recorded.launch;
  return {
    row_schema_version: ROW_SCHEMA_VERSION,
    tracker_version: "recorded",
    run_id: runId,
    experiment_id: r.id,
    source: "recorded",
    status: r.recorded.status,
    reason: r.recorded.reason ?? null,
    spec_hash: r.specHash,
    prompt_hash: "",
    spec: r.resolvedSpec,
    server: { kind: "recorded", endpoint: "", model: r.recorded.model, profile: null },
    started_at: at.toISOString(),
    finished_at: at.toISOString(),
    counts: { requests: f.requests, done: failed ? ok : f.requests, ok, error: failed ? 0 : f.requests - ok },
    environment: {
      node: "",
      os: "",
      cpu: "",
      host: r.recorded.hardware,
      git_commit: null,
      git_dirty: null,
      gpus: null,
    },
    recorded: {
      origin: r.recorded.origin,
      tool: r.recorded.tool?.name ?? null,
      tool_version: r.recorded.tool?.version ?? null,
      requests: f.requests,
      completed: f.completed ?? null,
      duration_s: f.durationS ?? null,
      total_token_throughput: f.totalTokenThroughput ?? null,
      output_throughput: f.outputThroughput ?? null,
      request_throughput: f.requestThroughput ?? null,
      total_input_tokens: f.totalInputTokens ?? null,
      total_output_tokens: f.totalOutputTokens ?? null,
      mean_ttft_ms: f.meanTtftMs ?? null,
      mean_tpot_ms: f.meanTpotMs ?? null,
      mean_e2el_ms: f.meanE2elMs ?? null,
      concurrency: f.concurrency ?? null,
    },
    ...(launch
      ? {
          launch: {
            command: launch.command,
            load_time_s: launch.loadTimeS ?? null,
            log_file: "",
            weights_gib: launch.weightsGib ?? null,
            weights_load_s: null,
            kv_cache_gib: launch.kvCacheGib ?? null,
            kv_cache_tokens: launch.kvCacheTokens ?? null,
            max_concurrency: launch.maxConcurrency ?? null,
            cuda_graph_gib: launch.cudaGraphGib ?? null,
            gpu_memory_before_mib: null,
            gpu_memory_after_mib: launch.gpuMemoryAfterMib ?? null,
            failure: r.recorded.status === "failed" ? (r.recorded.reason ?? null) : null,
          },
        }
      : {}),
  };
}

/**
 * Writes the run folder of each recorded experiment whose current figures have none yet
 * (`results/<id>/<run-id>/manifest.json`, the run id from `measuredOn` or the current time). Idempotent; returns the folders written.
 */
export function materialiseRecorded(
  recorded: LoadedRecorded[],
  resultsRoot: string,
  warn?: Warn,
  now = new Date(),
): string[] {
  const runs = listRuns(resultsRoot, warn);
  const written: string[] = [];
  for (const r of recorded) {
    if (runs.some((run) => run.experimentId === r.id && run.manifest.spec_hash === r.specHash)) continue;
    const at = r.recorded.measuredOn ? new Date(`${r.recorded.measuredOn}T00:00:00Z`) : now;
    const runId = newRunId(r.specHash, at);
    const dir = runDir(resultsRoot, r.id, runId);
    mkdirSync(dir, { recursive: true });
    writeManifest(dir, recordedManifest(r, runId, at));
    written.push(dir);
  }
  return written;
}

/** Entries of `results/experiments.json` for recorded experiments (call after materialiseRecorded). */
export function recordedIndexEntries(recorded: LoadedRecorded[], resultsRoot: string, warn?: Warn): ExperimentEntry[] {
  const runs = listRuns(resultsRoot, warn);
  return recorded.map((r) => {
    const run = runs.filter((x) => x.experimentId === r.id && x.manifest.spec_hash === r.specHash).at(-1) ?? null;
    return indexEntry({
      id: r.id,
      file: r.file,
      title: r.recorded.title,
      notes: r.recorded.notes,
      state: r.recorded.status === "failed" ? "failed" : run ? "fresh" : "pending",
      specHash: r.specHash,
      shown: run,
      spec: r.resolvedSpec,
      model: r.recorded.model,
      error: r.recorded.reason,
    });
  });
}
