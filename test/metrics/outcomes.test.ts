import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { countOutcomes, outcomeCounts } from "../../data-loaders/metrics/outcomes.ts";
import { join } from "node:path";
import { makeManifest, makeRow, writeRun } from "../site/fixture-store.ts";
import { writeStoreFixture, ROWS, type StoreFixture } from "../store/fixture.ts";
import { measured, writeStoredRun, type StoredRun } from "./stored-run.ts";

let store: StoreFixture;
let requestsPath: string;
let twin: StoredRun;

beforeAll(async () => {
  store = await writeStoreFixture();
  ({ requestsPath } = store);
  twin = await writeStoredRun();
});
afterAll(() => {
  store.cleanup();
  twin.cleanup();
});

describe("outcomes", () => {
  test("outcomeCounts groups requests by how they ended", async () => {
    expect(await outcomeCounts(requestsPath)).toEqual([
      { status: "ok", error_class: null, finish_reason: "stop", count: 2 },
      { status: "error", error_class: "timeout", finish_reason: null, count: 1 },
      { status: "ok", error_class: null, finish_reason: "length", count: 1 },
    ]);
  });

  test("countOutcomes counts rows in memory the same way", () => {
    expect(countOutcomes(ROWS)).toEqual([
      { status: "ok", error_class: null, finish_reason: "stop", count: 2 },
      { status: "error", error_class: "timeout", finish_reason: null, count: 1 },
      { status: "ok", error_class: null, finish_reason: "length", count: 1 },
    ]);
    expect(countOutcomes([])).toEqual([]);
  });

  test("the SQL twin gives countOutcomes' counts and order, warm-up rows left out", async () => {
    const expected = countOutcomes(measured(twin.rows));
    expect(expected.length).toBeGreaterThan(4);
    expect(await outcomeCounts(twin.requestsPath)).toEqual(expected);
  });

  test("ties are ordered by status, error class and finish reason, unknown last, in both forms", async () => {
    const t = { run_id: "t", experiment_id: "ties" } as const;
    const kinds = [
      { status: "ok", error_class: null, finish_reason: null },
      { status: "ok", error_class: null, finish_reason: "stop" },
      { status: "error", error_class: null, finish_reason: null },
      { status: "ok", error_class: null, finish_reason: "length" },
      { status: "error", error_class: "reset", finish_reason: null },
      { status: "error", error_class: "reset", finish_reason: "length" },
    ] as const;
    const rows = kinds.map((k, i) => makeRow({ ...t, request_index: i, ...k }));
    const path = join(await writeRun(store.dir, makeManifest({ ...t }), rows), "requests.parquet");
    const expected = [
      ["error", "reset", "length"],
      ["error", "reset", null],
      ["error", null, null],
      ["ok", null, "length"],
      ["ok", null, "stop"],
      ["ok", null, null],
    ];
    const keys = (list: { status: string; error_class: string | null; finish_reason: string | null }[]) =>
      list.map((o) => [o.status, o.error_class, o.finish_reason]);
    expect(keys(countOutcomes(rows))).toEqual(expected);
    expect(keys(await outcomeCounts(path))).toEqual(expected);
  });
});
