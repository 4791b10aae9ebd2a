// Finalising a run: the journal (JSON lines) becomes requests.parquet, written by DuckDB with
// the column types derived from the row schema.
//
// DuckDB runs in a short-lived child process (plain node, ~0.2 s to start): the sort of a 200K-row
// journal takes ~150 MB of native memory that a long-lived runner process would otherwise keep
// (the allocator does not hand it back), and a DuckDB crash cannot take the runner down. The
// child also runs single-threaded with a memory limit and spills to a folder beside the file.
import { spawn } from "node:child_process";
import { renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { sqlString } from "./duckdb.ts";
import { duckdbColumns, REQUEST_COLUMNS } from "./schemas/request-row.ts";

const DUCKDB_URL = pathToFileURL(createRequire(import.meta.url).resolve("@duckdb/node-api")).href;

/** The child: runs the statements given as JSON in argv, prints the first column of the last one's first row. */
const CHILD = `
import { DuckDBInstance } from ${JSON.stringify(DUCKDB_URL)};
const { options, statements } = JSON.parse(process.argv[1]);
const instance = await DuckDBInstance.create(":memory:", options);
const con = await instance.connect();
let last = null;
for (const sql of statements) last = await con.runAndReadAll(sql);
const row = last?.getRows()[0];
process.stdout.write(JSON.stringify(row ? Number(row[0]) : null));
con.closeSync();
instance.closeSync();
`;

function runDuckdb(options: Record<string, string>, statements: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--input-type=module", "-e", CHILD, JSON.stringify({ options, statements })],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(JSON.parse(out) as number | null);
      else {
        const message =
          err.split("\n").find((l) => /Error/.test(l) && !l.startsWith("node:")) ?? err.trim().split("\n").at(-1);
        reject(
          new Error(`writing Parquet with DuckDB failed (exit ${code}): ${message?.replace(/^\[?Error:\s*/, "")}`),
        );
      }
    });
  });
}

/** Writes `parquetPath` from `journalPath`, sorted by request index. Atomic (temp file + rename). */
export async function journalToParquet(journalPath: string, parquetPath: string): Promise<number> {
  const spill = parquetPath + ".spill";
  const tmp = parquetPath + ".tmp";
  const columns = Object.entries(duckdbColumns())
    .map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`)
    .join(", ");
  const source = `read_json(${sqlString(journalPath)}, format = 'newline_delimited', columns = {${columns}})`;
  const list = REQUEST_COLUMNS.map((c) => `"${c}"`).join(", ");
  try {
    const count = await runDuckdb(
      { threads: "1", memory_limit: "256MB", temp_directory: spill, preserve_insertion_order: "false" },
      [
        // Small row groups: the Parquet writer buffers one row group in memory.
        `COPY (SELECT ${list} FROM ${source} ORDER BY request_index)
       TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 20000)`,
        `SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(tmp)})`,
      ],
    );
    renameSync(tmp, parquetPath);
    return count ?? 0;
  } finally {
    rmSync(spill, { recursive: true, force: true });
    rmSync(tmp, { force: true });
  }
}
