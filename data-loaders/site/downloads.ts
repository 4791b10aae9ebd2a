// The download files: each run's rows as Parquet or CSV, its quality files (quality.parquet and
// pairwise.parquet: answers scored, checked and judged) as Parquet, and a DuckDB database of all
// runs (tables requests, quality, pairwise, runs), with answers and the judge's reasons as the
// report publishes them (report/publish.ts).
//
// `tracker build` writes them once per change into a cache (writeDownloads; keyed by the run's
// files, its publish mode and this module's code, see site/cache.ts) and links them into the
// built site after `observable build`, so the build runs no loader per run. The loaders under
// src/data/downloads/ serve the same files in `npm run dev` (exportRunToStdout, allRunsToStdout).
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { inPool } from "../pool.ts";
import { exportRun } from "../store/columns.ts";
import { sqlString } from "../store/duckdb.ts";
import { findRun, listRuns, type RunFolder } from "../store/folders.ts";
import { resultsDir } from "../store/layout.ts";
import { QUALITY_FILES, type QualityFileKind } from "../store/quality.ts";
import { pairwiseRowSchema, qualityRowSchema } from "../store/schemas/quality.ts";
import { duckdbColumns } from "../store/schemas/request-row.ts";
import { redactedColumns, redactSql } from "../report/publish.ts";
import { reportSettings, type PublishAnswers } from "../report/settings.ts";
import { EXPERIMENTS_DIR } from "../report/store.ts";
import { allRunsDownloadKey, runDownloadKey } from "./cache.ts";

/**
 * Where a download lives in the site: `_file/data/downloads/<experiment>/<run>.<format>` and
 * `_file/data/downloads/all-runs.duckdb`: where Framework's preview serves the loaders under
 * src/data/downloads/, so the pages' links work in `npm run dev` and in the built site alike.
 */
export const DOWNLOADS_PATH = "_file/data/downloads";
export const ALL_RUNS_FILE = "all-runs.duckdb";

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

/** A run's quality files, by download folder: each is downloaded when the run has it. */
const QUALITY_DOWNLOADS = QUALITY_FILES;
type QualityDownload = QualityFileKind;

/** The judge's reasons are model output: published like the answers. */
const judgeReasons = (kind: QualityDownload, publish: PublishAnswers): Record<string, string> =>
  publish === "full"
    ? {}
    : Object.fromEntries(
        (kind === "quality" ? ["judge_reason"] : ["this_first_reason", "other_first_reason"]).map((c) => [
          c,
          redactSql(c, publish),
        ]),
      );

/** The SELECT of a quality file with the judge's reasons published as `publish` says. */
function qualitySelect(path: string, kind: QualityDownload, publish: PublishAnswers): string {
  const replace = Object.entries(judgeReasons(kind, publish)).map(([c, expr]) => `${expr} AS "${c}"`);
  return `SELECT ${replace.length ? `* REPLACE (${replace.join(", ")})` : "*"} FROM read_parquet(${sqlString(path)})`;
}

/** One run's quality file `kind` at `path`. */
export async function writeQualityDownload(
  run: RunFolder,
  kind: QualityDownload,
  publish: PublishAnswers,
  path: string,
): Promise<void> {
  const source = join(run.path, QUALITY_DOWNLOADS[kind]);
  if (!existsSync(source))
    throw new Error(`downloads: no ${QUALITY_DOWNLOADS[kind]} for ${run.experimentId}/${run.runId}`);
  if (publish === "full") return copyFileSync(source, path);
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  try {
    await con.run(
      `COPY (${qualitySelect(source, kind, publish)}) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`,
    );
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/** Every run's quality file `kind` in one table of the database, with the experiment id (empty with the schema's columns when none has one). */
async function createQualityTable(
  con: Awaited<ReturnType<DuckDBInstance["connect"]>>,
  runs: RunFolder[],
  kind: QualityDownload,
  publishOf: (experimentId: string) => PublishAnswers,
): Promise<void> {
  const schema = kind === "quality" ? qualityRowSchema : pairwiseRowSchema;
  const empty = `SELECT NULL::VARCHAR AS experiment_id, ${Object.entries(duckdbColumns(schema))
    .map(([name, type]) => `NULL::${type} AS "${name}"`)
    .join(", ")} LIMIT 0`;
  const selects = runs
    .filter((r) => existsSync(join(r.path, QUALITY_DOWNLOADS[kind])))
    .map(
      (r) =>
        `SELECT ${sqlString(r.experimentId)} AS experiment_id, * FROM (${qualitySelect(join(r.path, QUALITY_DOWNLOADS[kind]), kind, publishOf(r.experimentId))})`,
    );
  await con.run(`CREATE TABLE ${kind} AS ${[empty, ...selects].map((q) => `(${q})`).join(" UNION ALL BY NAME ")}`);
}

/**
 * Every run with rows in one table `requests`, every run's quality files in `quality` and
 * `pairwise` (join on experiment_id, run_id, request_index), and one row per run (with its
 * manifest) in `runs`.
 */
export async function writeAllRunsDatabase(
  runs: RunFolder[],
  publishOf: (experimentId: string) => PublishAnswers,
  path: string,
): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const con = await instance.connect();
  try {
    // Every column with its type, even where no run has it yet (no rows: it only sets the schema).
    const schema = `SELECT ${Object.entries(duckdbColumns())
      .map(([name, type]) => `NULL::${type} AS "${name}"`)
      .join(", ")} LIMIT 0`;
    const selects = runs
      .filter((r) => r.requestsPath)
      .map((run) => {
        const replace = Object.entries(redactedColumns(publishOf(run.experimentId))).map(
          ([c, expr]) => `${expr} AS "${c}"`,
        );
        return `SELECT ${replace.length ? `* REPLACE (${replace.join(", ")})` : "*"} FROM read_parquet(${sqlString(run.requestsPath!)})`;
      });
    // One statement, so DuckDB reads the files in parallel; BY NAME: a run stored before a column
    // existed gets nulls there.
    await con.run(`CREATE TABLE requests AS ${[schema, ...selects].map((q) => `(${q})`).join(" UNION ALL BY NAME ")}`);
    for (const kind of Object.keys(QUALITY_DOWNLOADS) as QualityDownload[])
      await createQualityTable(con, runs, kind, publishOf);
    await con.run(
      `CREATE TABLE runs (experiment_id VARCHAR, run_id VARCHAR, source VARCHAR, status VARCHAR, model VARCHAR, started_at VARCHAR, manifest JSON)`,
    );
    for (const run of runs) {
      const m = run.manifest;
      await con.run(`INSERT INTO runs VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
        m.experiment_id,
        m.run_id,
        m.source,
        m.status,
        m.server.model,
        m.started_at,
        JSON.stringify(m),
      ]);
    }
  } finally {
    con.closeSync();
    instance.closeSync();
  }
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
  const files: DownloadFile[] = [];
  const keys: string[] = [];
  const writes: (() => Promise<void>)[] = [];
  for (const run of withRows) {
    const key = runDownloadKey(run, publishOf(run.experimentId));
    keys.push(`${run.experimentId}/${run.runId}:${key}`);
    for (const format of ["parquet", "csv"] as const) {
      const cached = `${run.experimentId}/${run.runId}.${key}.${format}`;
      files.push({ path: `${run.experimentId}/${run.runId}.${format}`, cached });
      writes.push(() =>
        cacheFile(cacheDir, cached, (path) => writeRunDownload(run, format, publishOf(run.experimentId), path)),
      );
    }
    for (const kind of Object.keys(QUALITY_DOWNLOADS) as QualityDownload[]) {
      if (!existsSync(join(run.path, QUALITY_DOWNLOADS[kind]))) continue;
      const cached = `${run.experimentId}/${kind}/${run.runId}.${key}.parquet`;
      files.push({ path: `${run.experimentId}/${kind}/${run.runId}.parquet`, cached });
      writes.push(() =>
        cacheFile(cacheDir, cached, (path) => writeQualityDownload(run, kind, publishOf(run.experimentId), path)),
      );
    }
  }
  // Two at a time: DuckDB writes one CSV mostly on one thread.
  await inPool(writes, 2, (write) => write());
  const allKey = allRunsDownloadKey(
    keys,
    runs.map((r) => r.manifest),
  );
  const allCached = `${ALL_RUNS_FILE.replace(/\.duckdb$/, "")}.${allKey}.duckdb`;
  files.push({ path: ALL_RUNS_FILE, cached: allCached });
  await cacheFile(cacheDir, allCached, (path) => writeAllRunsDatabase(runs, publishOf, path));
  removeStale(cacheDir, new Set(files.map((f) => f.cached)));
  return files;
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
  const partial = join(dirname(path), `.partial-${process.pid}-${name.split("/").at(-1)}`);
  rmSync(partial, { force: true });
  try {
    await write(partial);
    renameSync(partial, path);
  } finally {
    rmSync(partial, { force: true });
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
    process.stdout.write(readFileSync(path));
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
  await toStdout(ALL_RUNS_FILE, (path) => writeAllRunsDatabase(runs, (id) => modes.get(id) ?? "full", path));
}

/** Loader (npm run dev): `--experiment=<id> --run=<run id>` → the run's quality file `kind` on stdout. */
export async function exportQualityToStdout(kind: QualityDownload): Promise<void> {
  const { values } = parseArgs({ options: { experiment: { type: "string" }, run: { type: "string" } } });
  const run = findRun(resultsDir(), values.experiment ?? "", values.run ?? null);
  if (!run) throw new Error(`downloads: no run ${values.experiment}/${values.run}`);
  const { publish } = await reportSettings(EXPERIMENTS_DIR, run.experimentId);
  await toStdout(`${kind}.parquet`, (path) => writeQualityDownload(run, kind, publish, path));
}
