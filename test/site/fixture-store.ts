// Builds a small results store (the layout the runner writes) in a temporary folder, for the
// store and site tests: experiments.json, run folders with manifest.json and requests.parquet.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import {
  REQUEST_COLUMNS,
  ROW_SCHEMA_VERSION,
  duckdbColumns,
  type RequestRow,
} from "../../data-loaders/store/schemas/request-row.ts";
import type { ExperimentIndex } from "../../data-loaders/store/schemas/experiment-index.ts";
import type { Manifest } from "../../data-loaders/store/schemas/manifest.ts";

type Entry = ExperimentIndex["experiments"][number];

/** An answer that would run script or render markup if the site ever used it as HTML. */

/** The aggregates of the recorded Llama 3.2 1B run (the users' RTX 4080 report). */
export const RECORDED_LLAMA_5K = {
  origin: "hand-written report, RTX 4080",
  requests: 5000,
  completed: 5000,
  duration_s: 108,
  total_token_throughput: 19_813,
  output_throughput: 5619,
  request_throughput: 46.3,
  total_input_tokens: 1_540_000,
  total_output_tokens: 606_875,
  mean_ttft_ms: null,
  mean_tpot_ms: null,
  mean_e2el_ms: null,
  concurrency: 32,
};
export const HOSTILE_ANSWER = [
  `<script>window.__pwned=1</script>`,
  `<img src=x onerror="window.__pwned=1">`,
  `# Injected heading`,
  `[click me](javascript:window.__pwned=1) **not bold**`,
].join("\n");

export function makeRow(
  fields: Partial<RequestRow> & Pick<RequestRow, "run_id" | "experiment_id" | "request_index">,
): RequestRow {
  const i = fields.request_index;
  return {
    prompt_id: `p${i % 5}`,
    request_id: `${fields.run_id}-${i}`,
    endpoint: "http://127.0.0.1:8000",
    worker: i % 4,
    attempts: 1,
    warmup: false,
    status: "ok",
    error_class: null,
    http_status: 200,
    error_message: null,
    error_type: null,
    error_code: null,
    error_param: null,
    overflow_limit_tokens: null,
    overflow_requested_tokens: null,
    overflow_prompt_tokens: null,
    overflow_completion_tokens: null,
    vllm_success: null,
    sent_ms: null,
    first_event_ms: null,
    first_token_ms: null,
    done_ms: null,
    last_chunk_ms: null,
    ttft_ms: null,
    e2e_ms: null,
    tpot_ms: null,
    itl_ms: null,
    prompt_tokens: null,
    completion_tokens: null,
    total_tokens: null,
    usage_mismatch: null,
    finish_reason: "stop",
    stop_reason: null,
    stop_token_id: null,
    system_fingerprint: null,
    answer: null,
    reasoning: null,
    tool_call_count: null,
    tool_call_names: null,
    tool_call_types: null,
    tool_call_args_json: null,
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
    last_chunk_ms: t.sentMs + e2e,
    vllm_success: true,
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
    server: {
      kind: "simulate",
      endpoint: "http://127.0.0.1:8000",
      model: "gemma-3-4b",
      profile: "gemma-3-4b@rtx-4080",
    },
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
  /** Grid cells: each has a page of its own too. */
  cells: { id: string; title: string }[];
  /** The experiment whose answers include HOSTILE_ANSWER. */
  hostileId: string;
}

const RECOMMENDATIONS = ["strong_yes", "yes", "maybe", "no"];

/** A JSON answer with a recommendation, checked as the runner would (valid unless `invalid`). */
function jsonAnswer(
  recommendation: string,
  text: string,
): Pick<RequestRow, "answer" | "json_valid" | "schema_valid" | "schema_errors"> {
  return {
    answer: JSON.stringify({ recommendation, reasoning: text }),
    json_valid: true,
    schema_valid: true,
    schema_errors: null,
  };
}

/**
 * The TTFT histogram a server exposes at the end of the run (it started at 0): 29 requests, 20 of
 * them within 50 ms, the others within 100 ms.
 */
const TTFT_BUCKETS: [string, number][] = [
  ["0.05", 20],
  ["0.1", 29],
  ["+Inf", 29],
];

/**
 * Writes `server-metrics.parquet` (long format) for a run: KV-cache usage and queue gauges, a TTFT
 * histogram, and GPU power (nvidia-smi).
 */
async function writeServerMetrics(dir: string, runId: string): Promise<void> {
  const row = (t: number, metric: string, labels: string, value: number) => ({
    run_id: runId,
    endpoint: "http://127.0.0.1:8000",
    t_ms: t,
    metric,
    labels,
    value,
  });
  const rows = Array.from({ length: 12 }, (_, i) =>
    [
      { metric: "vllm:kv_cache_usage_perc", value: Math.min(1, i / 10) },
      { metric: "vllm:num_requests_running", value: Math.min(4, i) },
      { metric: "vllm:num_requests_waiting", value: Math.max(0, 3 - i) },
    ]
      .map((m) => row(i * 300, m.metric, "{}", m.value))
      .concat([{ ...row(i * 300, "gpu:power_draw_watts", '{"gpu":"0"}', 200 + 10 * i), endpoint: "nvidia-smi" }]),
  ).flat();
  const ttft = "vllm:time_to_first_token_seconds";
  for (const [t, scale] of [
    [0, 0],
    [3300, 1],
  ] as const) {
    for (const [le, count] of TTFT_BUCKETS) rows.push(row(t, `${ttft}_bucket`, JSON.stringify({ le }), count * scale));
    rows.push(row(t, `${ttft}_count`, "{}", 29 * scale), row(t, `${ttft}_sum`, "{}", 1.45 * scale));
  }
  const jsonPath = join(dir, "server-metrics.json");
  writeFileSync(jsonPath, JSON.stringify(rows));
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run(
      `COPY (SELECT * FROM read_json('${jsonPath}', format = 'array')) TO '${join(dir, "server-metrics.parquet")}' (FORMAT parquet)`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  rmSync(jsonPath);
}

/**
 * The store the site tests build against: a simulated run with a hostile answer, server metrics,
 * an interruption and a self-check; a measured run of a launched server on the same prompts
 * (answers published truncated); a pending, a failed and an invalid experiment; a recorded
 * experiment (aggregates only); a two-level concurrency sweep stored before grids; a grid
 * (writeGridFixture); and a malformed run folder.
 */
export async function buildSiteFixture(resultsDir: string): Promise<SiteFixture> {
  const alphaSpec = { requests: 30, load: { concurrency: 4 }, server: { simulate: "gemma-3-4b@rtx-4080" } };
  const alphaRows = Array.from({ length: 30 }, (_, i) => {
    const base = { run_id: "run-a", experiment_id: "alpha", request_index: i };
    if (i === 7)
      return makeRow({
        ...base,
        status: "error",
        error_class: "http_5xx",
        http_status: 500,
        error_message: "simulated 500",
        sent_ms: 700,
        done_ms: 720,
        e2e_ms: 20,
        finish_reason: null,
      });
    const row = timedRow(base, {
      sentMs: i * 100,
      ttftMs: 40 + (i % 3) * 10,
      tpotMs: 8,
      promptTokens: 100 + i * 3,
      tokens: 20 + (i % 5) * 10,
      answer: "",
    });
    if (i === 2)
      return { ...row, answer: HOSTILE_ANSWER, json_valid: false, schema_valid: false, schema_errors: "(not JSON)" };
    return { ...row, ...jsonAnswer(RECOMMENDATIONS[i % 4]!, `Answer number ${i}: the candidate fits the role.`) };
  });
  const alphaDir = await writeRun(
    resultsDir,
    makeManifest({
      run_id: "run-a",
      experiment_id: "alpha",
      spec: alphaSpec,
      prompt_hash: "prompts-shared",
      counts: { requests: 30, done: 30, ok: 29, error: 1 },
      interruptions: [{ at: "2026-01-01T10:00:30.000Z", reason: "killed (SIGKILL); resumed" }],
      self_check: {
        send_lag_p99_ms: 0.4,
        event_loop_delay_p99_ms: 1.2,
        mean_in_flight: 3.9,
        target_in_flight: 4,
        client_bound: false,
        reason: null,
        clients: [0, 1].map((client) => ({
          client,
          send_lag_p99_ms: 0.25 + client / 2,
          event_loop_delay_p99_ms: 1.1,
          mean_in_flight: 1.95,
          target_in_flight: 2,
          client_bound: false,
          reason: null,
        })),
      },
    }),
    alphaRows,
  );
  await writeServerMetrics(alphaDir, "run-a");

  // Beta: slower, on the same prompts (p0…p4), answers longer than the truncation limit.
  const betaRows = Array.from({ length: 12 }, (_, i) => ({
    ...timedRow(
      { run_id: "run-b", experiment_id: "beta", request_index: i },
      { sentMs: i * 250, ttftMs: 120, tpotMs: 15, promptTokens: 400, tokens: 60, answer: "" },
    ),
    ...jsonAnswer(
      RECOMMENDATIONS[(i + 1) % 4]!,
      `Beta answer ${i}, a long explanation that goes on well past the eighty characters of a truncated report.`,
    ),
  }));
  await writeRun(
    resultsDir,
    makeManifest({
      run_id: "run-b",
      experiment_id: "beta",
      source: "measured",
      spec: { requests: 12, load: { concurrency: 2 } },
      prompt_hash: "prompts-shared",
      server: { kind: "launch", endpoint: "http://gpu-box:8000", model: "qwen-7b", profile: null },
      counts: { requests: 12, done: 12, ok: 12, error: 0 },
      environment: {
        node: "v20",
        os: "linux",
        cpu: "test",
        host: "gpu-box",
        git_commit: "0123456789abcdef0123456789abcdef01234567",
        git_dirty: false,
        gpus: [{ name: "NVIDIA GeForce RTX 4080", driver: "550.54", memory_total_mib: 16376 }],
      },
      launch: {
        command: "vllm serve qwen-7b --gpu-memory-utilization 0.9",
        load_time_s: 678,
        log_file: "server.log",
        weights_gib: 7.6,
        weights_load_s: 41.2,
        kv_cache_gib: 2.0,
        kv_cache_tokens: 14_560,
        max_concurrency: 3.55,
        cuda_graph_gib: 0.7,
        gpu_memory_before_mib: 420,
        gpu_memory_after_mib: 11_264,
        failure: null,
        model_load_s: 52.5,
        torch_compile_s: 120.4,
        cuda_graph_s: 31,
        init_engine_s: 560.1,
        ready_line_s: 676.9,
        prefix_caching: {
          requested: true,
          effective: false,
          reason: "Hybrid or mamba-based model detected: disabling prefix caching since it is not yet supported.",
        },
        kv_block_size: 16,
        routes: [
          { path: "/health", methods: ["GET"] },
          { path: "/v1/chat/completions", methods: ["POST"] },
        ],
      },
    }),
    betaRows,
  );
  await writeRun(
    resultsDir,
    makeManifest({
      run_id: "run-d",
      experiment_id: "delta",
      status: "failed",
      reason: "server never became healthy",
      finished_at: null,
      spec: { requests: 100, load: { concurrency: 4 } },
      counts: { requests: 100, done: 0, ok: 0, error: 0 },
    }),
    null,
  );
  // Recorded: aggregates measured elsewhere, no requests.parquet.
  await writeRun(
    resultsDir,
    makeManifest({
      run_id: "run-r",
      experiment_id: "zeta",
      source: "recorded",
      spec: { requests: 5000 },
      server: { kind: "recorded", endpoint: "rtx-4080 box", model: "llama-3.2-1b", profile: null },
      counts: { requests: 5000, done: 5000, ok: 5000, error: 0 },
      recorded: RECORDED_LLAMA_5K,
      // A recorded run's hardware, as recordedManifest stores it: the speed model's observation.
      environment: {
        ...makeManifest({ run_id: "x", experiment_id: "x" }).environment,
        host: "NVIDIA GeForce RTX 4080 (16 GB)",
      },
    }),
    null,
  );
  // A sweep: one run per concurrency level, same prompts.
  for (const level of [2, 4]) {
    const runId = `run-s${level}`;
    const rows = Array.from({ length: 16 }, (_, i) =>
      timedRow(
        { run_id: runId, experiment_id: "sweep", request_index: i },
        {
          sentMs: Math.floor(i / level) * 200,
          ttftMs: 20 * level,
          tpotMs: 5 + level,
          promptTokens: 50,
          tokens: 30,
          answer: `Sweep ${level} answer ${i}`,
        },
      ),
    );
    await writeRun(
      resultsDir,
      makeManifest({
        run_id: runId,
        experiment_id: "sweep",
        spec: { requests: 16, load: { concurrency: [2, 4] } },
        group: { level, repeat: 0 },
        prompt_hash: "prompts-sweep",
        server: {
          kind: "simulate",
          endpoint: "http://127.0.0.1:8000",
          model: "gemma-3-1b",
          profile: "gemma-3-1b@rtx-4080",
        },
        started_at: `2026-01-01T11:0${level}:00.000Z`,
        counts: { requests: 16, done: 16, ok: 16, error: 0 },
      }),
      rows,
    );
  }
  const grid = await writeGridFixture(resultsDir);
  // Malformed: a run folder without manifest and a foreign file. The site must skip both.
  mkdirSync(join(resultsDir, "alpha", "half-written"), { recursive: true });
  writeFileSync(join(resultsDir, "alpha", "stray.txt"), "not a run");

  const experiments: Entry[] = [
    makeEntry({
      id: "alpha",
      title: "Alpha on the simulator",
      state: "fresh",
      notes: "Checks **throughput** at concurrency 4.\n\n- first point\n- second point",
      spec_hash: "spec-alpha",
      run_id: "run-a",
      spec: { title: "Alpha", ...alphaSpec },
      simulated: true,
      model: "gemma-3-4b",
    }),
    makeEntry({
      id: "beta",
      title: "Beta on a real GPU",
      state: "stale",
      spec_hash: "spec-beta",
      run_id: "run-b",
      spec: { title: "Beta", requests: 12 },
      model: "qwen-7b",
    }),
    makeEntry({
      id: "gamma",
      title: "Gamma not run yet",
      state: "pending",
      spec: { title: "Gamma", requests: 1000 },
      model: "qwen-7b",
    }),
    makeEntry({
      id: "delta",
      title: "Delta failed",
      state: "failed",
      run_id: "run-d",
      spec: { title: "Delta", requests: 100 },
      simulated: true,
      model: "gemma-3-4b",
      error: "server never became healthy",
    }),
    makeEntry({
      id: "epsilon",
      title: "Epsilon invalid",
      state: "invalid",
      error: "workload.maxTokens: expected a number",
    }),
    makeEntry({
      id: "zeta",
      title: "Zeta recorded on the RTX 4080",
      state: "fresh",
      spec_hash: "spec-zeta",
      run_id: "run-r",
      spec: { requests: 5000 },
      model: "llama-3.2-1b",
    }),
    makeEntry({
      id: "sweep",
      title: "Sweep over concurrency",
      state: "fresh",
      spec_hash: "spec-sweep",
      run_id: "run-s4",
      spec: { requests: 16, load: { concurrency: [2, 4] } },
      simulated: true,
      model: "gemma-3-1b",
    }),
    ...grid,
  ];
  writeIndex(resultsDir, experiments);
  // Grid cells are reached from their grid's page, not the sidebar.
  return {
    experiments: experiments.filter((e) => !e.cell).map(({ id, title }) => ({ id, title })),
    cells: grid.filter((e) => e.cell).map(({ id, title }) => ({ id, title })),
    hostileId: "alpha",
  };
}

/** The grid of the fixture: its experiment id, and the ids of its cells (each with a page). */
export const GRID = {
  id: "study",
  title: "Grid study",
  cells: {
    gemma2: "study_model-gemma-3-1b_concurrency-2",
    gemma4: "study_model-gemma-3-1b_concurrency-4",
    llama2: "study_model-llama-3.2-1b_concurrency-2",
    llama4: "study_model-llama-3.2-1b_concurrency-4",
    removed: "study_model-gemma-3-1b_concurrency-8",
  },
};

/**
 * A grid of model × concurrency as the runner stores it: two fresh cells with rows, a cell that
 * failed to start (out of memory), a pending cell, and a removed cell with its run. Returns the
 * index entries (the grid's, then each cell's).
 */
async function writeGridFixture(resultsDir: string): Promise<Entry[]> {
  const models = { "gemma-3-1b": "google/gemma-3-1b-it", "llama-3.2-1b": "meta-llama/Llama-3.2-1B-Instruct" };
  type Model = keyof typeof models;
  const cells: { id: string; model: Model; concurrency: number; state: Entry["state"]; run: string | null }[] = [
    { id: GRID.cells.gemma2, model: "gemma-3-1b", concurrency: 2, state: "fresh", run: "run-g2" },
    { id: GRID.cells.gemma4, model: "gemma-3-1b", concurrency: 4, state: "fresh", run: "run-g4" },
    { id: GRID.cells.llama2, model: "llama-3.2-1b", concurrency: 2, state: "failed", run: "run-l2" },
    { id: GRID.cells.llama4, model: "llama-3.2-1b", concurrency: 4, state: "pending", run: null },
    { id: GRID.cells.removed, model: "gemma-3-1b", concurrency: 8, state: "removed", run: "run-g8" },
  ];
  const oom = "server: out of memory: CUDA out of memory. Tried to allocate 1.50 GiB";
  const entries: Entry[] = [];
  for (const [i, c] of cells.entries()) {
    const key = `model=${c.model},concurrency=${c.concurrency}`;
    const spec = { requests: 16, load: { concurrency: c.concurrency }, server: { simulate: `${c.model}@rtx-4080` } };
    const failed = c.state === "failed";
    if (c.run) {
      const rows = failed
        ? null
        : Array.from({ length: 16 }, (_, j) =>
            timedRow(
              { run_id: c.run!, experiment_id: GRID.id, request_index: j },
              {
                sentMs: Math.floor(j / c.concurrency) * 150,
                ttftMs: 15 * c.concurrency,
                tpotMs: 4 + c.concurrency,
                promptTokens: 50,
                tokens: 30,
                answer: `Grid ${key} answer ${j}`,
              },
            ),
          );
      await writeRun(
        resultsDir,
        makeManifest({
          run_id: c.run,
          experiment_id: GRID.id,
          status: failed ? "failed" : "complete",
          reason: failed ? oom : null,
          spec_hash: `spec-${c.id}`,
          prompt_hash: "prompts-shared",
          spec,
          server: { kind: "simulate", endpoint: "http://127.0.0.1:8000", model: models[c.model], profile: null },
          started_at: `2026-01-01T12:0${i}:00.000Z`,
          counts: { requests: 16, done: failed ? 0 : 16, ok: failed ? 0 : 16, error: 0 },
          group: { level: null, repeat: 0 },
          cell: { key, axes: { model: c.model, concurrency: c.concurrency } },
        }),
        rows,
      );
    }
    entries.push(
      makeEntry({
        id: c.id,
        file: "study.ts",
        title: `${GRID.title} · ${key}`,
        state: c.state,
        spec_hash: `spec-${c.id}`,
        run_id: c.run,
        spec,
        simulated: true,
        model: models[c.model],
        error: failed ? oom : null,
        cell: { experiment: GRID.id, key, axes: { model: c.model, concurrency: c.concurrency } },
      }),
    );
  }
  const parent = makeEntry({
    id: GRID.id,
    title: GRID.title,
    state: "failed",
    notes: "Two small models at two concurrencies.",
    simulated: true,
    error: "2 of 4 cells fresh (2 fresh, 1 failed, 1 pending)",
    grid: {
      axes: [
        { name: "model", values: ["gemma-3-1b", "llama-3.2-1b"] },
        { name: "concurrency", values: [2, 4] },
      ],
      cells: entries.map((e) => ({ id: e.id, key: e.cell!.key, state: e.state, run_id: e.run_id })),
    },
  });
  return [parent, ...entries];
}

/** Experiment files for the report settings the index does not hold (prices, GPU $/hour, agreement field, publish). */
export function writeSiteExperiments(experimentsDir: string, schemaModule: string): void {
  mkdirSync(experimentsDir, { recursive: true });
  const file = (extra: string) => `import { z } from "zod";
import { defineExperiment } from ${JSON.stringify(schemaModule)};
export default defineExperiment({
  title: "fixture",
  server: { simulate: "gemma-3-4b@rtx-4080" },
  workload: { prompts: { inline: [{ id: "p0", prompt: "hello" }] }, maxTokens: 64, temperature: 0, seed: 1 },
  requests: 30,
  load: { concurrency: 4 },
  quality: { schema: z.object({ recommendation: z.enum(["strong_yes", "yes", "maybe", "no"]), reasoning: z.string() }), agreementField: "recommendation" },
  ${extra}
});
`;
  writeFileSync(
    join(experimentsDir, "alpha.ts"),
    file(
      `prices: [{ label: "cheap API", inputPerMTok: 0.02, outputPerMTok: 0.04 }], gpuDollarsPerHour: 0.35, electricityPerKWh: 0.3,`,
    ),
  );
  writeFileSync(
    join(experimentsDir, "beta.ts"),
    file(
      `prices: [{ label: "strong API", inputPerMTok: 0.2, outputPerMTok: 0.6 }], gpuDollarsPerHour: 1.2, publish: { answers: "truncated" },`,
    ),
  );
}
