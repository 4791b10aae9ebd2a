// A results store for the downloads tests (bench/site-store.ts rows: realistic columns, any size),
// with quality files written directly, an experiment file that publishes answers hashed, and a
// comparison of two DuckDB databases table by table (schema and rows, as multisets).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { addBenchRun, writeBenchStore } from "../../data-loaders/bench/site-store.ts";
import { sqlString } from "../../data-loaders/store/duckdb.ts";
import { listRuns, type RunFolder } from "../../data-loaders/store/folders.ts";
import { QUALITY_FILES, type QualityFileKind } from "../../data-loaders/store/quality.ts";
import { pairwiseRowSchema, qualityRowSchema } from "../../data-loaders/store/schemas/quality.ts";
import { duckdbColumns } from "../../data-loaders/store/schemas/request-row.ts";
import { smallSpec, writeExperiment } from "../helpers/temp.ts";

export interface DownloadStore {
  results: string;
  experiments: string;
  /** The experiment (bench run 1) whose answers are published hashed. */
  hashed: string;
  runs(): RunFolder[];
  run(experimentId: string): RunFolder;
  /** Adds bench run number `r` of `rows` rows; returns its experiment id. */
  add(r: number, rows: number): Promise<string>;
}

/** `runs` bench runs of `rows` rows under `dir`; run 1's experiment publishes its answers hashed. */
export async function downloadStore(dir: string, runs: number, rows: number): Promise<DownloadStore> {
  const results = join(dir, "results");
  const experiments = join(dir, "experiments");
  mkdirSync(experiments, { recursive: true });
  const ids = await writeBenchStore(results, { runs, rowsPerRun: rows, itlLength: 4 });
  const hashed = ids[1]!;
  const file = writeExperiment(dir, hashed, smallSpec({ extra: `publish: { answers: "hashed" },` }));
  if (!file.startsWith(experiments)) throw new Error(`experiment file ${file} outside ${experiments}`);
  const all = () => listRuns(results, () => {});
  return {
    results,
    experiments,
    hashed,
    runs: all,
    run: (id) => all().find((r) => r.experimentId === id)!,
    add: (r, n) => addBenchRun(results, r, n, 4),
  };
}

/**
 * Writes the run's quality file `kind` with `rows` rows whose judge's reasons start with `reason`
 * (each one a new file: a re-scored run).
 */
export async function writeQualityFile(run: RunFolder, kind: QualityFileKind, reason: string, rows = 50) {
  const schema = kind === "quality" ? qualityRowSchema : pairwiseRowSchema;
  const values: Record<string, string> = {
    run_id: sqlString(run.runId),
    request_index: "i",
    prompt_id: `'p' || i`,
    correct: "i % 3 = 0",
    judge_status: `'judged'`,
    judge_reason: `${sqlString(reason)} || ' because of answer ' || i`,
    other_experiment_id: `'other'`,
    other_run_id: `'other-run'`,
    outcome: `['win', 'loss', 'tie'][1 + i % 3]`,
    this_first_reason: `${sqlString(reason)} || ' (this first) ' || i`,
    other_first_reason: `${sqlString(reason)} || ' (other first) ' || i`,
  };
  const select = Object.entries(duckdbColumns(schema))
    .map(([c, type]) => `${values[c] ?? "NULL"}::${type} AS "${c}"`)
    .join(", ");
  const path = join(run.path, QUALITY_FILES[kind]);
  await withDuckDB(":memory:", (run) =>
    run(`COPY (SELECT ${select} FROM range(${rows}) t(i)) TO ${sqlString(path)} (FORMAT parquet)`),
  );
}

type Run = (sql: string) => Promise<Record<string, unknown>[]>;

async function withDuckDB<T>(path: string, task: (run: Run) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(path);
  const con = await instance.connect();
  try {
    return await task(async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJS());
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

export const TABLES = ["requests", "quality", "pairwise", "runs"] as const;

/** Per table of two databases: whether the schemas are equal, the row counts, and rows in one but not the other (multisets). */
export async function compareDatabases(a: string, b: string) {
  return withDuckDB(":memory:", async (run) => {
    await run(`ATTACH ${sqlString(a)} AS a (READ_ONLY)`);
    await run(`ATTACH ${sqlString(b)} AS b (READ_ONLY)`);
    const out: Record<string, { sameSchema: boolean; rows: [number, number]; onlyA: number; onlyB: number }> = {};
    for (const t of TABLES) {
      const schema = async (db: string) =>
        JSON.stringify(await run(`SELECT column_name, column_type FROM (DESCRIBE ${db}.${t})`));
      const count = async (sql: string) => Number((await run(`SELECT count(*) AS n FROM (${sql})`))[0]!.n);
      out[t] = {
        sameSchema: (await schema("a")) === (await schema("b")),
        rows: [await count(`FROM a.${t}`), await count(`FROM b.${t}`)],
        onlyA: await count(`FROM a.${t} EXCEPT ALL FROM b.${t}`),
        onlyB: await count(`FROM b.${t} EXCEPT ALL FROM a.${t}`),
      };
    }
    return out;
  });
}

/** Rows of `sql` over the database at `path` (read only). */
export async function queryDatabase(path: string, sql: string): Promise<Record<string, unknown>[]> {
  return withDuckDB(":memory:", async (run) => {
    await run(`ATTACH ${sqlString(path)} AS db (READ_ONLY)`);
    await run("USE db");
    return run(sql);
  });
}
