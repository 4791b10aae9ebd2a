// The download all-runs.duckdb: every run's rows in one DuckDB database, tables `requests` (the
// runs' requests.parquet), `quality` and `pairwise` (their quality files, with the experiment id)
// and `runs` (one row per run, with its manifest), with answers and the judge's reasons as the
// report publishes them (report/publish.ts).
//
// Written whole the first time. After that `tracker build` updates the previous database (from
// the cache, site/downloads.ts) instead of writing 10M rows again for one new run: a copy of it,
// under a partial name, loses in each table the rows of the runs that are gone or changed there (a
// run's rows in a table change with the file they come from, its publish mode or this code:
// site/cache.ts tableDownloadKey; a re-scored run changes only its quality rows), gets the rows of
// the new and changed ones, and its `runs` table rewritten. What a database holds — per run and
// table, its rows and their key — is recorded beside it in the cache (`Contents`), so the next
// build knows what to change. The update ends with the same rows in every table and the same
// schema as a whole write; that is checked before the copy is kept, and a whole write is made
// instead when:
// - there is no previous database, or its record or file cannot be read;
// - more than MAX_DELETED_SHARE of its rows would be deleted (the update would rewrite most of it);
// - the schema a whole write would give differs (a run stored with another column type);
// - a table's rows per run differ from the runs' files (rows whose ids are not their folder's);
// - more than MAX_FREE_SHARE of the file (and more than MIN_FREE_BYTES) would be free blocks:
//   DuckDB frees the blocks of deleted rows at a CHECKPOINT and reuses them for later inserts (so
//   the deletes are checkpointed before the inserts), but never shrinks the file, which would
//   carry them as dead space (runs removed, or replaced by smaller ones).
import { constants, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { z } from "zod";
import { sqlString } from "../store/duckdb.ts";
import type { RunFolder } from "../store/folders.ts";
import { parquetRowCount } from "../store/parquet-rows.ts";
import { QUALITY_FILES, type QualityFileKind } from "../store/quality.ts";
import { pairwiseRowSchema, qualityRowSchema } from "../store/schemas/quality.ts";
import { tableDownloadKey } from "./cache.ts";
import { duckdbColumns } from "../store/schemas/request-row.ts";
import { redactedColumns, redactSql } from "../report/publish.ts";
import type { PublishAnswers } from "../report/settings.ts";

export type PublishOf = (experimentId: string) => PublishAnswers;

/** An update deleting more than this share of the previous database's rows is a whole write instead. */
export const MAX_DELETED_SHARE = 0.5;
/**
 * A database with more free blocks after an update than this share of its file, and more than
 * MIN_FREE_BYTES of them (less is not worth a whole write), is written whole instead.
 */
export const MAX_FREE_SHARE = 0.2;
export const MIN_FREE_BYTES = 16 * 1024 * 1024;

/** The tables that hold rows of a run's files (`runs` holds one row per run and is always rewritten). */
export const ROW_TABLES = ["requests", ...(Object.keys(QUALITY_FILES) as QualityFileKind[])] as const;
export type RowTable = (typeof ROW_TABLES)[number];

// ---- What each table holds of a run ----

/** The judge's reasons are model output: published like the answers. */
const judgeReasons = (kind: QualityFileKind, publish: PublishAnswers): Record<string, string> =>
  publish === "full"
    ? {}
    : Object.fromEntries(
        (kind === "quality" ? ["judge_reason"] : ["this_first_reason", "other_first_reason"]).map((c) => [
          c,
          redactSql(c, publish),
        ]),
      );

/** The SELECT of a quality file with the judge's reasons published as `publish` says. */
export function qualitySelect(path: string, kind: QualityFileKind, publish: PublishAnswers): string {
  const replace = Object.entries(judgeReasons(kind, publish)).map(([c, expr]) => `${expr} AS "${c}"`);
  return `SELECT ${replace.length ? `* REPLACE (${replace.join(", ")})` : "*"} FROM read_parquet(${sqlString(path)})`;
}

/** The stored file whose rows `table` holds for `run`; null when the run has none. */
export function sourceFile(run: RunFolder, table: RowTable): string | null {
  if (table === "requests") return run.requestsPath;
  const path = join(run.path, QUALITY_FILES[table]);
  return existsSync(path) ? path : null;
}

/** The rows of `run` in `table`, as published; null when the run has none. */
function runRowsSelect(run: RunFolder, table: RowTable, publish: PublishAnswers): string | null {
  const source = sourceFile(run, table);
  if (!source) return null;
  if (table === "requests") return requestsSelect([source], publish);
  return `SELECT ${sqlString(run.experimentId)} AS experiment_id, * FROM (${qualitySelect(source, table, publish)})`;
}

/**
 * The rows of the requests files `sources` (of runs published alike), as published, in one read
 * (union_by_name: a run stored before a column existed gets nulls there).
 */
function requestsSelect(sources: string[], publish: PublishAnswers): string {
  const replace = Object.entries(redactedColumns(publish)).map(([c, expr]) => `${expr} AS "${c}"`);
  const files = `[${sources.map(sqlString).join(", ")}]`;
  return `SELECT ${replace.length ? `* REPLACE (${replace.join(", ")})` : "*"} FROM read_parquet(${files}, union_by_name = true)`;
}

/** No rows, every column of `table` with its type: the schema even where no run has a column yet. */
function emptySelect(table: RowTable): string {
  const columns =
    table === "requests" ? duckdbColumns() : duckdbColumns(table === "quality" ? qualityRowSchema : pairwiseRowSchema);
  const typed = Object.entries(columns).map(([name, type]) => `NULL::${type} AS "${name}"`);
  return `SELECT ${table === "requests" ? "" : "NULL::VARCHAR AS experiment_id, "}${typed.join(", ")} LIMIT 0`;
}

/**
 * Every run's rows of `table` in one statement, BY NAME: a run stored before a column existed gets
 * nulls there. The requests files of the runs published alike are one read: DuckDB then reads them
 * in parallel, where a UNION of one read per run spends more CPU on two threads (measured on
 * 20 runs of 50K rows: 8.5 vs 5.4 CPU-s; the same on 10 runs of 1M rows).
 */
function wholeSelect(table: RowTable, runs: RunFolder[], publishOf: PublishOf): string {
  const selects: string[] = [];
  if (table === "requests") {
    const byPublish = new Map<PublishAnswers, string[]>();
    for (const run of runs.filter((r) => r.requestsPath !== null)) {
      const publish = publishOf(run.experimentId);
      if (!byPublish.has(publish)) byPublish.set(publish, []);
      byPublish.get(publish)!.push(run.requestsPath!);
    }
    for (const [publish, files] of byPublish) selects.push(requestsSelect(files, publish));
  } else {
    for (const run of runs) {
      const select = runRowsSelect(run, table, publishOf(run.experimentId));
      if (select) selects.push(select);
    }
  }
  return [emptySelect(table), ...selects].map((q) => `(${q})`).join(" UNION ALL BY NAME ");
}

async function writeRunsTable(con: DuckDBConnection, runs: RunFolder[]): Promise<void> {
  await con.run(
    `CREATE TABLE IF NOT EXISTS runs (experiment_id VARCHAR, run_id VARCHAR, source VARCHAR, status VARCHAR, model VARCHAR, started_at VARCHAR, manifest JSON)`,
  );
  await con.run("DELETE FROM runs");
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
}

/**
 * The memory limit of the DuckDB that writes the database. Measured on 10 runs of 1M rows (the
 * downloads written whole, twice each): 24.8 and 28.1 s with the process at 0.70 GB at 512MB,
 * 25.2 and 26.0 s at 1.18 GB at 1GB; 2GB is no faster and takes 1.8 GB. The build's digests and
 * loaders run beside it, and the whole build is to stay within 2 GB.
 */
const WRITER_MEMORY = "512MB";

/** Opens the database at `path` with WRITER_MEMORY, spilling to a folder of its own. */
async function withDatabase<T>(path: string, task: (con: DuckDBConnection) => Promise<T>): Promise<T> {
  const spill = mkdtempSync(join(tmpdir(), "tracker-all-runs-"));
  // A table's rows have no order (an update appends a changed run's rows after the others), so
  // DuckDB need not keep the files' order while writing them: on 20 runs of 50K rows, 5.4 instead
  // of 7.1 CPU-s (the same on 10 runs of 1M rows).
  const instance = await DuckDBInstance.create(path, {
    memory_limit: WRITER_MEMORY,
    temp_directory: spill,
    preserve_insertion_order: "false",
  });
  const con = await instance.connect();
  try {
    return await task(con);
  } finally {
    con.closeSync();
    instance.closeSync();
    rmSync(spill, { recursive: true, force: true });
  }
}

// ---- What a database holds ----

const perTable = <T extends z.ZodType>(type: T) =>
  z.object(Object.fromEntries(ROW_TABLES.map((t) => [t, type])) as Record<RowTable, T>);
const contentsSchema = z.object({
  runs: z.array(
    z.object({
      experimentId: z.string(),
      runId: z.string(),
      /** The key of its rows in each table (site/cache.ts tableDownloadKey). */
      keys: perTable(z.string()),
      rows: perTable(z.number().int().min(0)),
    }),
  ),
});
/** What a database of all runs holds: per run and table, its rows and their key. */
export type Contents = z.infer<typeof contentsSchema>;

/** The key of a run's rows in each table. */
const keysOf = (run: RunFolder, publishOf: PublishOf) =>
  Object.fromEntries(
    ROW_TABLES.map((t) => [t, tableDownloadKey(sourceFile(run, t), publishOf(run.experimentId))]),
  ) as Record<RowTable, string>;

/** A run's id in a database: its folder's experiment and run id, as its rows carry them. */
const idOf = (r: { experimentId: string; runId: string }) => `${r.experimentId}/${r.runId}`;

/** The record of a database written earlier; null when it is missing or not one. */
export function readContents(path: string): Contents | null {
  try {
    return contentsSchema.parse(JSON.parse(readFileSync(path, "utf8")));
  } catch {
    return null;
  }
}

/**
 * What the database holds, when each table holds exactly the rows of each run's file (counted
 * from the files' footers) under the run's ids; null otherwise.
 */
async function contentsOf(con: DuckDBConnection, runs: RunFolder[], publishOf: PublishOf) {
  const counts = new Map<string, number>();
  for (const table of ROW_TABLES) {
    const read = await con.runAndReadAll(
      `SELECT experiment_id, run_id, count(*)::BIGINT AS n FROM ${table} GROUP BY ALL`,
    );
    for (const row of read.getRowObjectsJS()) counts.set(`${table}:${row.experiment_id}/${row.run_id}`, Number(row.n));
  }
  const contents: Contents = { runs: [] };
  for (const run of runs) {
    const rows = {} as Record<RowTable, number>;
    for (const table of ROW_TABLES) {
      const source = sourceFile(run, table);
      rows[table] = source ? parquetRowCount(source) : 0;
      if ((counts.get(`${table}:${idOf(run)}`) ?? 0) !== rows[table]) return null;
      counts.delete(`${table}:${idOf(run)}`);
    }
    contents.runs.push({ experimentId: run.experimentId, runId: run.runId, keys: keysOf(run, publishOf), rows });
  }
  // Rows under ids no run folder has.
  return counts.size === 0 ? contents : null;
}

/** Writes the database of all runs at `path` from scratch; returns what it holds (null when its rows do not match the runs' files). */
export async function writeAllRunsDatabase(
  runs: RunFolder[],
  publishOf: PublishOf,
  path: string,
): Promise<Contents | null> {
  return withDatabase(path, async (con) => {
    for (const table of ROW_TABLES) await con.run(`CREATE TABLE ${table} AS ${wholeSelect(table, runs, publishOf)}`);
    await writeRunsTable(con, runs);
    return contentsOf(con, runs, publishOf);
  });
}

// ---- Updating the previous database ----

export interface UpdatePlan {
  /** Per table, the runs whose rows there are gone or changed: deleted. */
  drop: Record<RowTable, Contents["runs"]>;
  /** Per table, the runs whose rows there are new or changed: inserted. */
  add: Record<RowTable, RunFolder[]>;
}

/** What turns `previous` into the database of `runs`. */
export function updatePlan(previous: Contents, runs: RunFolder[], publishOf: PublishOf): UpdatePlan {
  const current = new Map(runs.map((r) => [idOf(r), keysOf(r, publishOf)]));
  const held = new Map(previous.runs.map((r) => [idOf(r), r.keys]));
  const plan: UpdatePlan = { drop: {} as UpdatePlan["drop"], add: {} as UpdatePlan["add"] };
  for (const t of ROW_TABLES) {
    plan.drop[t] = previous.runs.filter((r) => current.get(idOf(r))?.[t] !== r.keys[t]);
    plan.add[t] = runs.filter((r) => held.get(idOf(r))?.[t] !== current.get(idOf(r))![t]);
  }
  return plan;
}

/** The share of the previous database's rows that `plan` deletes. */
function deletedShare(previous: Contents, plan: UpdatePlan): number {
  const sum = (runs: Contents["runs"], t: RowTable) => runs.reduce((n, r) => n + r.rows[t], 0);
  const deleted = ROW_TABLES.reduce((n, t) => n + sum(plan.drop[t], t), 0);
  return (
    deleted /
    Math.max(
      1,
      ROW_TABLES.reduce((n, t) => n + sum(previous.runs, t), 0),
    )
  );
}

/** Each table's columns and types, in order. */
async function schemaOf(con: DuckDBConnection, select: string): Promise<string> {
  const read = await con.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE ${select})`);
  return JSON.stringify(read.getRowObjectsJS());
}

/** Why the database carries too much dead space (free blocks), or null when it does not. */
async function deadSpace(con: DuckDBConnection, limits: FreeLimits): Promise<string | null> {
  const [size] = (await con.runAndReadAll("PRAGMA database_size")).getRowObjectsJS();
  const [free, total] = [Number(size!.free_blocks), Math.max(1, Number(size!.total_blocks))];
  const share = free / total;
  return share > limits.maxShare && free * Number(size!.block_size) > limits.minBytes
    ? `${Math.round(share * 100)}% of the file would be free blocks`
    : null;
}

/** When free blocks make an update not worth keeping (tests lower them). */
export interface FreeLimits {
  maxShare: number;
  minBytes: number;
}
const FREE_LIMITS: FreeLimits = { maxShare: MAX_FREE_SHARE, minBytes: MIN_FREE_BYTES };

/** Applies `plan` to the database at `path` (a copy of the previous one); returns what it then holds, or why it must be written whole. */
async function applyUpdate(
  path: string,
  plan: UpdatePlan,
  runs: RunFolder[],
  publishOf: PublishOf,
  limits: FreeLimits,
): Promise<Contents | string> {
  return withDatabase(path, async (con) => {
    for (const table of ROW_TABLES) {
      if (
        (await schemaOf(con, wholeSelect(table, runs, publishOf))) !== (await schemaOf(con, `SELECT * FROM ${table}`))
      )
        return `the ${table} table's schema differs from a whole write's`;
      for (const r of plan.drop[table])
        await con.run(`DELETE FROM ${table} WHERE experiment_id = $1 AND run_id = $2`, [r.experimentId, r.runId]);
    }
    // The deleted rows' blocks become free at a checkpoint: the inserts then reuse them.
    await con.run("CHECKPOINT");
    for (const table of ROW_TABLES)
      for (const run of plan.add[table]) {
        const select = runRowsSelect(run, table, publishOf(run.experimentId));
        if (select) await con.run(`INSERT INTO ${table} BY NAME ${select}`);
      }
    await writeRunsTable(con, runs);
    await con.run("CHECKPOINT");
    const contents = await contentsOf(con, runs, publishOf);
    if (!contents) return "its rows per run differ from the runs' files";
    return (await deadSpace(con, limits)) ?? contents;
  });
}

/** How the database was written: updated from the previous one, or whole (and why not updated). */
export type AllRunsWrite = { contents: Contents | null } & ({ updated: true } | { updated: false; why: string });

/**
 * Writes the database of all runs at `path`: updating a copy of `previous` (a database with its
 * record) when that is worth it, else from scratch. Returns what it holds (null: no record can be
 * kept, so the next build writes it whole).
 */
export async function writeAllRuns(
  runs: RunFolder[],
  publishOf: PublishOf,
  path: string,
  previous: { path: string; contents: Contents } | null,
  limits = FREE_LIMITS,
): Promise<AllRunsWrite> {
  const whole = async (why: string): Promise<AllRunsWrite> => {
    removeDatabase(path);
    return { contents: await writeAllRunsDatabase(runs, publishOf, path), updated: false, why };
  };
  if (!previous) return whole("no previous database");
  const plan = updatePlan(previous.contents, runs, publishOf);
  const deleted = deletedShare(previous.contents, plan);
  if (deleted > MAX_DELETED_SHARE) return whole(`${Math.round(deleted * 100)}% of its rows would be deleted`);
  let outcome: Contents | string;
  try {
    copyFileSync(previous.path, path, constants.COPYFILE_FICLONE);
    outcome = await applyUpdate(path, plan, runs, publishOf, limits);
  } catch (err) {
    outcome = `the previous database could not be updated (${(err as Error).message})`;
  }
  return typeof outcome === "string" ? whole(outcome) : { contents: outcome, updated: true };
}

/** Deletes a database file and its write-ahead log. */
export function removeDatabase(path: string): void {
  for (const p of [path, `${path}.wal`]) rmSync(p, { force: true });
}

/** The name of the file in the site. */
export const ALL_RUNS_FILE = "all-runs.duckdb";
/** Its name in the downloads cache, with the key of its inputs (site/cache.ts allRunsDownloadKey). */
export const allRunsCacheName = (key: string) => `all-runs.${key}.duckdb`;
const CACHED = /^all-runs\.[0-9a-f]+\.duckdb$/;

/** The newest database in the cache folder `dir` that has its record, other than the one named `except`. */
export function previousDatabase(dir: string, except: string): { path: string; contents: Contents } | null {
  if (!existsSync(dir)) return null;
  const candidates = readdirSync(dir)
    .filter((name) => CACHED.test(name) && name !== except && existsSync(join(dir, contentsFile(name))))
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const path of candidates) {
    const contents = readContents(contentsFile(path));
    if (contents) return { path, contents };
  }
  return null;
}

/** The record of the database at `path` (`….duckdb` → `….json`). */
export function contentsFile(path: string): string {
  return path.replace(/\.duckdb$/, ".json");
}
