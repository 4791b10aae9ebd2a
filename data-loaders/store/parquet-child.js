// The DuckDB child of store/parquet.ts (plain JavaScript: it starts once per finished run, and
// tsx would add a quarter of a second to that). Its one IPC message is `{ options, statements }`
// (a message, not an argument: a merge of many shards lists every file, beyond what one argument
// may hold): it opens an in-memory DuckDB with `options`, runs the statements in order and answers
// with the last statement's first row as numbers (null without a row). An error exits non-zero
// with DuckDB's message on stderr.
import { DuckDBInstance } from "@duckdb/node-api";

process.once("message", async ({ options, statements }) => {
  const instance = await DuckDBInstance.create(":memory:", options);
  const con = await instance.connect();
  let last = null;
  for (const sql of statements) last = await con.runAndReadAll(sql);
  const row = last?.getRows()[0];
  con.closeSync();
  instance.closeSync();
  process.send(row ? row.map(Number) : null, () => process.exit(0));
});
