import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { histogram } from "../../data-loaders/metrics/histogram.ts";
import { itlDistribution, latencyQuantiles } from "../../data-loaders/metrics/latency.ts";
import { outcomeCounts } from "../../data-loaders/metrics/outcomes.ts";
import { successAccounting } from "../../data-loaders/metrics/success.ts";
import { answerSample, readRowBatches, readRows } from "../../data-loaders/store/columns.ts";
import { query, quoteIdentifier, sqlString } from "../../data-loaders/store/duckdb.ts";
import { makeManifest, makeRow, writeRun } from "../site/fixture-store.ts";
import { writeStoreFixture, type StoreFixture } from "./fixture.ts";

let store: StoreFixture;
let dir: string;

beforeAll(async () => {
  store = await writeStoreFixture();
  ({ dir } = store);
});
afterAll(() => store.cleanup());

describe("quoting", () => {
  test("doubles the quote characters of literals and identifiers", async () => {
    expect(sqlString("it's")).toBe("'it''s'");
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
    const [row] = await query(`SELECT ${sqlString("it's")} AS ${quoteIdentifier('a"b')}`, {});
    expect(row).toEqual({ 'a"b': "it's" });
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

describe("files written before a column existed", () => {
  test("read every newer column as null, typed, so current queries still run", async () => {
    const o = { run_id: "o", experiment_id: "old" } as const;
    const path = join(
      await writeRun(dir, makeManifest({ ...o, row_schema_version: 1 }), [
        makeRow({ ...o, request_index: 0, sent_ms: 0, done_ms: 500, e2e_ms: 500, ttft_ms: 50, itl_ms: [10] }),
        makeRow({ ...o, request_index: 1, status: "error", error_class: "in_band_error", sent_ms: 5, done_ms: 90 }),
      ]),
      "requests.parquet",
    );
    // Rewrite the file with the first contract's columns only (no warmup, vllm_success, last_chunk_ms, …).
    const v1 = ["run_id", "experiment_id", "request_index", "status", "error_class", "sent_ms", "done_ms", "e2e_ms"];
    const old = path.replace(/requests\.parquet$/, "old.parquet");
    await query(
      `COPY (SELECT ${v1.join(", ")} FROM read_parquet(${sqlString(path)})) TO ${sqlString(old)} (FORMAT parquet)`,
      {},
    );
    const rows = await readRows(old, ["request_index", "status", "vllm_success", "last_chunk_ms", "tool_call_names"]);
    expect(rows).toEqual([
      { request_index: 0, status: "ok", vllm_success: null, last_chunk_ms: null, tool_call_names: null },
      { request_index: 1, status: "error", vllm_success: null, last_chunk_ms: null, tool_call_names: null },
    ]);
    const [types] = await query(
      `SELECT typeof(vllm_success) AS b, typeof(tool_call_names) AS l, typeof(overflow_limit_tokens) AS n FROM measured LIMIT 1`,
      { path: old },
    );
    expect(types).toEqual({ b: "BOOLEAN", l: "VARCHAR[]", n: "BIGINT" });
    expect(await successAccounting(old)).toEqual({ completed: 1, vllmCompleted: null, differences: [] });
  });
});

describe("connections kept between queries over one file", () => {
  test("a file written anew at the same path is read anew", async () => {
    const r = { run_id: "again", experiment_id: "again" } as const;
    const path = join(
      await writeRun(dir, makeManifest({ ...r }), [makeRow({ ...r, request_index: 0 })]),
      "requests.parquet",
    );
    const count = async () => (await query(`SELECT count(*) AS n FROM measured`, { path }))[0]!.n;
    expect(await count()).toBe(1);
    expect(await count()).toBe(1);
    // Rewritten with more rows: a new size (or time), so new views.
    const rows = [0, 1, 2].map((i) => makeRow({ ...r, request_index: i }));
    await writeRun(dir, makeManifest({ ...r }), rows);
    expect(await count()).toBe(3);
  });

  test("queries over one file at the same time each get a connection of their own", async () => {
    const path = join(dir, "again", "again", "requests.parquet");
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => query(`SELECT count(*) + ${i} AS n FROM measured`, { path })),
    );
    expect(results.map((r) => r[0]!.n)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
