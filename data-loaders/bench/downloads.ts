// Downloads benchmark (`npm run bench:downloads`): writes a store of BENCH_RUNS (default 4) runs of
// BENCH_ROWS (default 1,000,000) request rows (bench/site-store.ts), then writes the site's
// download files (site/downloads.ts writeDownloads, as `tracker build` does beside Framework) into
// an empty cache, again with nothing changed, and again after adding one run of 50,000 rows.
// Prints the seconds of each, the bytes the downloads put in the site (CSV, Parquet, the DuckDB
// database of all runs) and the machine's load average beside each figure (the machine may be
// shared). Last line: `scratch_s=… unchanged_s=… add_run_s=… site_mb=… csv_mb=… db_mb=… load=…`.
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { writeDownloads, type DownloadFile } from "../site/downloads.ts";
import { addBenchRun, writeBenchStore } from "./site-store.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 4);
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
/** Rows of the run added before the last write. */
const ADDED_ROWS = 50_000;

const load = () => loadavg()[0]!.toFixed(2);
const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** Bytes of the downloads the site gets, by kind (csv, parquet, duckdb). */
function siteBytes(cacheDir: string, files: DownloadFile[]): Record<string, number> {
  const bytes: Record<string, number> = { csv: 0, parquet: 0, duckdb: 0 };
  for (const f of files) bytes[f.path.split(".").at(-1)!]! += statSync(join(cacheDir, f.cached)).size;
  return bytes;
}

async function timed(label: string, results: string, experiments: string, cache: string) {
  const started = performance.now();
  const files = await writeDownloads(results, experiments, cache);
  const seconds = (performance.now() - started) / 1000;
  const bytes = siteBytes(cache, files);
  const written = files.find((f) => f.written)?.written;
  console.log(
    `${label}: ${seconds.toFixed(1)} s, ${files.length} files, CSV ${mb(bytes.csv!)} MB, Parquet ${mb(bytes.parquet!)} MB, all-runs.duckdb ${mb(bytes.duckdb!)} MB${written ? ` (${written})` : ""} (load ${load()})`,
  );
  return { seconds, bytes };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "tracker-bench-downloads-"));
  try {
    const results = join(root, "results");
    const experiments = join(root, "experiments");
    const cache = join(root, "cache");
    mkdirSync(experiments);
    const started = performance.now();
    await writeBenchStore(results, { runs: RUNS, rowsPerRun: ROWS });
    console.log(
      `store: ${RUNS} runs × ${ROWS.toLocaleString("en-US")} rows written in ${((performance.now() - started) / 1000).toFixed(1)} s (load ${load()})`,
    );
    const scratch = await timed("downloads from scratch", results, experiments, cache);
    const unchanged = await timed("downloads again, nothing changed", results, experiments, cache);
    await addBenchRun(results, RUNS, ADDED_ROWS);
    const added = await timed(
      `after adding a ${ADDED_ROWS.toLocaleString("en-US")}-row run`,
      results,
      experiments,
      cache,
    );
    const site = Object.values(added.bytes).reduce((a, b) => a + b, 0);
    console.log(
      `scratch_s=${scratch.seconds.toFixed(1)} unchanged_s=${unchanged.seconds.toFixed(1)} add_run_s=${added.seconds.toFixed(1)} site_mb=${mb(site)} csv_mb=${mb(added.bytes.csv!)} db_mb=${mb(added.bytes.duckdb!)} load=${load()}`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) await main();
