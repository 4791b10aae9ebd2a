import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  answerSample,
  experimentEntries,
  findRun,
  exportRun,
  histogram,
  itlDistribution,
  latencyQuantiles,
  listRuns,
  outcomeCounts,
  readExperimentIndex,
  readRowBatches,
  readRows,
  serverMetricSeries,
} from "../../data-loaders/store/catalog.ts";
import { DuckDBInstance } from "@duckdb/node-api";
import { makeEntry, makeManifest, makeRow, writeIndex, writeRun } from "../site/fixture-store.ts";

const base = { run_id: "r1", experiment_id: "alpha" } as const;
const ROWS = [
  makeRow({
    ...base,
    request_index: 0,
    prompt_id: "a",
    sent_ms: 0,
    done_ms: 100,
    e2e_ms: 100,
    ttft_ms: 10,
    prompt_tokens: 10,
    completion_tokens: 5,
    itl_ms: [1.5, 2.5],
    answer: "first",
  }),
  makeRow({
    ...base,
    request_index: 1,
    prompt_id: "b",
    sent_ms: 5,
    done_ms: 205,
    e2e_ms: 200,
    ttft_ms: 20,
    prompt_tokens: 20,
    completion_tokens: 10,
    finish_reason: "length",
    answer: "second",
  }),
  makeRow({
    ...base,
    request_index: 2,
    prompt_id: "c",
    status: "error",
    error_class: "timeout",
    http_status: null,
    error_message: "timed out",
    finish_reason: null,
    sent_ms: 9,
  }),
  makeRow({
    ...base,
    request_index: 3,
    prompt_id: "a",
    sent_ms: 12,
    done_ms: 412,
    e2e_ms: 400,
    ttft_ms: 40,
    prompt_tokens: 40,
    completion_tokens: 20,
    answer: "fourth",
  }),
];

let dir: string;
let experimentsDir: string;
let requestsPath: string;
const warnings: string[] = [];
const warn = (message: string) => warnings.push(message);

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), "tracker-catalog-"));
  dir = join(root, "results");
  experimentsDir = join(root, "experiments");
  mkdirSync(experimentsDir);
  for (const id of ["alpha", "zeta"]) writeFileSync(join(experimentsDir, `${id}.ts`), "export default {};\n");

  const runDir = await writeRun(dir, makeManifest({ ...base, started_at: "2026-01-02T00:00:00.000Z" }), ROWS);
  requestsPath = join(runDir, "requests.parquet");
  await writeRun(
    dir,
    makeManifest({ run_id: "r0", experiment_id: "alpha", status: "failed", started_at: "2026-01-01T00:00:00.000Z" }),
    null,
  );
  // Malformed: no manifest, a manifest that is not JSON, one that fails the schema, one naming
  // another run, and foreign files at both levels.
  mkdirSync(join(dir, "alpha", "no-manifest"));
  mkdirSync(join(dir, "alpha", "garbled"));
  writeFileSync(join(dir, "alpha", "garbled", "manifest.json"), "{not json");
  mkdirSync(join(dir, "alpha", "wrong-shape"));
  writeFileSync(join(dir, "alpha", "wrong-shape", "manifest.json"), JSON.stringify({ run_id: "wrong-shape" }));
  mkdirSync(join(dir, "alpha", "moved"));
  writeFileSync(
    join(dir, "alpha", "moved", "manifest.json"),
    JSON.stringify(makeManifest({ run_id: "other", experiment_id: "alpha" })),
  );
  writeFileSync(join(dir, "alpha", "notes.txt"), "hello");
  writeFileSync(join(dir, "README"), "stray");
  writeFileSync(join(dir, ".lock"), "");
});

afterAll(() => rmSync(join(dir, ".."), { recursive: true, force: true }));

describe("listRuns", () => {
  test("lists well-formed runs by start time and reports, but keeps, malformed folders", () => {
    warnings.length = 0;
    const runs = listRuns(dir, warn);
    expect(runs.map((r) => [r.experimentId, r.runId, r.manifest.status])).toEqual([
      ["alpha", "r0", "failed"],
      ["alpha", "r1", "complete"],
    ]);
    expect(runs[0]!.requestsPath).toBeNull();
    expect(runs[1]!.requestsPath).toBe(requestsPath);
    const reported = warnings.join("\n");
    for (const name of ["no-manifest", "garbled", "wrong-shape", "moved", "notes.txt", "README"])
      expect(reported).toContain(name);
    expect(reported).not.toContain(".lock");
    expect(existsSync(join(dir, "alpha", "garbled", "manifest.json"))).toBe(true);
    expect(existsSync(join(dir, "alpha", "notes.txt"))).toBe(true);
  });

  test("is empty for a store that does not exist yet", () => {
    expect(listRuns(join(dir, "missing"), warn)).toEqual([]);
    expect(experimentEntries(join(dir, "missing"), join(dir, "no-experiments"), warn)).toEqual([]);
  });
});

describe("experiment index", () => {
  test("falls back to experiment file names, with the latest run, when experiments.json is missing", () => {
    expect(readExperimentIndex(dir, warn)).toBeNull();
    const entries = experimentEntries(dir, experimentsDir, warn);
    expect(entries.map((e) => [e.id, e.state, e.run_id, e.simulated, e.model])).toEqual([
      ["alpha", "pending", "r1", true, "gemma-3-4b"],
      ["zeta", "pending", null, false, null],
    ]);
  });

  test("reads experiments.json, and ignores it with a warning when it is invalid", () => {
    const indexDir = join(dir, "..", "indexed");
    writeIndex(indexDir, [makeEntry({ id: "alpha", title: "Alpha", state: "fresh", run_id: "r1", simulated: true })]);
    expect(experimentEntries(indexDir, experimentsDir, warn).map((e) => [e.id, e.title, e.state])).toEqual([
      ["alpha", "Alpha", "fresh"],
    ]);

    writeFileSync(join(indexDir, "experiments.json"), JSON.stringify({ experiments: [{ id: 1 }] }));
    warnings.length = 0;
    expect(readExperimentIndex(indexDir, warn)).toBeNull();
    expect(warnings.join()).toContain("experiments.json");
  });

  test("findRun resolves the run an entry shows, and null for none or a missing folder", () => {
    expect(findRun(dir, "alpha", "r1", warn)?.requestsPath).toBe(requestsPath);
    expect(findRun(dir, "alpha", null, warn)).toBeNull();
    warnings.length = 0;
    expect(findRun(dir, "alpha", "gone", warn)).toBeNull();
    expect(warnings.join()).toContain("gone");
    expect(findRun(dir, "alpha", "garbled", warn)).toBeNull();
  });
});

describe("row queries", () => {
  test("readRows returns the requested columns in request order, integers as numbers, nulls kept", async () => {
    const rows = await readRows(requestsPath, ["request_index", "status", "prompt_tokens", "itl_ms", "done_ms"]);
    expect(rows).toEqual([
      { request_index: 0, status: "ok", prompt_tokens: 10, itl_ms: [1.5, 2.5], done_ms: 100 },
      { request_index: 1, status: "ok", prompt_tokens: 20, itl_ms: null, done_ms: 205 },
      { request_index: 2, status: "error", prompt_tokens: null, itl_ms: null, done_ms: null },
      { request_index: 3, status: "ok", prompt_tokens: 40, itl_ms: null, done_ms: 412 },
    ]);
  });

  test("answerSample returns the first requests with their answers", async () => {
    const sample = await answerSample(requestsPath, 2);
    expect(sample.map((s) => [s.request_index, s.prompt_id, s.answer, s.completion_tokens])).toEqual([
      [0, "a", "first", 5],
      [1, "b", "second", 10],
    ]);
  });

  test("outcomeCounts groups requests by how they ended", async () => {
    expect(await outcomeCounts(requestsPath)).toEqual([
      { status: "ok", error_class: null, finish_reason: "stop", count: 2 },
      { status: "error", error_class: "timeout", finish_reason: null, count: 1 },
      { status: "ok", error_class: null, finish_reason: "length", count: 1 },
    ]);
  });

  test("histogram counts values in equal bins from min to max, the maximum in the last bin", async () => {
    // prompt_tokens 10, 20, 40 (one null) over 3 bins of width 10: [10,20) [20,30) [30,40].
    expect(await histogram(requestsPath, "prompt_tokens", 3)).toEqual([
      { x0: 10, x1: 20, count: 1 },
      { x0: 20, x1: 30, count: 1 },
      { x0: 30, x1: 40, count: 1 },
    ]);
    expect(await histogram(requestsPath, "tpot_ms", 5)).toEqual([]);
  });

  test("histogram of a constant column is one bin holding every value", async () => {
    const constant = await writeRun(
      join(dir, "..", "constant"),
      makeManifest({ run_id: "c", experiment_id: "k" }),
      [0, 1].map((i) => makeRow({ run_id: "c", experiment_id: "k", request_index: i, e2e_ms: 7 })),
    );
    expect(await histogram(join(constant, "requests.parquet"), "e2e_ms", 4)).toEqual([{ x0: 7, x1: 8, count: 2 }]);
  });
});

describe("statistics leave out warm-up requests", () => {
  let warm: string;
  beforeAll(async () => {
    const w = { run_id: "w", experiment_id: "warm" } as const;
    const rows = [
      makeRow({
        ...w,
        request_index: 0,
        warmup: true,
        sent_ms: 0,
        done_ms: 900,
        e2e_ms: 900,
        ttft_ms: 800,
        tpot_ms: 50,
        itl_ms: [50, 50],
        completion_tokens: 3,
      }),
      makeRow({
        ...w,
        request_index: 1,
        sent_ms: 0,
        done_ms: 100,
        e2e_ms: 100,
        ttft_ms: 10,
        tpot_ms: 45,
        itl_ms: [1, 3],
        completion_tokens: 3,
      }),
      makeRow({
        ...w,
        request_index: 2,
        sent_ms: 0,
        done_ms: 300,
        e2e_ms: 300,
        ttft_ms: 30,
        tpot_ms: 135,
        itl_ms: [5],
        completion_tokens: 3,
      }),
      makeRow({
        ...w,
        request_index: 3,
        status: "error",
        error_class: "reset",
        sent_ms: 1,
        done_ms: 2,
        e2e_ms: 1,
        itl_ms: [999],
      }),
    ];
    warm = join(await writeRun(dir, makeManifest({ ...w }), rows), "requests.parquet");
  });

  test("readRows, outcomes, histograms and the SQL latency statistics skip them; the sample keeps them", async () => {
    expect((await readRows(warm, ["request_index"])).map((r) => r.request_index)).toEqual([1, 2, 3]);
    expect((await outcomeCounts(warm)).reduce((n, o) => n + o.count, 0)).toBe(3);
    expect((await histogram(warm, "ttft_ms", 2)).reduce((n, b) => n + b.count, 0)).toBe(2);
    const itl = await itlDistribution(warm);
    expect(itl).toMatchObject({ n: 3, mean: 3, min: 1, max: 5, median: 3 });
    const q = await latencyQuantiles(warm, [0, 50, 100]);
    expect(q.ttftMs).toEqual([
      { p: 0, ms: 10 },
      { p: 50, ms: 20 },
      { p: 100, ms: 30 },
    ]);
    expect(q.e2elMs.map((x) => x.ms)).toEqual([100, 200, 300]);
    expect((await answerSample(warm, 10)).map((r) => r.request_index)).toEqual([0, 1, 2, 3]);
  });

  test("readRowBatches gives the rows of readRows in request order, a batch at a time", async () => {
    const batches: unknown[][] = [];
    for await (const batch of readRowBatches(warm, ["request_index", "itl_ms"], 2)) batches.push(batch);
    expect(batches).toEqual([
      [
        { request_index: 1, itl_ms: [1, 3] },
        { request_index: 2, itl_ms: [5] },
      ],
      [{ request_index: 3, itl_ms: [999] }],
    ]);
  });

  test("a run without values gives an empty distribution and no quantiles", async () => {
    const e = { run_id: "e", experiment_id: "empty" } as const;
    const empty = join(
      await writeRun(dir, makeManifest({ ...e }), [
        makeRow({ ...e, request_index: 0, status: "error", error_class: "connect" }),
      ]),
      "requests.parquet",
    );
    expect(await itlDistribution(empty)).toMatchObject({ n: 0, mean: null, p99: null });
    expect(await latencyQuantiles(empty, [50])).toEqual({ ttftMs: [], tpotMs: [], e2elMs: [] });
  });
});

describe("server metrics and exports", () => {
  test("serverMetricSeries averages each gauge per bin, summed over endpoints", async () => {
    const path = join(dir, "server-metrics.parquet");
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    await connection.run(`COPY (SELECT * FROM (VALUES
      ('r', 'a', 0.0, 'vllm:num_requests_waiting', '{}', 2.0),
      ('r', 'b', 0.0, 'vllm:num_requests_waiting', '{}', 1.0),
      ('r', 'a', 500.0, 'vllm:num_requests_waiting', '{}', 5.0),
      ('r', 'a', 1500.0, 'vllm:kv_cache_usage_perc', '{}', 0.5),
      ('r', 'a', 1500.0, 'vllm:generation_tokens_total', '{}', 77.0)
    ) t(run_id, endpoint, t_ms, metric, labels, value)) TO '${path}' (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();
    expect(await serverMetricSeries(path, 1000)).toEqual([
      { metric: "vllm:kv_cache_usage_perc", startMs: 1000, value: 0.5 },
      { metric: "vllm:num_requests_waiting", startMs: 0, value: 4 },
    ]);
  });

  test("exportRun writes CSV with the replacement expressions applied", async () => {
    const out = join(dir, "export.csv");
    await exportRun(requestsPath, out, "csv", { answer: "upper(answer)" });
    const { readFileSync } = await import("node:fs");
    const text = readFileSync(out, "utf8");
    expect(text.split("\n")[0]).toContain("request_index");
    expect(text).toContain("FIRST");
    expect(text).not.toContain(",first,");
    expect(text).toContain("[1.5,2.5]");
  });
});
