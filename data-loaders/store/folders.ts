// The run folders `results/<experiment>/<run>/` and the experiment files' ids. Read-only: a
// malformed folder or a foreign file is reported through `warn` and skipped, never fatal and
// never deleted.
import { redactJson } from "../server/url.ts";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { INDEX_FILE, MANIFEST_FILE, PARQUET_FILE } from "./layout.ts";
import { manifestSchema, type Manifest } from "./schemas/manifest.ts";

export type Warn = (message: string) => void;

export const toStderr: Warn = (message) => process.stderr.write(`store: ${message}\n`);

export interface RunFolder {
  experimentId: string;
  runId: string;
  path: string;
  manifest: Manifest;
  /** `requests.parquet`, or null while the run has not been finalised. */
  requestsPath: string | null;
}

/**
 * Every well-formed run folder `results/<experiment>/<run>/`, by experiment then start time.
 * Shard runs (manifest `shard`) are not an experiment's run until merged: left out with a
 * warning unless `shards` (the shard runs' own folder, results/.shards/).
 */
export function listRuns(dir: string, warn: Warn = toStderr, opts: { shards?: boolean } = {}): RunFolder[] {
  if (!existsSync(dir)) return [];
  const runs: RunFolder[] = [];
  for (const experimentId of visibleEntries(dir)) {
    const experimentPath = join(dir, experimentId);
    if (!isDirectory(experimentPath)) {
      if (experimentId !== INDEX_FILE) warn(`foreign file ${experimentPath}; skipped`);
      continue;
    }
    for (const runId of visibleEntries(experimentPath)) {
      const run = readRunFolder(join(experimentPath, runId), experimentId, warn);
      if (run?.manifest.shard && !opts.shards)
        warn(`${run.path} is a shard run, not the experiment's until \`tracker merge\` joins its shards; skipped`);
      else if (run) runs.push(run);
    }
  }
  return runs.sort(
    (a, b) =>
      a.experimentId.localeCompare(b.experimentId) || a.manifest.started_at.localeCompare(b.manifest.started_at),
  );
}

/** The run folder at `path` of experiment `experimentId`, or null (with a warning) when it is malformed. */
export function readRunFolder(path: string, experimentId: string, warn: Warn = toStderr): RunFolder | null {
  if (!isDirectory(path)) {
    warn(`foreign file ${path}; skipped`);
    return null;
  }
  const manifestPath = join(path, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    warn(`${path} has no ${MANIFEST_FILE}; skipped`);
    return null;
  }
  const parsed = manifestSchema.safeParse(readJson(manifestPath, warn));
  if (!parsed.success) {
    warn(`${manifestPath} is not a valid manifest; skipped (${parsed.error.issues[0]?.message})`);
    return null;
  }
  const manifest = redactJson(parsed.data);
  const runId = basename(path);
  if (manifest.run_id !== runId || manifest.experiment_id !== experimentId) {
    warn(`${manifestPath} names run ${manifest.experiment_id}/${manifest.run_id}, not its folder; skipped`);
    return null;
  }
  const requestsPath = join(path, PARQUET_FILE);
  return { experimentId, runId, path, manifest, requestsPath: existsSync(requestsPath) ? requestsPath : null };
}

/** The run folder an index entry points at, or null when it has none or it is malformed. */
export function findRun(
  dir: string,
  experimentId: string,
  runId: string | null,
  warn: Warn = toStderr,
): RunFolder | null {
  if (runId === null) return null;
  const path = join(dir, experimentId, runId);
  if (!existsSync(path)) {
    warn(`run folder ${path} named in ${INDEX_FILE} is missing`);
    return null;
  }
  return readRunFolder(path, experimentId, warn);
}

/** Experiment ids from the file names `experiments/<id>.ts`. */
export function experimentFileIds(experimentsDir: string): string[] {
  if (!existsSync(experimentsDir)) return [];
  return readdirSync(experimentsDir)
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .map((name) => name.slice(0, -".ts".length))
    .sort();
}

/** A JSON file's content, or undefined (with a warning) when it cannot be read or parsed. */
export function readJson(path: string, warn: Warn): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    warn(`cannot read ${path}: ${(error as Error).message}`);
    return undefined;
  }
}

function visibleEntries(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !name.startsWith("."))
    .sort();
}

function isDirectory(path: string): boolean {
  return statSync(path).isDirectory();
}
