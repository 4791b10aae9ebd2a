// The DuckDB child of store/parquet.ts: statements go over IPC, so a merge of many shards (one
// file path each in its SQL) is not held to the size of one command-line argument.
import { describe, expect, test } from "vitest";
import { runDuckdbRow } from "../../data-loaders/store/parquet.ts";

describe("runDuckdbRow", () => {
  test("runs statements longer than a command-line argument may be", async () => {
    // Linux caps one argument at 128 KiB; this statement is 300 KB.
    const padding = `/* ${"x".repeat(300_000)} */`;
    expect(await runDuckdbRow({ threads: "1" }, [`SELECT 1 AS a, 2 AS b ${padding}`])).toEqual([1, 2]);
  });

  test("answers null without a row, and names DuckDB's error", async () => {
    expect(await runDuckdbRow({ threads: "1" }, ["SELECT 1 WHERE false"])).toBeNull();
    await expect(runDuckdbRow({ threads: "1" }, ["SELECT * FROM no_such_table"])).rejects.toThrow(/no_such_table/);
  });
});
