// The download files: each run's rows as Parquet, and as CSV up to a row limit (site/download-files.ts
// CSV_ROW_LIMIT; `tracker export csv` writes the CSV of a larger run), its quality files
// (quality.parquet and pairwise.parquet: answers scored, checked and judged) as Parquet, and a
// DuckDB database of all runs (site/all-runs.ts), with answers and the judge's reasons as the
// report publishes them (report/publish.ts).
//
// `tracker build` writes them once per change into a cache (writeDownloads; keyed by the run's
// files, its publish mode and this module's code, see site/cache.ts) and links them into the
// built site after `observable build`, so the build runs no loader per run. The database of all
// runs is updated from the previous one in the cache when that is worth it (site/all-runs.ts).
// The loaders under src/data/downloads/ serve the same files in `npm run dev` (exportRunToStdout,
// allRunsToStdout).
import {
  copyFileSync,
  createReadStream,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { inPool } from "../pool.ts";
import { query, sqlString } from "../store/duckdb.ts";
import { exportRun } from "../store/columns.ts";
import { findRun, listRuns, type RunFolder } from "../store/folders.ts";
import { resultsDir } from "../store/layout.ts";
import { QUALITY_FILES, type QualityFileKind } from "../store/quality.ts";
import { redactedColumns } from "../report/publish.ts";
import { reportSettings, type PublishAnswers } from "../report/settings.ts";
import { EXPERIMENTS_DIR } from "../report/store.ts";
import {
  ALL_RUNS_FILE,
  allRunsCacheName,
  contentsFile,
  previousDatabase,
  qualitySelect,
  writeAllRuns,
  writeAllRunsDatabase,
  type PublishOf,
} from "./all-runs.ts";
import { allRunsDownloadKey, runDownloadKey } from "./cache.ts";
import { runDownloads } from "./download-files.ts";

export { ALL_RUNS_FILE };

/**
 * Where a download lives in the site: `_file/data/downloads/<experiment>/<run>.<format>` and
 * `_file/data/downloads/all-runs.duckdb`: where Framework's preview serves the loaders under
 * src/data/downloads/, so the pages' links work in `npm run dev` and in the built site alike.
 */
export const DOWNLOADS_PATH = "_file/data/downloads";

/** One run's rows as `format` at `path`; a run published in full is its stored Parquet file. */
export async function writeRunDownload(
  run: RunFolder,
  format: "parquet" | "csv",
  publish: PublishAnswers,
  path: string,
): Promise<void> {
  if (!run.requestsPath) throw new Error(`downloads: no requests.parquet for ${run.experimentId}/${run.runId}`);
  if (format === "parquet" && publish === "full") return copyFileSync(run.requestsPath, path);
  await exportRun(run.requestsPath, path, format, redactedColumns(publish));
}

/** One run's quality file `kind` at `path`. */
export async function writeQualityDownload(
  run: RunFolder,
  kind: QualityFileKind,
  publish: PublishAnswers,
  path: string,
): Promise<void> {
  const source = join(run.path, QUALITY_FILES[kind]);
  if (!existsSync(source)) throw new Error(`downloads: no ${QUALITY_FILES[kind]} for ${run.experimentId}/${run.runId}`);
  if (publish === "full") return copyFileSync(source, path);
  await query(
    `COPY (${qualitySelect(source, kind, publish)}) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`,
    {},
  );
}

/** The publish mode of every experiment that has runs. */
async function publishModes(runs: RunFolder[], experimentsDir: string): Promise<Map<string, PublishAnswers>> {
  const modes = new Map<string, PublishAnswers>();
  for (const id of new Set(runs.map((r) => r.experimentId)))
    modes.set(id, (await reportSettings(experimentsDir, id)).publish);
  return modes;
}

/** A download file: its path under DOWNLOADS_PATH and its name in the cache (which holds the content key). */
export interface DownloadFile {
  path: string;
  cached: string;
  /** For the database of all runs written in this call: "updated", or "written whole: <why>". */
  written?: string;
}

/**
 * Writes every download that is not in `cacheDir` yet (a cached file's name holds the key of its
 * inputs: the code, the run's files and publish mode, or all of them for the database) and removes
 * cached files no longer current. Returns the current files.
 */
export async function writeDownloads(
  resultsRoot: string,
  experimentsDir: string,
  cacheDir: string,
): Promise<DownloadFile[]> {
  const runs = listRuns(resultsRoot);
  const withRows = runs.filter((r) => r.requestsPath !== null);
  if (withRows.length === 0) {
    rmSync(cacheDir, { recursive: true, force: true });
    return [];
  }
  const modes = await publishModes(runs, experimentsDir);
  const publishOf = (id: string) => modes.get(id) ?? "full";
  const keys = new Map(runs.map((r) => [r, runDownloadKey(r, publishOf(r.experimentId))]));
  const keyOf = (r: RunFolder) => keys.get(r)!;
  const { files, writes } = runFiles(withRows, keyOf, publishOf, cacheDir);
  // Two at a time: DuckDB writes one CSV mostly on one thread.
  await inPool(writes, 2, (write) => write());
  const allKey = allRunsDownloadKey(
    withRows.map((r) => `${r.experimentId}/${r.runId}:${keyOf(r)}`),
    runs.map((r) => r.manifest),
  );
  files.push(await allRunsFile(cacheDir, allRunsCacheName(allKey), runs, publishOf));
  removeStale(cacheDir, new Set([...files.map((f) => f.cached), contentsFile(allRunsCacheName(allKey))]));
  return files;
}

/** Each run's download files and the writes of those not cached yet: Parquet, CSV up to the row limit, quality files. */
function runFiles(runs: RunFolder[], keyOf: (r: RunFolder) => string, publishOf: PublishOf, cacheDir: string) {
  const files: DownloadFile[] = [];
  const writes: (() => Promise<void>)[] = [];
  const add = (path: string, cached: string, write: (path: string) => Promise<void>) => {
    files.push({ path, cached });
    writes.push(() => cacheFile(cacheDir, cached, write));
  };
  for (const run of runs) {
    const [key, publish, downloads] = [keyOf(run), publishOf(run.experimentId), runDownloads(run)!];
    const { experimentId: exp, runId } = run;
    for (const format of downloads.csv ? (["parquet", "csv"] as const) : (["parquet"] as const))
      add(`${exp}/${runId}.${format}`, `${exp}/${runId}.${key}.${format}`, (path) =>
        writeRunDownload(run, format, publish, path),
      );
    for (const kind of downloads.quality)
      add(`${exp}/${kind}/${runId}.parquet`, `${exp}/${kind}/${runId}.${key}.parquet`, (path) =>
        writeQualityDownload(run, kind, publish, path),
      );
  }
  return { files, writes };
}

/** The database of all runs, cached as `cached` with its record beside it: updated from the previous one when it can be. */
async function allRunsFile(
  cacheDir: string,
  cached: string,
  runs: RunFolder[],
  publishOf: PublishOf,
): Promise<DownloadFile> {
  const file: DownloadFile = { path: ALL_RUNS_FILE, cached };
  await cacheFile(cacheDir, cached, async (partial) => {
    const written = await writeAllRuns(runs, publishOf, partial, previousDatabase(cacheDir, cached));
    file.written = written.updated ? "updated" : `written whole: ${written.why}`;
    // The record is in place before the database it describes (renamed into place after this).
    const record = join(cacheDir, contentsFile(cached));
    if (!written.contents) return rmSync(record, { force: true });
    writeFileSync(`${record}.${process.pid}`, JSON.stringify(written.contents));
    renameSync(`${record}.${process.pid}`, record);
  });
  return file;
}

/** Places the cached downloads in a built site (hard links; copies where linking fails). */
export function placeDownloads(cacheDir: string, files: DownloadFile[], siteDir: string): void {
  for (const file of files) {
    const target = join(siteDir, DOWNLOADS_PATH, file.path);
    mkdirSync(dirname(target), { recursive: true });
    rmSync(target, { force: true });
    try {
      linkSync(join(cacheDir, file.cached), target);
    } catch {
      copyFileSync(join(cacheDir, file.cached), target);
    }
  }
}

/** Writes `name` in `cacheDir` unless it is there; a temporary name until complete. */
async function cacheFile(cacheDir: string, name: string, write: (path: string) => Promise<void>): Promise<void> {
  const path = join(cacheDir, name);
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  await writeComplete(path, write);
}

/** Writes the file at `path` under a temporary name beside it, renamed into place when complete (a failure leaves nothing). */
async function writeComplete(path: string, write: (partial: string) => Promise<void>): Promise<void> {
  const partial = join(dirname(path), `.partial-${process.pid}-${basename(path)}`);
  rmSync(partial, { force: true });
  try {
    await write(partial);
    renameSync(partial, path);
  } finally {
    // A DuckDB database also leaves its write-ahead log when it fails.
    for (const p of [partial, `${partial}.wal`]) rmSync(p, { force: true });
  }
}

function removeStale(cacheDir: string, current: Set<string>): void {
  for (const entry of readdirSync(cacheDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const rel = join(entry.parentPath, entry.name).slice(cacheDir.length + 1);
    if (!current.has(rel)) rmSync(join(cacheDir, rel), { force: true });
  }
}

async function toStdout(name: string, write: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tracker-download-"));
  try {
    const path = join(dir, name);
    await write(path);
    // Streamed: a run's CSV can be larger than a Node buffer.
    await pipeline(createReadStream(path), process.stdout, { end: false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Loader (npm run dev): `--experiment=<id> --run=<run id>` → the run's rows on stdout. */
export async function exportRunToStdout(format: "parquet" | "csv"): Promise<void> {
  const { values } = parseArgs({ options: { experiment: { type: "string" }, run: { type: "string" } } });
  const run = findRun(resultsDir(), values.experiment ?? "", values.run ?? null);
  if (!run?.requestsPath) throw new Error(`downloads: no requests.parquet for ${values.experiment}/${values.run}`);
  const { publish } = await reportSettings(EXPERIMENTS_DIR, run.experimentId);
  await toStdout(`run.${format}`, (path) => writeRunDownload(run, format, publish, path));
}

/** Loader (npm run dev): the database of all runs on stdout. */
export async function allRunsToStdout(): Promise<void> {
  const runs = listRuns(resultsDir());
  const modes = await publishModes(runs, EXPERIMENTS_DIR);
  await toStdout(ALL_RUNS_FILE, async (path) => {
    await writeAllRunsDatabase(runs, (id) => modes.get(id) ?? "full", path);
  });
}

/** Loader (npm run dev): `--experiment=<id> --run=<run id>` → the run's quality file `kind` on stdout. */
export async function exportQualityToStdout(kind: QualityFileKind): Promise<void> {
  const { values } = parseArgs({ options: { experiment: { type: "string" }, run: { type: "string" } } });
  const run = findRun(resultsDir(), values.experiment ?? "", values.run ?? null);
  if (!run) throw new Error(`downloads: no run ${values.experiment}/${values.run}`);
  const { publish } = await reportSettings(EXPERIMENTS_DIR, run.experimentId);
  await toStdout(`${kind}.parquet`, (path) => writeQualityDownload(run, kind, publish, path));
}

/**
 * `tracker export csv`: a run's rows as CSV, exactly as the site's CSV download (answers as the
 * run's experiment publishes them), at `out` (complete or not at all) or on standard output.
 */
export async function exportRunCsv(run: RunFolder, experimentsDir: string, out?: string): Promise<void> {
  const { publish } = await reportSettings(experimentsDir, run.experimentId);
  const write = (path: string) => writeRunDownload(run, "csv", publish, path);
  return out ? writeComplete(out, write) : toStdout("run.csv", write);
}
