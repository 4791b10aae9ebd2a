// A large synthetic results store for the site benchmark: `runs` runs of `rowsPerRun` requests,
// written with DuckDB directly (no simulator), in the layout the runner writes
// (results/<experiment>/<run>/{manifest.json,requests.parquet} + results/experiments.json).
// Rows are deterministic (hash-based pseudo-randomness in SQL) and plausible: a fixed
// concurrency, per-model speeds, a few failures, JSON answers with a `recommendation` field.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { sqlString } from "../store/duckdb.ts";
import { REQUEST_COLUMNS, duckdbColumns, ROW_SCHEMA_VERSION } from "../store/schemas/request-row.ts";
import type { ExperimentIndex } from "../store/schemas/experiment-index.ts";
import type { Manifest } from "../store/schemas/manifest.ts";

export interface StoreOptions {
  runs: number;
  rowsPerRun: number;
  /** Length of each row's itl_ms list (real rows hold one gap per streamed chunk). */
  itlLength?: number;
}

const MODELS = ["gemma-3-1b", "gemma-3-4b", "llama-3.2-1b", "qwen3-4b", "gemma-3-12b"];
const CONCURRENCY = 32;

/** Writes the store; returns the experiment ids. Runs are spread over the models, one experiment per run. */
export async function writeBenchStore(resultsDir: string, options: StoreOptions): Promise<string[]> {
  const { runs, rowsPerRun, itlLength = 16 } = options;
  mkdirSync(resultsDir, { recursive: true });
  const entries: ExperimentEntry[] = [];
  for (let r = 0; r < runs; r++) entries.push(await writeBenchRun(resultsDir, r, rowsPerRun, itlLength));
  writeIndex(resultsDir, entries);
  return entries.map((e) => e.id);
}

/** Adds run number `r` (its own experiment) of `rows` rows to a store written by writeBenchStore; returns its id. */
export async function addBenchRun(resultsDir: string, r: number, rows: number, itlLength = 16): Promise<string> {
  const index = JSON.parse(readFileSync(join(resultsDir, "experiments.json"), "utf8")) as ExperimentIndex;
  const entry = await writeBenchRun(resultsDir, r, rows, itlLength);
  writeIndex(resultsDir, [...index.experiments, entry]);
  return entry.id;
}

type ExperimentEntry = ExperimentIndex["experiments"][number];

function writeIndex(resultsDir: string, entries: ExperimentEntry[]): void {
  const index: ExperimentIndex = { generated_at: new Date().toISOString(), experiments: entries };
  writeFileSync(join(resultsDir, "experiments.json"), JSON.stringify(index, null, 2));
}

/** Writes run number `r` (requests.parquet with DuckDB, then its manifest); returns its index entry. */
async function writeBenchRun(resultsDir: string, r: number, rowsPerRun: number, itlLength: number) {
  const model = MODELS[r % MODELS.length]!;
  const experimentId = `bench-${String(r).padStart(2, "0")}-${model}`;
  const runId = `20260101-0000${String(r).padStart(2, "0")}Z-bench${String(r).padStart(3, "0")}`;
  const dir = join(resultsDir, experimentId, runId);
  mkdirSync(dir, { recursive: true });
  // Per-request service time grows with the model index: ms per output token.
  const tpot = 4 + (r % MODELS.length) * 3;
  const parquet = join(dir, "requests.parquet");
  const counts = await withDuckDB(async (con) => {
    await con.run(`COPY (${rowsSql({ experimentId, runId, rows: rowsPerRun, tpot, itlLength, seed: r })})
      TO ${sqlString(parquet)} (FORMAT parquet, COMPRESSION zstd)`);
    const read = await con.runAndReadAll(
      `SELECT count(*)::INTEGER AS n, count(*) FILTER (status = 'ok')::INTEGER AS ok FROM read_parquet(${sqlString(parquet)})`,
    );
    return read.getRowObjects()[0]!;
  });
  const spec = {
    server: { simulate: `${model}@rtx-4080` },
    workload: { prompts: { generate: "candidate-profiles", count: 500 }, maxTokens: 1024 },
    requests: rowsPerRun,
    load: { concurrency: CONCURRENCY },
  };
  const done = Number(counts.n);
  const ok = Number(counts.ok);
  writeFileSync(
    join(dir, "manifest.json"),
    JSON.stringify(benchManifest({ r, experimentId, runId, model, spec, rowsPerRun, done, ok }), null, 2),
  );
  const entry: ExperimentEntry = {
    id: experimentId,
    file: `experiments/${experimentId}.ts`,
    title: `Bench ${r}: ${model}, ${rowsPerRun.toLocaleString("en-US")} requests`,
    notes: "Synthetic rows written by the site benchmark.",
    state: "fresh",
    spec_hash: `bench${r}`,
    run_id: runId,
    spec,
    simulated: true,
    model,
    error: null,
  };
  return entry;
}

/** A DuckDB connection for one task, with a memory limit (the benchmark measures the build, not this). */
async function withDuckDB<T>(task: (con: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:", { memory_limit: "1GB", threads: "2" });
  const con = await instance.connect();
  try {
    return await task(con);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

function benchManifest(o: {
  r: number;
  experimentId: string;
  runId: string;
  model: string;
  spec: Manifest["spec"];
  rowsPerRun: number;
  done: number;
  ok: number;
}): Manifest {
  return {
    row_schema_version: ROW_SCHEMA_VERSION,
    tracker_version: "bench",
    run_id: o.runId,
    experiment_id: o.experimentId,
    source: "simulated",
    status: "complete",
    reason: null,
    spec_hash: `bench${o.r}`,
    prompt_hash: "bench",
    spec: o.spec,
    server: { kind: "simulate", endpoint: "http://127.0.0.1:8000", model: o.model, profile: `${o.model}@rtx-4080` },
    started_at: new Date(Date.UTC(2026, 0, 1, 0, o.r)).toISOString(),
    finished_at: new Date(Date.UTC(2026, 0, 1, 1, o.r)).toISOString(),
    counts: { requests: o.rowsPerRun, done: o.done, ok: o.ok, error: o.done - o.ok },
    environment: { node: process.version, os: "linux", cpu: "bench", host: "bench", git_commit: null, git_dirty: null },
    group: { level: null, repeat: 0 },
  };
}

/** SELECT producing `rows` request rows in the column order of requestRowSchema. */
function rowsSql(o: {
  experimentId: string;
  runId: string;
  rows: number;
  tpot: number;
  itlLength: number;
  seed: number;
}): string {
  // u(k): a deterministic uniform number in [0, 1) per row and stream k.
  const u = (k: number) => `(hash(i, ${o.seed}, ${k}) % 1000000) / 1000000.0`;
  const columns: Record<(typeof REQUEST_COLUMNS)[number], string> = {
    run_id: sqlString(o.runId),
    experiment_id: sqlString(o.experimentId),
    request_index: "i",
    prompt_id: `'p' || (i % 500)::VARCHAR`,
    request_id: `${sqlString(o.runId)} || '-' || i::VARCHAR`,
    endpoint: `'http://127.0.0.1:8000'`,
    worker: `i % ${CONCURRENCY}`,
    attempts: `CASE WHEN ${u(1)} < 0.01 THEN 2 ELSE 1 END`,
    warmup: "false",
    status: `CASE WHEN failed THEN 'error' ELSE 'ok' END`,
    error_class: `CASE WHEN failed THEN 'http_5xx' END`,
    http_status: `CASE WHEN failed THEN 500 ELSE 200 END`,
    error_message: `CASE WHEN failed THEN 'simulated 500' END`,
    error_type: `CASE WHEN failed THEN 'InternalServerError' END`,
    error_code: `CASE WHEN failed THEN '500' END`,
    error_param: "NULL",
    overflow_limit_tokens: "NULL",
    overflow_requested_tokens: "NULL",
    overflow_prompt_tokens: "NULL",
    overflow_completion_tokens: "NULL",
    vllm_success: "NOT failed",
    sent_ms: "sent",
    first_event_ms: "CASE WHEN NOT failed THEN sent + ttft END",
    first_token_ms: "CASE WHEN NOT failed THEN sent + ttft END",
    done_ms: "sent + e2e",
    last_chunk_ms: "CASE WHEN NOT failed THEN sent + e2e END",
    ttft_ms: "CASE WHEN NOT failed THEN ttft END",
    e2e_ms: "e2e",
    tpot_ms: `CASE WHEN NOT failed AND out_tokens > 1 THEN (e2e - ttft) / (out_tokens - 1) END`,
    itl_ms: `CASE WHEN NOT failed THEN list_transform(range(${o.itlLength}), x -> ${o.tpot}.0 + (x % 3)) END`,
    prompt_tokens: "CASE WHEN NOT failed THEN in_tokens END",
    completion_tokens: "CASE WHEN NOT failed THEN out_tokens END",
    total_tokens: "CASE WHEN NOT failed THEN in_tokens + out_tokens END",
    usage_mismatch: "CASE WHEN NOT failed THEN false END",
    finish_reason: `CASE WHEN failed THEN NULL WHEN out_tokens >= 1000 THEN 'length' ELSE 'stop' END`,
    stop_reason: "NULL",
    stop_token_id: "NULL",
    system_fingerprint: `CASE WHEN NOT failed THEN 'vllm-0.28.0-00000000' END`,
    answer: `CASE WHEN NOT failed THEN '{"recommendation": "' || ['strong_yes', 'yes', 'maybe', 'no'][1 + (hash(i % 500, 7) % 4)::INTEGER] || '", "reasoning": "synthetic answer ' || i::VARCHAR || '"}' END`,
    reasoning: "NULL",
    tool_call_count: "CASE WHEN NOT failed THEN 0 END",
    tool_call_names: "CASE WHEN NOT failed THEN []::VARCHAR[] END",
    tool_call_types: "CASE WHEN NOT failed THEN []::VARCHAR[] END",
    tool_call_args_json: "CASE WHEN NOT failed THEN []::BOOLEAN[] END",
    json_valid: `CASE WHEN NOT failed THEN ${u(2)} > 0.02 END`,
    schema_valid: `CASE WHEN NOT failed THEN ${u(2)} > 0.05 END`,
    schema_errors: `CASE WHEN NOT failed AND ${u(2)} <= 0.02 THEN '(not JSON)' WHEN NOT failed AND ${u(2)} <= 0.05 THEN 'recommendation: Invalid option' END`,
  };
  // Closed loop at fixed concurrency: each worker sends its next request when the previous ends;
  // approximated by spacing sends evenly at the mean service rate.
  const meanE2e = 80 + 300 * o.tpot;
  const types = duckdbColumns();
  return `WITH base AS (
      SELECT range AS i,
        ${u(3)} < 0.01 AS failed,
        (600 + 400 * ${u(4)})::BIGINT AS in_tokens,
        (100 + 400 * ${u(5)})::BIGINT AS out_tokens,
        (30 + 60 * ${u(6)}) AS ttft
      FROM range(${o.rows})),
    timed AS (
      SELECT *, (i * ${meanE2e} / ${CONCURRENCY})::DOUBLE AS sent,
        CASE WHEN failed THEN 20.0 ELSE ttft + ${o.tpot} * (out_tokens - 1) END AS e2e
      FROM base)
    SELECT ${REQUEST_COLUMNS.map((c) => `(${columns[c]})::${types[c]} AS "${c}"`).join(",\n")} FROM timed ORDER BY i`;
}
