// `server-metrics.parquet`: the server's /metrics series scraped during a run (see
// server/telemetry.ts), one row per sample, with exactly the columns of serverMetricRowSchema.
import { DuckDBInstance } from "@duckdb/node-api";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { duckdbColumns } from "./schemas/request-row.ts";
import { serverMetricRowSchema, type ServerMetricRow } from "./schemas/server-metric.ts";
import { sqlString } from "./duckdb.ts";

export const SERVER_METRICS_FILE = "server-metrics.parquet";
const COLUMNS = Object.keys(serverMetricRowSchema.shape) as (keyof ServerMetricRow)[];

async function withDuckDb<T>(fn: (con: Awaited<ReturnType<DuckDBInstance["connect"]>>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  try {
    return await fn(con);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/**
 * Writes `<dir>/server-metrics.parquet` (zstd, ordered by endpoint, metric, labels, t_ms), also
 * when there are no rows (a server without /metrics: the file exists and is empty). Rows are
 * validated first; atomic (temp file + rename). Returns the path.
 */
export async function writeServerMetrics(dir: string, rows: ServerMetricRow[]): Promise<string> {
  rows.forEach((row, i) => {
    const r = serverMetricRowSchema.safeParse(row);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new Error(
        `${join(dir, SERVER_METRICS_FILE)}: row ${i}, field ${issue.path.join(".") || "(row)"}: ${issue.message}`,
      );
    }
  });
  const path = join(dir, SERVER_METRICS_FILE);
  const tmp = path + ".tmp";
  const jsonl = path + ".jsonl.tmp";
  writeFileSync(
    jsonl,
    rows.map((r) => JSON.stringify(Object.fromEntries(COLUMNS.map((c) => [c, r[c]])))).join("\n") +
      (rows.length ? "\n" : ""),
  );
  try {
    await withDuckDb(async (con) => {
      const columns = Object.entries(duckdbColumns(serverMetricRowSchema))
        .map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`)
        .join(", ");
      const select = rows.length
        ? `SELECT ${COLUMNS.map((c) => `"${c}"`).join(", ")} FROM read_json(${sqlString(jsonl)}, format = 'newline_delimited', columns = {${columns}})
           ORDER BY endpoint, metric, labels, t_ms`
        : `SELECT ${Object.entries(duckdbColumns(serverMetricRowSchema))
            .map(([c, t]) => `NULL::${t} AS "${c}"`)
            .join(", ")} LIMIT 0`;
      await con.run(`COPY (${select}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
    });
    renameSync(tmp, path);
  } finally {
    rmSync(jsonl, { force: true });
    rmSync(tmp, { force: true });
  }
  return path;
}

/** Reads `<dir>/server-metrics.parquet` back as rows (ordered by endpoint, metric, labels, t_ms). */
export async function readServerMetrics(dir: string): Promise<ServerMetricRow[]> {
  const path = join(dir, SERVER_METRICS_FILE);
  return withDuckDb(async (con) => {
    const reader = await con.runAndReadAll(
      `SELECT ${COLUMNS.map((c) => `"${c}"`).join(", ")} FROM read_parquet(${sqlString(path)}) ORDER BY endpoint, metric, labels, t_ms`,
    );
    return reader.getRowObjectsJS().map((row, i) => {
      const r = serverMetricRowSchema.safeParse(row);
      if (!r.success) {
        const issue = r.error.issues[0]!;
        throw new Error(`${path}: row ${i}, field ${issue.path.join(".")}: ${issue.message}`);
      }
      return r.data;
    });
  });
}
