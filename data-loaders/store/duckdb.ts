// The DuckDB the site's loaders query stored runs with: one in-memory instance per process, and
// on each connection the views every query over a run's Parquet reads (`requests`, `measured`).
// Formulas are not stated here: the SQL of each one lives beside its JS form in data-loaders/metrics/.
//
// Memory: the instance has a memory limit ($TRACKER_DUCKDB_MEMORY, default 512MB) and spills
// sorts, joins and large groupings to a temporary folder of its own (removed when the process
// exits), so a query over a run of millions of rows takes the same memory as one over thousands.
// Every statistic is written so that DuckDB can keep to that limit: no aggregate state that grows
// with the rows (an exact percentile is found by counting, metrics/stats.ts `storedPercentiles`).
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBDataChunk, DuckDBInstance, DuckDBResultReader } from "@duckdb/node-api";
import { duckdbColumns } from "./schemas/request-row.ts";

export type QueryValue = string | number;

/** A string as an SQL literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A column name as an SQL identifier. */
export function quoteIdentifier(column: string): string {
  return `"${column.replaceAll('"', '""')}"`;
}

/**
 * One in-memory DuckDB per process, created at the first query (a loader makes many). The
 * library is loaded then too: a loader that finds everything in the memo never pays for it.
 */
let sharedInstance: Promise<DuckDBInstance> | null = null;
let instanceThreads: number | null = null;

/** Threads of this process's DuckDB (default: one per core). Takes effect if no query ran yet. */
export function setQueryThreads(threads: number): void {
  instanceThreads = threads;
}

/** The memory limit of this process's DuckDB (a DuckDB size, e.g. "512MB"). */
export function queryMemoryLimit(): string {
  return process.env.TRACKER_DUCKDB_MEMORY ?? "512MB";
}

/** The options of this process's DuckDB: memory limit, a spill folder of its own, threads. */
function instanceOptions(): Record<string, string> {
  const spill = mkdtempSync(join(tmpdir(), "tracker-duckdb-"));
  process.once("exit", () => rmSync(spill, { recursive: true, force: true }));
  return {
    memory_limit: queryMemoryLimit(),
    temp_directory: spill,
    ...(instanceThreads ? { threads: String(instanceThreads) } : {}),
  };
}

/**
 * Runs one query; rows as objects, BIGINTs as numbers. When `values.path` names a Parquet file,
 * the query can read the views `requests` and `measured` over it (see `defineViews`).
 */
export function query(sql: string, values: Record<string, QueryValue>): Promise<Record<string, unknown>[]> {
  return runQuery(sql, values, (result) =>
    result.getRowObjectsJS().map((row) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(row)) out[key] = typeof value === "bigint" ? Number(value) : value;
      return out;
    }),
  );
}

/** Runs one query like `query`; the result column by column. */
export function queryColumns(sql: string, values: Record<string, QueryValue>): Promise<Record<string, unknown[]>> {
  return runQuery(sql, values, (result) => result.getColumnsObjectJS() as Record<string, unknown[]>);
}

/**
 * Runs one query like `query` and hands its result to `onChunk` one chunk (at most 2,048 rows) at
 * a time, reading the next only when `onChunk` has returned: for a formula that folds rows in
 * JavaScript (metrics/peaks.ts), which then never holds more than one chunk of a run's rows.
 */
export function streamChunks(
  sql: string,
  values: Record<string, QueryValue>,
  onChunk: (chunk: DuckDBDataChunk) => void,
): Promise<void> {
  return withConnection(values, async (connection) => {
    const result = await connection.stream(sql, usedValues(sql, values));
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk())
      onChunk(chunk);
  });
}

/** Runs one query on its own connection, with the views of `values.path`, and reads its result with `read`. */
function runQuery<T>(
  sql: string,
  values: Record<string, QueryValue>,
  read: (result: DuckDBResultReader) => T,
): Promise<T> {
  return withConnection(values, async (connection) =>
    read(await connection.runAndReadAll(sql, usedValues(sql, values))),
  );
}

/**
 * Connections not in use whose views are over a Parquet file, by the file's `path:size:mtime`: a
 * digest runs dozens of queries over one file, and a connection with its views ready saves the
 * file's schema read and the views' creation each time. A file written anew has a new key.
 */
const idleConnections = new Map<string, DuckDBConnection>();
/** Idle connections kept at most (the oldest is closed first). */
const IDLE_CONNECTIONS = 4;

/** The key of the views over `path` (null for a query without a Parquet file). */
function viewsKey(path: QueryValue | undefined): string | null {
  if (typeof path !== "string" || !path.endsWith(".parquet")) return null;
  try {
    const { size, mtimeMs } = statSync(path);
    return `${path}:${size}:${mtimeMs}`;
  } catch {
    return null;
  }
}

/** Runs `task` on a connection to this process's DuckDB that no other query uses meanwhile, with the views of `values.path`. */
async function withConnection<T>(
  values: Record<string, QueryValue>,
  task: (connection: DuckDBConnection) => Promise<T>,
): Promise<T> {
  sharedInstance ??= import("@duckdb/node-api").then(({ DuckDBInstance }) =>
    DuckDBInstance.create(":memory:", instanceOptions()),
  );
  const key = viewsKey(values.path);
  let connection = key === null ? undefined : idleConnections.get(key);
  if (connection) idleConnections.delete(key!);
  else {
    connection = await (await sharedInstance).connect();
    await defineViews(connection, values.path);
  }
  let keep = false;
  try {
    const result = await task(connection);
    keep = key !== null && !idleConnections.has(key);
    return result;
  } finally {
    if (keep) keepIdle(key!, connection);
    else connection.closeSync();
  }
}

/** Keeps `connection` for the next query over the same file, closing the oldest idle one beyond IDLE_CONNECTIONS. */
function keepIdle(key: string, connection: DuckDBConnection): void {
  idleConnections.set(key, connection);
  for (const [oldest, c] of idleConnections) {
    if (idleConnections.size <= IDLE_CONNECTIONS) break;
    idleConnections.delete(oldest);
    c.closeSync();
  }
}

let scratchTables = 0;

/**
 * Runs `task` with a table of this process's DuckDB holding the result of `select` (over the views
 * of `values.path`), named by the argument `task` gets, and drops it afterwards: for values read
 * several times (the inter-token gaps of a run, unnested once instead of once per pass). DuckDB
 * keeps it within its memory limit, spilling to its temporary folder.
 */
export async function withScratchTable<T>(
  select: string,
  values: Record<string, QueryValue>,
  task: (table: string) => Promise<T>,
): Promise<T> {
  const table = `scratch_${process.pid}_${scratchTables++}`;
  await query(`CREATE TABLE ${table} AS ${select}`, values);
  try {
    return await task(table);
  } finally {
    await query(`DROP TABLE ${table}`, {});
  }
}

/** The values the SQL refers to (`$name`): `path` may serve only to define the views. */
function usedValues(sql: string, values: Record<string, QueryValue>): Record<string, QueryValue> {
  return Object.fromEntries(Object.entries(values).filter(([name]) => new RegExp(`\\$${name}\\b`).test(sql)));
}

/**
 * Views over the Parquet file at `path`: `requests` (every row) and `measured` (without warm-up
 * requests, which are stored but left out of every statistic). A file written before a column of
 * the row contract existed reads that column as null (typed), so every query sees the current
 * columns whatever the file's age.
 */
async function defineViews(connection: DuckDBConnection, path: QueryValue | undefined): Promise<void> {
  if (typeof path !== "string" || !path.endsWith(".parquet")) return;
  const file = `read_parquet(${sqlString(path)})`;
  const described = await connection.runAndReadAll(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${file})`);
  const present = new Set(described.getRowObjects().map((r) => String(r.column_name)));
  const missing = Object.entries(duckdbColumns())
    .filter(([column]) => !present.has(column))
    .map(([column, type]) => `, NULL::${type} AS ${quoteIdentifier(column)}`);
  // TEMP views belong to this connection: queries running at the same time do not share them.
  await connection.run(`CREATE TEMP VIEW requests AS SELECT *${missing.join("")} FROM ${file}`);
  await connection.run(`CREATE TEMP VIEW measured AS SELECT * FROM requests WHERE NOT coalesce(warmup, false)`);
}
