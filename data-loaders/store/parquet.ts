// Finalising a run: the journal (JSON lines) becomes requests.parquet, written by DuckDB with
// the column types derived from the row schema.
import { DuckDBInstance } from "@duckdb/node-api";
import { renameSync, rmSync } from "node:fs";
import { duckdbColumns, REQUEST_COLUMNS } from "./rows.ts";

export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** Writes `parquetPath` from `journalPath`, sorted by request index. Atomic (temp file + rename). */
export async function journalToParquet(journalPath: string, parquetPath: string): Promise<number> {
  // Bounded memory however long the run (about +160 MB of RSS for 200K rows): one thread, a
  // memory limit, and spilling to a folder beside the Parquet file when the sort does not fit.
  const spill = parquetPath + ".spill";
  const instance = await DuckDBInstance.create(":memory:", {
    threads: "1",
    memory_limit: "160MB",
    temp_directory: spill,
    preserve_insertion_order: "false",
  });
  const con = await instance.connect();
  try {
    const columns = Object.entries(duckdbColumns())
      .map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`)
      .join(", ");
    const source = `read_json(${sqlString(journalPath)}, format = 'newline_delimited', columns = {${columns}})`;
    const list = REQUEST_COLUMNS.map((c) => `"${c}"`).join(", ");
    const tmp = parquetPath + ".tmp";
    // Small row groups: the Parquet writer buffers one row group in memory.
    await con.run(
      `COPY (SELECT ${list} FROM ${source} ORDER BY request_index)
       TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 20000)`,
    );
    const count = await con.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(tmp)})`);
    renameSync(tmp, parquetPath);
    return count.getRowObjects()[0]!.n as number;
  } finally {
    con.closeSync();
    instance.closeSync();
    rmSync(spill, { recursive: true, force: true });
  }
}
