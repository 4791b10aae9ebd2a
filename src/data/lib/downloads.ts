// The download files: each run's rows as Parquet or CSV, and a DuckDB database of all runs.
// Loaders write to a temporary file and copy it to stdout (Framework caches what they print).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { exportRun, findRun, listRuns, resultsDir } from "../../../data-loaders/store/catalog.ts";
import { sqlString } from "../../../data-loaders/store/parquet.ts";
import { duckdbColumns } from "../../../data-loaders/store/rows.ts";
import { redactedColumns } from "./publish.ts";
import { reportSettings } from "./settings.ts";
import { EXPERIMENTS_DIR } from "./store.ts";

async function withTempFile(name: string, write: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tracker-download-"));
  try {
    const path = join(dir, name);
    await write(path);
    process.stdout.write(readFileSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `--experiment=<id> --run=<run id>` → the run's rows on stdout. */
export async function exportRunToStdout(format: "parquet" | "csv"): Promise<void> {
  const { values } = parseArgs({ options: { experiment: { type: "string" }, run: { type: "string" } } });
  const run = findRun(resultsDir(), values.experiment ?? "", values.run ?? null);
  if (!run?.requestsPath) throw new Error(`downloads: no requests.parquet for ${values.experiment}/${values.run}`);
  const { publish } = await reportSettings(EXPERIMENTS_DIR, run.experimentId);
  // Published in full, the stored Parquet file is the download: no need to rewrite it.
  if (format === "parquet" && publish === "full") return void process.stdout.write(readFileSync(run.requestsPath));
  await withTempFile(`run.${format}`, (path) => exportRun(run.requestsPath!, path, format, redactedColumns(publish)));
}

/** Every run with rows in one table `requests`, and one row per run in `runs`. */
export async function writeAllRunsDatabase(): Promise<void> {
  const runs = listRuns(resultsDir());
  await withTempFile("all-runs.duckdb", async (path) => {
    const instance = await DuckDBInstance.create(path);
    const con = await instance.connect();
    try {
      const columns = Object.entries(duckdbColumns()).map(([name, type]) => `"${name}" ${type}`);
      await con.run(`CREATE TABLE requests (${columns.join(", ")})`);
      for (const run of runs.filter((r) => r.requestsPath)) {
        const { publish } = await reportSettings(EXPERIMENTS_DIR, run.experimentId);
        const replace = Object.entries(redactedColumns(publish)).map(([c, expr]) => `${expr} AS "${c}"`);
        const select = `SELECT ${replace.length ? `* REPLACE (${replace.join(", ")})` : "*"} FROM read_parquet(${sqlString(run.requestsPath!)})`;
        // BY NAME: a run stored before a column existed gets nulls there.
        await con.run(`INSERT INTO requests BY NAME ${select}`);
      }
      await con.run(`CREATE TABLE runs (experiment_id VARCHAR, run_id VARCHAR, source VARCHAR, status VARCHAR, model VARCHAR, started_at VARCHAR, manifest JSON)`);
      for (const run of runs) {
        const m = run.manifest;
        await con.run(`INSERT INTO runs VALUES ($1, $2, $3, $4, $5, $6, $7)`, [m.experiment_id, m.run_id, m.source, m.status, m.server.model, m.started_at, JSON.stringify(m)]);
      }
    } finally {
      con.closeSync();
      instance.closeSync();
    }
  });
}
