// Builds a small results store (the layout the runner writes) in a temporary folder, for the
// catalog and site tests: experiments.json, run folders with manifest.json and requests.parquet.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import {
  REQUEST_COLUMNS,
  ROW_SCHEMA_VERSION,
  duckdbColumns,
  type ExperimentIndex,
  type Manifest,
  type RequestRow,
} from "../../data-loaders/store/rows.ts";

type Entry = ExperimentIndex["experiments"][number];

/** An answer that would run script or render markup if the site ever used it as HTML. */
export const HOSTILE_ANSWER = [
  `<script>window.__pwned=1</script>`,
  `<img src=x onerror="window.__pwned=1">`,
  `# Injected heading`,
  `[click me](javascript:window.__pwned=1) **not bold**`,
].join("\n");

export function makeRow(fields: Partial<RequestRow> & Pick<RequestRow, "run_id" | "experiment_id" | "request_index">): RequestRow {
  const i = fields.request_index;
  return {
    prompt_id: `p${i % 5}`,
    request_id: `${fields.run_id}-${i}`,
    endpoint: "http://127.0.0.1:8000",
    worker: i % 4,
    attempts: 1,
    status: "ok",
    error_class: null,
    http_status: 200,
    error_message: null,
    sent_ms: null,
    first_event_ms: null,
    first_token_ms: null,
    done_ms: null,
    ttft_ms: null,
    e2e_ms: null,
    tpot_ms: null,
    itl_ms: null,
    prompt_tokens: null,
    completion_tokens: null,
    finish_reason: "stop",
    answer: null,
    reasoning: null,
    json_valid: null,
    schema_valid: null,
    schema_errors: null,
    ...fields,
  };
}

/** A complete, timed request: sent at `sentMs`, first token after `ttftMs`, `tokens` tokens `tpotMs` apart. */
export function timedRow(
  base: Pick<RequestRow, "run_id" | "experiment_id" | "request_index">,
  t: { sentMs: number; ttftMs: number; tpotMs: number; promptTokens: number; tokens: number; answer: string },
): RequestRow {
  const e2e = t.ttftMs + t.tpotMs * (t.tokens - 1);
  return makeRow({
    ...base,
    sent_ms: t.sentMs,
    first_event_ms: t.sentMs + t.ttftMs,
    first_token_ms: t.sentMs + t.ttftMs,
    done_ms: t.sentMs + e2e,
    ttft_ms: t.ttftMs,
    e2e_ms: e2e,
    tpot_ms: t.tokens > 1 ? t.tpotMs : null,
    itl_ms: Array.from({ length: t.tokens - 1 }, () => t.tpotMs),
    prompt_tokens: t.promptTokens,
    completion_tokens: t.tokens,
    finish_reason: "stop",
    answer: t.answer,
  });
}

export function makeManifest(fields: Partial<Manifest> & Pick<Manifest, "run_id" | "experiment_id">): Manifest {
  return {
    row_schema_version: ROW_SCHEMA_VERSION,
    tracker_version: "0.1.0",
    source: "simulated",
    status: "complete",
    reason: null,
    spec_hash: "spec-" + fields.experiment_id,
    prompt_hash: "prompts-" + fields.experiment_id,
    spec: { title: fields.experiment_id },
    server: { kind: "simulate", endpoint: "http://127.0.0.1:8000", model: "gemma-3-4b", profile: "gemma-3-4b@rtx-4080" },
    started_at: "2026-01-01T10:00:00.000Z",
    finished_at: "2026-01-01T10:01:00.000Z",
    counts: { requests: 0, done: 0, ok: 0, error: 0 },
    environment: { node: "v20", os: "linux", cpu: "test", host: "fixture", git_commit: null, git_dirty: null },
    ...fields,
  };
}

/** Writes `results/<experiment>/<run>/manifest.json` and, when rows are given, `requests.parquet`. */
export async function writeRun(resultsDir: string, manifest: Manifest, rows: RequestRow[] | null): Promise<string> {
  const dir = join(resultsDir, manifest.experiment_id, manifest.run_id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  if (rows) await writeParquet(join(dir, "requests.parquet"), rows);
  return dir;
}

async function writeParquet(path: string, rows: RequestRow[]): Promise<void> {
  const jsonPath = path + ".json";
  writeFileSync(jsonPath, JSON.stringify(rows));
  const types = duckdbColumns();
  const columns = REQUEST_COLUMNS.map((c) => `${c}: '${types[c]}'`).join(", ");
  const select = REQUEST_COLUMNS.join(", ");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run(
      `COPY (SELECT ${select} FROM read_json('${jsonPath}', format = 'array', columns = {${columns}}))
       TO '${path}' (FORMAT parquet)`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  rmSync(jsonPath);
}

export function writeIndex(resultsDir: string, experiments: Entry[]): void {
  mkdirSync(resultsDir, { recursive: true });
  const index: ExperimentIndex = { generated_at: "2026-01-01T10:02:00.000Z", experiments };
  writeFileSync(join(resultsDir, "experiments.json"), JSON.stringify(index, null, 2));
}

export function makeEntry(fields: Partial<Entry> & Pick<Entry, "id" | "title" | "state">): Entry {
  return {
    file: `${fields.id}.ts`,
    notes: "",
    spec_hash: null,
    run_id: null,
    spec: null,
    simulated: false,
    model: null,
    error: null,
    ...fields,
  };
}

export interface SiteFixture {
  /** Experiment ids with a page, and the title each page shows. */
  experiments: { id: string; title: string }[];
  /** The experiment whose answers include HOSTILE_ANSWER. */
  hostileId: string;
}

/**
 * The store the site tests build against: a simulated run with a hostile answer, a measured
 * run, a pending, a failed and an invalid experiment, and a malformed run folder.
 */
export async function buildSiteFixture(resultsDir: string): Promise<SiteFixture> {
  const alphaRows = Array.from({ length: 30 }, (_, i) => {
    const base = { run_id: "run-a", experiment_id: "alpha", request_index: i };
    if (i === 7) return makeRow({ ...base, status: "error", error_class: "http_5xx", http_status: 500, error_message: "simulated 500", sent_ms: 700, done_ms: 720, e2e_ms: 20, finish_reason: null });
    return timedRow(base, {
      sentMs: i * 100,
      ttftMs: 40 + (i % 3) * 10,
      tpotMs: 8,
      promptTokens: 100 + i * 3,
      tokens: 20 + (i % 5) * 10,
      answer: i === 2 ? HOSTILE_ANSWER : `Answer number ${i}: the candidate fits the role.`,
    });
  });
  await writeRun(
    resultsDir,
    makeManifest({ run_id: "run-a", experiment_id: "alpha", counts: { requests: 30, done: 30, ok: 29, error: 1 } }),
    alphaRows,
  );
  const betaRows = Array.from({ length: 12 }, (_, i) =>
    timedRow(
      { run_id: "run-b", experiment_id: "beta", request_index: i },
      { sentMs: i * 250, ttftMs: 120, tpotMs: 15, promptTokens: 400, tokens: 60, answer: `Beta answer ${i}` },
    ),
  );
  await writeRun(
    resultsDir,
    makeManifest({
      run_id: "run-b",
      experiment_id: "beta",
      source: "measured",
      server: { kind: "url", endpoint: "http://gpu-box:8000", model: "qwen-7b", profile: null },
      counts: { requests: 12, done: 12, ok: 12, error: 0 },
    }),
    betaRows,
  );
  await writeRun(
    resultsDir,
    makeManifest({ run_id: "run-d", experiment_id: "delta", status: "failed", reason: "server never became healthy", finished_at: null }),
    null,
  );
  // Malformed: a run folder without manifest and a foreign file. The site must skip both.
  mkdirSync(join(resultsDir, "alpha", "half-written"), { recursive: true });
  writeFileSync(join(resultsDir, "alpha", "stray.txt"), "not a run");

  const spec = { title: "Alpha", requests: 30, load: { concurrency: 4 }, server: { simulate: "gemma-3-4b@rtx-4080" } };
  const experiments: Entry[] = [
    makeEntry({
      id: "alpha",
      title: "Alpha on the simulator",
      state: "fresh",
      notes: "Checks **throughput** at concurrency 4.\n\n- first point\n- second point",
      spec_hash: "spec-alpha",
      run_id: "run-a",
      spec,
      simulated: true,
      model: "gemma-3-4b",
    }),
    makeEntry({ id: "beta", title: "Beta on a real GPU", state: "stale", spec_hash: "spec-beta", run_id: "run-b", spec: { title: "Beta" }, model: "qwen-7b" }),
    makeEntry({ id: "gamma", title: "Gamma not run yet", state: "pending", spec: { title: "Gamma" }, model: "qwen-7b" }),
    makeEntry({ id: "delta", title: "Delta failed", state: "failed", run_id: "run-d", spec: { title: "Delta" }, simulated: true, model: "gemma-3-4b", error: "server never became healthy" }),
    makeEntry({ id: "epsilon", title: "Epsilon invalid", state: "invalid", error: "workload.maxTokens: expected a number" }),
  ];
  writeIndex(resultsDir, experiments);
  return { experiments: experiments.map(({ id, title }) => ({ id, title })), hostileId: "alpha" };
}
