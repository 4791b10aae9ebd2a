// Reads the results store for the site's data loaders: the experiment index, the run folders
// and a run's rows (Parquet, through DuckDB). Read-only: a malformed folder or a foreign file is
// reported through `warn` and skipped, never fatal and never deleted.
import { INDEX_FILE, MANIFEST_FILE, PARQUET_FILE, resultsRoot } from "./layout.ts";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { DuckDBConnection, DuckDBInstance, DuckDBResultReader } from "@duckdb/node-api";
import {
  duckdbColumns,
  experimentIndexSchema,
  manifestSchema,
  type ExperimentIndex,
  type Manifest,
  type RequestRow,
} from "./rows.ts";
import { distributionFromRow, distributionSql, itlValuesSql, latencyValuesSql, quantilesSql } from "../metrics/sql.ts";
import type { Distribution, MetricRow } from "../metrics/summary.ts";

export type Warn = (message: string) => void;
export type ExperimentEntry = ExperimentIndex["experiments"][number];

const toStderr: Warn = (message) => process.stderr.write(`catalog: ${message}\n`);

/** The results folder as an absolute path (`resultsRoot()` resolved against the working directory). */
export function resultsDir(): string {
  return resolve(resultsRoot());
}

/** `results/experiments.json`, or null when it is missing (nothing run yet) or unreadable. */
export function readExperimentIndex(dir: string, warn: Warn = toStderr): ExperimentIndex | null {
  const path = join(dir, INDEX_FILE);
  if (!existsSync(path)) return null;
  const parsed = experimentIndexSchema.safeParse(readJson(path, warn));
  if (parsed.success) return parsed.data;
  warn(`${path} does not match the experiment index format; ignored (${parsed.error.issues[0]?.message})`);
  return null;
}

export interface RunFolder {
  experimentId: string;
  runId: string;
  path: string;
  manifest: Manifest;
  /** `requests.parquet`, or null while the run has not been finalised. */
  requestsPath: string | null;
}

/** Every well-formed run folder `results/<experiment>/<run>/`, by experiment then start time. */
export function listRuns(dir: string, warn: Warn = toStderr): RunFolder[] {
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
      if (run) runs.push(run);
    }
  }
  return runs.sort(
    (a, b) =>
      a.experimentId.localeCompare(b.experimentId) || a.manifest.started_at.localeCompare(b.manifest.started_at),
  );
}

function readRunFolder(path: string, experimentId: string, warn: Warn): RunFolder | null {
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
  const manifest = parsed.data;
  const runId = basename(path);
  if (manifest.run_id !== runId || manifest.experiment_id !== experimentId) {
    warn(`${manifestPath} names run ${manifest.experiment_id}/${manifest.run_id}, not its folder; skipped`);
    return null;
  }
  const requestsPath = join(path, PARQUET_FILE);
  return { experimentId, runId, path, manifest, requestsPath: existsSync(requestsPath) ? requestsPath : null };
}

/**
 * The experiments the site lists: the index written by the runner, or, before anything ran,
 * one pending entry per `experiments/*.ts` file showing its latest run folder if there is one.
 */
export function experimentEntries(dir: string, experimentsDir: string, warn: Warn = toStderr): ExperimentEntry[] {
  const index = readExperimentIndex(dir, warn);
  if (index) return index.experiments;
  const runs = listRuns(dir, warn);
  return experimentFileIds(experimentsDir).map((id) => {
    const latest = runs.filter((r) => r.experimentId === id).at(-1);
    return {
      id,
      file: `${id}.ts`,
      title: id,
      notes: "",
      state: "pending",
      spec_hash: latest?.manifest.spec_hash ?? null,
      run_id: latest?.runId ?? null,
      spec: latest?.manifest.spec ?? null,
      simulated: latest?.manifest.source === "simulated",
      model: latest?.manifest.server.model ?? null,
      error: null,
    };
  });
}

/** Experiment ids from the file names `experiments/<id>.ts`. */
export function experimentFileIds(experimentsDir: string): string[] {
  if (!existsSync(experimentsDir)) return [];
  return readdirSync(experimentsDir)
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .map((name) => name.slice(0, -".ts".length))
    .sort();
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

type Column = keyof RequestRow;

/**
 * The given columns of every row of a run, in request order. Read column-wise (much faster than
 * row objects for 50K-row runs); BIGINT columns come back as numbers.
 */
export async function readRows<K extends Column>(
  requestsPath: string,
  columns: readonly K[],
): Promise<Pick<RequestRow, K>[]> {
  const types = duckdbColumns();
  const list = columns.map((c) => (types[c] === "BIGINT" ? `${quote(c)}::DOUBLE AS ${quote(c)}` : quote(c))).join(", ");
  const byColumn = await queryColumns(`SELECT ${list} FROM measured ORDER BY request_index`, { path: requestsPath });
  const n = byColumn[columns[0]!]?.length ?? 0;
  const rows = new Array<Record<string, unknown>>(n);
  for (let i = 0; i < n; i++) {
    const row: Record<string, unknown> = {};
    for (const c of columns) row[c] = byColumn[c]![i];
    rows[i] = row;
  }
  return rows as Pick<RequestRow, K>[];
}

/**
 * The given columns of a run's rows (warm-up rows left out), in request order, `size` rows at a
 * time: for writing a large run out without holding all of it.
 */
export async function* readRowBatches<K extends Column>(
  requestsPath: string,
  columns: readonly K[],
  size = 10_000,
): AsyncGenerator<Pick<RequestRow, K>[]> {
  const types = duckdbColumns();
  const list = columns.map((c) => (types[c] === "BIGINT" ? `${quote(c)}::DOUBLE AS ${quote(c)}` : quote(c))).join(", ");
  for (let after = -1; ;) {
    const byColumn = await queryColumns(
      `SELECT request_index::DOUBLE AS "_index", ${list} FROM measured
       WHERE request_index > $after ORDER BY request_index LIMIT $size`,
      { path: requestsPath, after, size },
    );
    const index = byColumn._index as number[];
    if (index.length === 0) return;
    yield index.map((_, i) => Object.fromEntries(columns.map((c) => [c, byColumn[c]![i]])) as Pick<RequestRow, K>);
    after = index.at(-1)!;
  }
}

/** The columns `summarizeRun` and `timeSeries` read. */
export const METRIC_COLUMNS = [
  "status",
  "sent_ms",
  "first_event_ms",
  "done_ms",
  "ttft_ms",
  "e2e_ms",
  "tpot_ms",
  "itl_ms",
  "prompt_tokens",
  "completion_tokens",
] as const satisfies readonly (keyof MetricRow)[];

export const SAMPLE_COLUMNS = [
  "request_index",
  "prompt_id",
  "status",
  "finish_reason",
  "error_class",
  "prompt_tokens",
  "completion_tokens",
  "e2e_ms",
  "answer",
  "error_message",
] as const satisfies readonly Column[];
export type SampleRow = Pick<RequestRow, (typeof SAMPLE_COLUMNS)[number]>;

/** The first `limit` requests of a run with their answers, for paging through on the site. */
export async function answerSample(requestsPath: string, limit: number): Promise<SampleRow[]> {
  const list = SAMPLE_COLUMNS.map(quote).join(", ");
  const rows = await query(`SELECT ${list} FROM requests ORDER BY request_index LIMIT $limit`, {
    path: requestsPath,
    limit,
  });
  return rows as SampleRow[];
}

export interface OutcomeCount {
  status: RequestRow["status"];
  error_class: RequestRow["error_class"];
  finish_reason: RequestRow["finish_reason"];
  count: number;
}

/** How many requests ended each way (status × error class × finish reason), most frequent first. */
export async function outcomeCounts(requestsPath: string): Promise<OutcomeCount[]> {
  const rows = await query(
    `SELECT status, error_class, finish_reason, count(*) AS count FROM measured
     GROUP BY ALL ORDER BY count DESC, status, error_class, finish_reason`,
    { path: requestsPath },
  );
  return rows as unknown as OutcomeCount[];
}

export type NumericColumn = "prompt_tokens" | "completion_tokens" | "ttft_ms" | "tpot_ms" | "e2e_ms";

export interface HistogramBin {
  x0: number;
  x1: number;
  count: number;
}

/**
 * Counts the non-null values of a column in `bins` equal-width bins between its minimum and
 * maximum (the last bin includes the maximum). Empty when the column has no values.
 */
export async function histogram(requestsPath: string, column: NumericColumn, bins: number): Promise<HistogramBin[]> {
  const c = quote(column);
  const [bounds] = await query(`SELECT min(${c})::DOUBLE AS lo, max(${c})::DOUBLE AS hi FROM measured`, {
    path: requestsPath,
  });
  const lo = bounds?.lo as number | null;
  const hi = bounds?.hi as number | null;
  if (lo === null || hi === null) return [];
  const width = hi > lo ? (hi - lo) / bins : 1;
  const counts = await query(
    `SELECT least(floor((${c} - $lo) / $width), $last)::INTEGER AS bin, count(*) AS count
     FROM measured WHERE ${c} IS NOT NULL GROUP BY bin`,
    { path: requestsPath, lo, width, last: bins - 1 },
  );
  const byBin = new Map(counts.map((r) => [r.bin as number, r.count as number]));
  return Array.from({ length: hi > lo ? bins : 1 }, (_, i) => ({
    x0: lo + i * width,
    x1: lo + (i + 1) * width,
    count: byBin.get(i) ?? 0,
  }));
}

/**
 * The inter-token-latency distribution of a run, computed in DuckDB (metrics/sql.ts states the
 * same definition as `latency` in metrics/latency.ts): a run holds millions of gaps.
 */
export async function itlDistribution(requestsPath: string): Promise<Distribution> {
  const [row] = await query(`SELECT ${distributionSql("v")} FROM (${itlValuesSql("measured")})`, {
    path: requestsPath,
  });
  return distributionFromRow(row ?? {});
}

export interface QuantilePoint {
  /** Percentile, 0–100. */
  p: number;
  ms: number;
}

/**
 * The `ps` percentiles of TTFT, TPOT and E2EL of a run's successful requests (for CDF charts),
 * computed in DuckDB with the definitions of metrics/sql.ts. Empty lists when there are no values.
 */
export async function latencyQuantiles(
  requestsPath: string,
  ps: readonly number[],
): Promise<Record<"ttftMs" | "tpotMs" | "e2elMs", QuantilePoint[]>> {
  const [row] = await query(
    `SELECT ${quantilesSql("ttft_ms", ps)} AS ttft, ${quantilesSql("tpot_ms", ps)} AS tpot, ${quantilesSql("e2e_ms", ps)} AS e2e
     FROM (${latencyValuesSql("measured")})`,
    { path: requestsPath },
  );
  const points = (list: unknown) =>
    Array.isArray(list) && list.every((v) => v !== null) ? list.map((ms, i) => ({ p: ps[i]!, ms: Number(ms) })) : [];
  return { ttftMs: points(row?.ttft), tpotMs: points(row?.tpot), e2elMs: points(row?.e2e) };
}

/** Server gauges charted next to the client's tokens/s (old and new vLLM names). */
export const SERVER_GAUGES = [
  "vllm:kv_cache_usage_perc",
  "vllm:gpu_cache_usage_perc",
  "vllm:num_requests_running",
  "vllm:num_requests_waiting",
] as const;

export interface ServerMetricBin {
  metric: string;
  startMs: number;
  /** Mean of the samples in the bin, summed over endpoints (replicas) and label sets. */
  value: number;
}

/**
 * The server's gauges from `server-metrics.parquet`, in bins of `binMs` from run start: per bin
 * and metric, the mean over the bin's scrapes of the total over endpoints.
 */
export async function serverMetricSeries(serverMetricsPath: string, binMs: number): Promise<ServerMetricBin[]> {
  const names = SERVER_GAUGES.map((m) => `'${m}'`).join(", ");
  const rows = await query(
    `WITH per_scrape AS (
       SELECT metric, t_ms, sum(value) AS value FROM read_parquet($path)
       WHERE metric IN (${names}) GROUP BY metric, t_ms)
     SELECT metric, (floor(t_ms / $bin) * $bin)::DOUBLE AS "startMs", avg(value)::DOUBLE AS value
     FROM per_scrape GROUP BY ALL ORDER BY metric, "startMs"`,
    { path: serverMetricsPath, bin: binMs },
  );
  return rows as unknown as ServerMetricBin[];
}

/** Copies a run's rows to Parquet or CSV (itl_ms as a JSON list in CSV), replacing text columns through `redactSql`. */
export async function exportRun(
  requestsPath: string,
  outPath: string,
  format: "parquet" | "csv",
  textColumns: Record<string, string> = {},
): Promise<void> {
  const replace = Object.entries(textColumns).map(([c, expr]) => `${expr} AS ${quote(c)}`);
  const select = replace.length ? `* REPLACE (${replace.join(", ")})` : "*";
  const options = format === "parquet" ? "FORMAT parquet, COMPRESSION zstd" : "FORMAT csv, HEADER true";
  const cast =
    format === "csv"
      ? `SELECT * REPLACE (to_json(itl_ms)::VARCHAR AS itl_ms) FROM (SELECT ${select} FROM read_parquet($path))`
      : `SELECT ${select} FROM read_parquet($path)`;
  await query(`COPY (${cast} ORDER BY request_index) TO '${outPath.replaceAll("'", "''")}' (${options})`, {
    path: requestsPath,
  });
}

function quote(column: string): string {
  return `"${column.replaceAll('"', '""')}"`;
}

type QueryValue = string | number;

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

/** Runs one query on its own connection, with the views of `values.path`, and reads its result with `read`. */
async function runQuery<T>(
  sql: string,
  values: Record<string, QueryValue>,
  read: (result: DuckDBResultReader) => T,
): Promise<T> {
  sharedInstance ??= import("@duckdb/node-api").then(({ DuckDBInstance }) =>
    DuckDBInstance.create(":memory:", instanceThreads ? { threads: String(instanceThreads) } : {}),
  );
  const connection = await (await sharedInstance).connect();
  try {
    await defineViews(connection, values.path);
    return read(await connection.runAndReadAll(sql, usedValues(sql, values)));
  } finally {
    connection.closeSync();
  }
}

/** Runs one query; rows as objects, BIGINTs as numbers. */
function query(sql: string, values: Record<string, QueryValue>): Promise<Record<string, unknown>[]> {
  return runQuery(sql, values, (result) =>
    result.getRowObjectsJS().map((row) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(row)) out[key] = typeof value === "bigint" ? Number(value) : value;
      return out;
    }),
  );
}

/** The values the SQL refers to (`$name`): `path` may serve only to define the views. */
function usedValues(sql: string, values: Record<string, QueryValue>): Record<string, QueryValue> {
  return Object.fromEntries(Object.entries(values).filter(([name]) => new RegExp(`\\$${name}\\b`).test(sql)));
}

/**
 * Views over the Parquet file at `path`: `requests` (every row) and `measured` (without warm-up
 * requests, which are stored but left out of every statistic; files written before the `warmup`
 * column existed have none).
 */
async function defineViews(connection: DuckDBConnection, path: QueryValue | undefined): Promise<void> {
  if (typeof path !== "string" || !path.endsWith(".parquet")) return;
  // TEMP views belong to this connection: queries running at the same time do not share them.
  await connection.run(`CREATE TEMP VIEW requests AS SELECT * FROM read_parquet('${path.replaceAll("'", "''")}')`);
  const described = await connection.runAndReadAll(
    `SELECT count(*)::INTEGER AS n FROM (DESCRIBE requests) WHERE column_name = 'warmup'`,
  );
  const hasWarmup = Number(described.getRowObjects()[0]!.n) > 0;
  await connection.run(
    `CREATE TEMP VIEW measured AS SELECT * FROM requests${hasWarmup ? " WHERE NOT coalesce(warmup, false)" : ""}`,
  );
}

/** Runs one query; the result column by column. */
function queryColumns(sql: string, values: Record<string, QueryValue>): Promise<Record<string, unknown[]>> {
  return runQuery(sql, values, (result) => result.getColumnsObjectJS() as Record<string, unknown[]>);
}

function readJson(path: string, warn: Warn): unknown {
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
