// Finalising a run: the journal (JSON lines) becomes requests.parquet, written by DuckDB with
// the column types derived from the row schema.
import { DuckDBInstance } from "@duckdb/node-api";
import { renameSync } from "node:fs";
import { duckdbColumns, REQUEST_COLUMNS } from "./rows.ts";

export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** Writes `parquetPath` from `journalPath`, sorted by request index. Atomic (temp file + rename). */
export async function journalToParquet(journalPath: string, parquetPath: string): Promise<number> {
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  try {
    const columns = Object.entries(duckdbColumns())
      .map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`)
      .join(", ");
    const source = `read_json(${sqlString(journalPath)}, format = 'newline_delimited', columns = {${columns}})`;
    const tmp = parquetPath + ".tmp";
    await con.run(
      `COPY (SELECT ${REQUEST_COLUMNS.map((c) => `"${c}"`).join(", ")} FROM ${source} ORDER BY request_index)
       TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    const count = await con.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(tmp)})`);
    renameSync(tmp, parquetPath);
    return count.getRowObjects()[0]!.n as number;
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}
