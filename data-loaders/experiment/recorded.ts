// Recorded experiments: results measured elsewhere (by hand, by `vllm bench serve`, on another
// machine) that the tracker cannot re-run. `experiments/<id>.ts` exports `defineRecorded({...})`;
// the build materialises each as a run folder holding only a manifest (source "recorded", the
// `recorded` aggregates and the tool that measured them), so the store, plan and site treat it
// like any other run; `tracker import` adds requests.parquet when the imported file has rows. A
// recorded experiment is never run; a failed one (e.g. the server never started)
// is a failed recorded run with its reason, a "partial" one a run still going when it was
// reported (with its progress), and a "pending" one a run that was only planned: it gets no run
// folder, and its stated estimates stay estimates.
//
// Beyond the aggregates a record may hold a report's whole history (recorded-history.ts): the
// source of each figure, the figures the report derived itself (`stated`), per-worker rows, the
// answers it quotes, vLLM settings, memory and load facts, failure causes and derived prices.
// Everything but the title and notes is hashed and kept in the manifest's `spec`, where the
// digest reads it back (`storedRecord`).
import { mkdirSync } from "node:fs";
import { z } from "zod";
import { listRuns, type Warn } from "../store/folders.ts";
import { indexEntry } from "../store/index.ts";
import { newRunId, runDir } from "../store/layout.ts";
import { writeManifest } from "../store/manifest.ts";
import type { ExperimentEntry } from "../store/schemas/experiment-index.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import { ROW_SCHEMA_VERSION } from "../store/schemas/request-row.ts";
import { SpecError } from "./errors.ts";
import { hashJson } from "./hash.ts";
import { recordProblems, RATE_TOLERANCE } from "./recorded-checks.ts";
import {
  derivedPriceSchema,
  quoteSchema,
  recordedEstimatesSchema,
  recordedProgressSchema,
  recordedSampleSchema,
  recordedSettingsSchema,
  recordedWorkerSchema,
  sourceSchema,
  statedSchema,
} from "./recorded-history.ts";

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
  /** Extra attempts over all requests. */
  retries: count().optional(),
  /** Σ characters of the successful answers (tokenizer-neutral rates; Unicode code points). */
  answerChars: count().optional(),
  /** Σ words (runs of non-space characters) of the successful answers. */
  answerWords: count().optional(),
});

export const recordedFiguresSchema = figuresObject.superRefine((f, ctx) => {
  for (const [field, message] of contradictions(f)) ctx.addIssue({ code: "custom", path: [field], message });
});

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
  /** Time to download the weights the first time, seconds. */
  downloadTimeS: positive().optional(),
  /** Size of the checkpoint (or model file) on disk, GB. */
  modelSizeGb: positive().optional(),
});

const RECORD_STATUSES = ["complete", "failed", "partial", "pending"] as const;

export const recordedObject = z.strictObject({
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
  /**
   * `failed`: the run did not happen (give `reason`); `partial`: still going when reported (give
   * `progress`); `pending`: planned, never run (give what the report expects in `estimates`).
   */
  status: z.enum(RECORD_STATUSES).default("complete"),
  reason: z.string().min(1).optional(),
  figures: recordedFiguresSchema,
  launch: recordedLaunchSchema.optional(),
  /** vLLM settings the run used (or, when pending, was to use). */
  settings: recordedSettingsSchema.optional(),
  /** Per-worker rows, as the run's log reports them. */
  workers: z.array(recordedWorkerSchema).optional(),
  progress: recordedProgressSchema.optional(),
  /** Answers the report quotes, verbatim. */
  samples: z.array(recordedSampleSchema).optional(),
  /** The report's verdicts on answer quality, verbatim. */
  verdicts: z.array(quoteSchema).optional(),
  /** Why a failed run failed, as the report lists it. */
  causes: z.array(quoteSchema).optional(),
  /** Stated estimates of a pending (or failed) run: never measurements. */
  estimates: recordedEstimatesSchema.optional(),
  /** Figures the report derived (speedups, extrapolations, costs, ratios), recomputed by the tracker. */
  stated: z.array(statedSchema).optional(),
  /** Where each figure of this record is written: path ("figures.durationS") → report line and text. */
  sources: z.record(z.string(), sourceSchema).optional(),
  /** Prices the report's costs imply, derived from a cost it states for this run. */
  prices: z.array(derivedPriceSchema).optional(),
});

export const recordedSchema = recordedObject.superRefine((r, ctx) => {
  for (const [path, message] of recordProblems(r)) ctx.addIssue({ code: "custom", path, message });
});

/** A record as the manifest's `spec.recorded` keeps it: everything but the title and notes. */
export const storedRecordSchema = recordedObject.omit({ title: true, notes: true });
export type StoredRecord = z.output<typeof storedRecordSchema>;

/** The record a recorded run's manifest holds, or null (a run of another source, or a spec this version cannot read). */
export function storedRecord(spec: Record<string, unknown>): StoredRecord | null {
  const parsed = storedRecordSchema.safeParse(spec.recorded);
  return parsed.success ? parsed.data : null;
}

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

/** The manifest's `recorded` aggregates of a record, as `vllm bench serve` names them (null: not recorded). */
export function recordedAggregates(
  r: Pick<StoredRecord, "origin" | "tool" | "figures">,
): NonNullable<Manifest["recorded"]> {
  const f = r.figures;
  return {
    origin: r.origin,
    tool: r.tool?.name ?? null,
    tool_version: r.tool?.version ?? null,
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
  };
}

/** The manifest of a recorded run. */
export function recordedManifest(r: LoadedRecorded, runId: string, at: Date): Manifest {
  const f = r.recorded.figures;
  // Counts are whole numbers in the contract: a complete record that does not state its failures
  // counts every request as done and ok (`recorded.completed` stays null so readers can tell); a
  // failed record (the run did not happen) counts none; a partial one counts what was done.
  const { status } = r.recorded;
  const failed = status === "failed";
  const done = failed ? 0 : (r.recorded.progress?.done ?? f.requests);
  const ok = f.completed ?? done;
  const launch = r.recorded.launch;
  return {
    row_schema_version: ROW_SCHEMA_VERSION,
    tracker_version: "recorded",
    run_id: runId,
    experiment_id: r.id,
    source: "recorded",
    status: status === "pending" ? "complete" : status,
    reason: r.recorded.reason ?? (status === "partial" ? "still running when the report was written" : null),
    spec_hash: r.specHash,
    prompt_hash: "",
    spec: r.resolvedSpec,
    server: { kind: "recorded", endpoint: "", model: r.recorded.model, profile: null },
    started_at: at.toISOString(),
    finished_at: at.toISOString(),
    counts: { requests: f.requests, done, ok, error: done - ok },
    environment: {
      node: "",
      os: "",
      cpu: "",
      host: r.recorded.hardware,
      git_commit: null,
      git_dirty: null,
      gpus: null,
    },
    recorded: recordedAggregates(r.recorded),
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
 * (`results/<id>/<run-id>/manifest.json`, the run id from `measuredOn` or the current time); a
 * pending record (never run) gets none. Idempotent; returns the folders written.
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
    if (r.recorded.status === "pending") continue;
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
      // A partial record is as fresh as its report: nothing resumes it.
      state: r.recorded.status === "failed" ? "failed" : run ? "fresh" : "pending",
      specHash: r.specHash,
      shown: run,
      spec: r.resolvedSpec,
      model: r.recorded.model,
      error: r.recorded.reason,
    });
  });
}

/**
 * References between records that one file cannot check: every experiment a stated figure
 * compares with (`baseline`, `escalateTo`) is loaded, and every price it names is derived by some
 * record. One SpecError per problem, naming the file and field.
 */
export function recordedReferenceErrors(recorded: readonly LoadedRecorded[], ids: ReadonlySet<string>): SpecError[] {
  const prices = new Set<string>();
  const errors: SpecError[] = [];
  for (const r of recorded)
    for (const [i, p] of (r.recorded.prices ?? []).entries()) {
      if (prices.has(p.label))
        errors.push(new SpecError(r.file, `prices.${i}.label`, `another record derives "${p.label}" already`));
      prices.add(p.label);
    }
  for (const r of recorded) {
    for (const [i, s] of (r.recorded.stated ?? []).entries()) {
      const other = "baseline" in s ? s.baseline : "escalateTo" in s ? s.escalateTo : null;
      const key = "baseline" in s ? "baseline" : "escalateTo";
      if (other !== null && !ids.has(other))
        errors.push(
          new SpecError(r.file, `stated.${i}.${key}`, `no experiment "${other}" (no experiments/${other}.ts)`),
        );
      if ("price" in s && !prices.has(s.price))
        errors.push(
          new SpecError(r.file, `stated.${i}.price`, `no record derives a price "${s.price}" (a \`prices\` entry)`),
        );
    }
  }
  return errors;
}
