// The DuckDB child of store/parquet.ts (plain JavaScript: it starts once per finished run, and
// tsx would add a quarter of a second to that). argv[2] is JSON `{ options, statements }`: it
// opens an in-memory DuckDB with `options`, runs the statements in order and prints the first
// column of the last statement's first row as JSON (null without a row). An error exits non-zero
// with DuckDB's message on stderr.
import { DuckDBInstance } from "@duckdb/node-api";

const { options, statements } = JSON.parse(process.argv[2]);
const instance = await DuckDBInstance.create(":memory:", options);
const con = await instance.connect();
let last = null;
for (const sql of statements) last = await con.runAndReadAll(sql);
const row = last?.getRows()[0];
process.stdout.write(JSON.stringify(row ? row.map(Number) : null));
con.closeSync();
instance.closeSync();
