// Which download files the site has for a run, in one place for the page that links them
// (report/pages/experiment.ts) and the build step that writes them (site/downloads.ts): the run's
// rows as Parquet, as CSV when it has at most CSV_ROW_LIMIT rows, and each quality file it has.
// Apart from downloads.ts so that a page loader neither loads DuckDB nor has the downloads' code
// in its cache key.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { RunFolder } from "../store/folders.ts";
import { parquetRowCount } from "../store/parquet-rows.ts";
import { QUALITY_FILES, type QualityFileKind } from "../store/quality.ts";

/**
 * The largest run whose rows the site also offers as CSV. A CSV row takes ~450 bytes (a row with a
 * short JSON answer and 16 inter-token gaps; ten times its Parquet size), so 100,000 rows are
 * ~45 MB and ~1 s to write: a file a spreadsheet opens and a browser downloads in seconds. The
 * batch jobs the tracker sizes reach 200K–1M requests, whose CSV (0.1–0.5 GB each, 8 s per 1M
 * rows) would be most of the site's size and of its build time; at that size the Parquet file
 * is the one to read (DuckDB, pandas, Polars), and `tracker export csv` writes the CSV locally.
 */
export const CSV_ROW_LIMIT = 100_000;

export interface RunDownloads {
  /** Rows of requests.parquet (warm-up requests included, as in the files). */
  rows: number;
  /** Whether the site has the rows as CSV too (rows ≤ CSV_ROW_LIMIT). */
  csv: boolean;
  /** The quality files the run has, each downloaded as Parquet. */
  quality: QualityFileKind[];
}

/** The download files of a run; null when it has no stored rows (a run that never finished, or recorded without rows). */
export function runDownloads(run: RunFolder): RunDownloads | null {
  if (!run.requestsPath) return null;
  const rows = parquetRowCount(run.requestsPath);
  const quality = (Object.keys(QUALITY_FILES) as QualityFileKind[]).filter((kind) =>
    existsSync(join(run.path, QUALITY_FILES[kind])),
  );
  return { rows, csv: rows <= CSV_ROW_LIMIT, quality };
}
