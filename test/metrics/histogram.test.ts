import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { histogram, histogramBins, type NumericColumn } from "../../data-loaders/metrics/histogram.ts";
import { makeManifest, makeRow, writeRun } from "../site/fixture-store.ts";
import { writeStoreFixture, type StoreFixture } from "../store/fixture.ts";
import { measured, writeStoredRun, type StoredRun } from "./stored-run.ts";

let store: StoreFixture;
let dir: string;
let requestsPath: string;
let twin: StoredRun;

beforeAll(async () => {
  store = await writeStoreFixture();
  ({ dir, requestsPath } = store);
  twin = await writeStoredRun();
});
afterAll(() => {
  store.cleanup();
  twin.cleanup();
});

describe("histogramBins", () => {
  test("counts values in equal bins from min to max, the maximum in the last bin, nulls skipped", () => {
    expect(histogramBins([10, null, 20, 40], 3)).toEqual([
      { x0: 10, x1: 20, count: 1 },
      { x0: 20, x1: 30, count: 1 },
      { x0: 30, x1: 40, count: 1 },
    ]);
    expect(histogramBins([0, 1, 1, 2, 3, 4], 2)).toEqual([
      { x0: 0, x1: 2, count: 3 },
      { x0: 2, x1: 4, count: 3 },
    ]);
  });

  test("is one bin [v, v + 1) for a constant list, and empty without values", () => {
    expect(histogramBins([7, 7, null], 4)).toEqual([{ x0: 7, x1: 8, count: 2 }]);
    expect(histogramBins([null], 4)).toEqual([]);
    expect(histogramBins([], 4)).toEqual([]);
    expect(() => histogramBins([1, 2], 0)).toThrow(RangeError);
  });
});

describe("histogram of a stored run", () => {
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

describe("the SQL twin", () => {
  test.each(["prompt_tokens", "completion_tokens", "ttft_ms", "tpot_ms", "e2e_ms"] as NumericColumn[])(
    "gives histogramBins' bins for %s (warm-up rows left out)",
    async (column) => {
      const values = measured(twin.rows).map((r) => r[column]);
      for (const bins of [1, 3, 30]) {
        const fromSql = await histogram(twin.requestsPath, column, bins);
        expect(fromSql).toEqual(histogramBins(values, bins));
        expect(fromSql.reduce((n, b) => n + b.count, 0)).toBe(values.filter((v) => v !== null).length);
      }
    },
  );
});
