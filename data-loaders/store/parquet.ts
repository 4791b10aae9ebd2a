// Finalising a run: the journal (JSON lines) becomes requests.parquet, written by DuckDB with
// the column types derived from the row schema.
//
// DuckDB runs in a short-lived child process (parquet-child.js, plain node, ~0.2 s to start):
// the sort of a 200K-row journal takes ~150 MB of native memory that a long-lived runner process
// would otherwise keep (the allocator does not hand it back), and a DuckDB crash cannot take the
// runner down. The child also runs single-threaded with a memory limit and spills to a folder
// beside the file.
import { renameSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runNode } from "../child.ts";
import { sqlString } from "./duckdb.ts";
import { duckdbColumns, REQUEST_COLUMNS } from "./schemas/request-row.ts";

const CHILD = fileURLToPath(new URL("./parquet-child.js", import.meta.url));

/** Runs `statements` in the child (parquet-child.js); resolves with the first column of the last one's first row. */
export async function runDuckdb(options: Record<string, string>, statements: string[]): Promise<number | null> {
  return (await runDuckdbRow(options, statements))?.[0] ?? null;
}

/** Runs `statements` in the child; resolves with the last one's first row as numbers (null without a row). */
export async function runDuckdbRow(options: Record<string, string>, statements: string[]): Promise<number[] | null> {
  const { code, stderr, reply } = await runNode(CHILD, {
    message: { options, statements },
    stdout: "ignore",
    stderr: "capture",
  });
  if (code === 0 && reply !== undefined) return reply as number[] | null;
  const message =
    stderr.split("\n").find((l) => /Error/.test(l) && !l.startsWith("node:")) ?? stderr.trim().split("\n").at(-1);
  throw new Error(`writing Parquet with DuckDB failed (exit ${code}): ${message?.replace(/^\[?Error:\s*/, "")}`);
}

/** A JSON-lines file as an SQL table expression with the given column types (`duckdbColumns`). */
export function readJsonSql(path: string, types: Record<string, string>): string {
  const columns = Object.entries(types)
    .map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`)
    .join(", ");
  return `read_json(${sqlString(path)}, format = 'newline_delimited', columns = {${columns}})`;
}

/** Writes `parquetPath` from `journalPath`, sorted by request index. Atomic (temp file + rename). */
export async function journalToParquet(journalPath: string, parquetPath: string): Promise<number> {
  const spill = parquetPath + ".spill";
  const tmp = parquetPath + ".tmp";
  const source = readJsonSql(journalPath, duckdbColumns());
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
