import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { countOutcomes, outcomeCounts } from "../../data-loaders/metrics/outcomes.ts";
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
});
