import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { answerSample, exportRun, readRows } from "../../data-loaders/store/columns.ts";
import { writeStoreFixture, type StoreFixture } from "./fixture.ts";

let store: StoreFixture;
let dir: string;
let requestsPath: string;

beforeAll(async () => {
  store = await writeStoreFixture();
  ({ dir, requestsPath } = store);
});
afterAll(() => store.cleanup());

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
});

describe("exports", () => {
  test("exportRun writes CSV with the replacement expressions applied", async () => {
    const out = join(dir, "export.csv");
    await exportRun(requestsPath, out, "csv", { answer: "upper(answer)" });
    const text = readFileSync(out, "utf8");
    expect(text.split("\n")[0]).toContain("request_index");
    expect(text).toContain("FIRST");
    expect(text).not.toContain(",first,");
    expect(text).toContain("[1.5,2.5]");
  });
});
