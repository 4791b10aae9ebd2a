// The row count read from a Parquet footer equals DuckDB's count, whatever the file holds.
import { truncateSync, writeFileSync, copyFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { query } from "../../data-loaders/store/duckdb.ts";
import { parquetRowCount } from "../../data-loaders/store/parquet-rows.ts";
import { tempDir } from "../helpers/temp.ts";
import { writeStoreFixture } from "./fixture.ts";

const temp = tempDir("parquet-rows");
afterAll(() => temp.cleanup());

/** Writes `select` as Parquet with `options`; returns the path. */
async function parquet(name: string, select: string, options = ""): Promise<string> {
  const path = join(temp.dir, name);
  await query(`COPY (${select}) TO '${path}' (FORMAT parquet${options ? `, ${options}` : ""})`, {});
  return path;
}

const duckdbCount = async (path: string) =>
  (await query(`SELECT count(*)::INTEGER AS n FROM read_parquet('${path}')`, {}))[0]!.n;

// Columns of every kind the footer's schema and statistics describe: nested lists and structs, a
// map, booleans, decimals, timestamps, blobs, enums and long strings (whose statistics are binary).
const EVERY_KIND = `SELECT i::BIGINT AS id, i % 2 = 0 AS even, (i * 1.5)::DECIMAL(10, 2) AS price,
  TIMESTAMP '2026-01-01' + INTERVAL (i) SECOND AS at, repeat('x', 100 + i % 50) AS long_text,
  [i, i + 1]::INTEGER[] AS pair, {'a': i, 'b': [true, false], 'c': {'d': 'e'}} AS nested,
  MAP {'k': i} AS m, 'blob'::BLOB AS b, NULL::VARCHAR AS nothing, (i % 100)::TINYINT AS small, i::HUGEINT AS huge`;

describe("parquetRowCount", () => {
  test.each([
    ["no rows", `${EVERY_KIND} FROM range(0) t(i)`, ""],
    ["one row", `${EVERY_KIND} FROM range(1) t(i)`, ""],
    ["many row groups", `${EVERY_KIND} FROM range(250000) t(i)`, "ROW_GROUP_SIZE 10000, COMPRESSION zstd"],
    ["key-value metadata", `SELECT i FROM range(1234) t(i)`, "KV_METADATA {source: 'test', rows: '1234'}"],
    ["more than 2^31 row ids in its values", `SELECT 3000000000 + i AS big FROM range(77) t(i)`, ""],
  ])("%s", async (name, select, options) => {
    const path = await parquet(`${name.replaceAll(" ", "-")}.parquet`, select, options);
    expect(parquetRowCount(path)).toBe(await duckdbCount(path));
  });

  test("a stored run's requests.parquet", async () => {
    const store = await writeStoreFixture();
    try {
      expect(parquetRowCount(store.requestsPath)).toBe(4);
    } finally {
      store.cleanup();
    }
  });

  test("a file that is not Parquet, or is cut short, is an error naming it", async () => {
    const text = join(temp.dir, "not.parquet");
    writeFileSync(text, "request_index,answer\n0,hello\n");
    expect(() => parquetRowCount(text)).toThrow(`${text}: not a Parquet file (no PAR1 footer)`);
    const whole = await parquet("whole.parquet", `SELECT i FROM range(10) t(i)`);
    const cut = join(temp.dir, "cut.parquet");
    copyFileSync(whole, cut);
    truncateSync(cut, 100);
    expect(() => parquetRowCount(cut)).toThrow(cut);
  });
});
