// Where things live in the results folder.
import { join, resolve } from "node:path";

/** The results folder as an absolute path: $TRACKER_RESULTS or ./results, against the working directory. */
export function resultsDir(): string {
  return resolve(process.env.TRACKER_RESULTS ?? "results");
}

/** The experiment files' folder: $TRACKER_EXPERIMENTS or ./experiments (relative to the project). */
export function experimentsFolder(): string {
  return process.env.TRACKER_EXPERIMENTS ?? "experiments";
}

export function runDir(root: string, experimentId: string, runId: string): string {
  return join(root, experimentId, runId);
}

export const JOURNAL_FILE = "journal.jsonl";
export const PARQUET_FILE = "requests.parquet";
export const MANIFEST_FILE = "manifest.json";
export const INDEX_FILE = "experiments.json";

/** A sortable run id: UTC start time plus the first 8 hex digits of the spec hash. */
export function newRunId(specHash: string, at = new Date()): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")
    .replace("T", "-");
  return `${stamp}-${specHash.slice(0, 8)}`;
}

/** Where shard runs (`tracker run <id> --shard i/n`) are kept until merged: hidden from the site and every report. */
export function shardsRoot(root: string): string {
  return join(root, ".shards");
}
