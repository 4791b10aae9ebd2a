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
// digest reads it back (recorded-schema.ts `storedRecord`).
import { mkdirSync } from "node:fs";
import { listRuns, type Warn } from "../store/folders.ts";
import { indexEntry } from "../store/index.ts";
import { newRunId, runDir } from "../store/layout.ts";
import { writeManifest } from "../store/manifest.ts";
import type { ExperimentEntry } from "../store/schemas/experiment-index.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import { ROW_SCHEMA_VERSION } from "../store/schemas/request-row.ts";
import { SpecError } from "./errors.ts";
import { hashJson } from "./hash.ts";
import { recordedAggregates, type Recorded, type RecordedInput } from "./recorded-schema.ts";

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
