// Site benchmark (`npm run bench:site`): writes a store of BENCH_RUNS (default 20) runs of
// BENCH_ROWS (default 50,000) request rows with DuckDB (no simulator), builds the report site over
// it the way `tracker build` does (site/build.ts: digests on every core, Framework build,
// downloads) in a throw-away copy of the project (like the site tests: src and config copied,
// node_modules and data-loaders linked, so the developer's cache and dist are untouched), builds
// it again with nothing changed, adds one run of 50,000 rows and builds again, and measures the
// data each page loads by default (the files it registers with FileAttachment: JSON and Arrow).
// Peak RSS is the largest sum over this process and all its descendants (digest workers, loaders,
// Framework, the downloads writer), sampled every 100 ms from /proc (bench/tree-rss.ts), over
// the three builds. Each figure is printed with the machine's load average (the machine may be
// shared). Last line:
// `build_s=… rebuild_s=… add_run_s=… peak_rss_mb=… max_page_data_mb=… load=…`.
// Targets: 10 × 1M rows: build ≤ 90 s with peak RSS ≤ 2 GB, then ≤ 20 s after adding a run;
// the default 20 × 50K store ≤ 30 s; ≤ 2 MB of page data.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { buildSite } from "../site/build.ts";
import { addBenchRun, writeBenchStore } from "./site-store.ts";
import { sampleTreeRss } from "./tree-rss.ts";

const PROJECT = resolve(import.meta.dirname, "../..");
const FRAMEWORK = join(PROJECT, "node_modules/@observablehq/framework");
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const ROWS = Number(process.env.BENCH_ROWS ?? 50_000);
/** Rows of the run added before the last build. */
const ADDED_ROWS = 50_000;

/** The 1-minute load average, printed beside each figure. */
const load = () => loadavg()[0]!.toFixed(2);

/** Data registered by each page (FileAttachment files it can load without a click), in bytes. */
export function pageDataBytes(outDir: string): Map<string, number> {
  const sizes = new Map<string, number>();
  const pages = readdirSync(outDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".html"))
    .map((e) => join(e.parentPath, e.name));
  for (const page of pages) {
    let bytes = 0;
    for (const [, size] of readFileSync(page, "utf8").matchAll(/registerFile\([^)]*"size":(\d+)/g))
      bytes += Number(size);
    sizes.set(relative(outDir, page), bytes);
  }
  return sizes;
}

/** `tracker build`'s site step (data-loaders/site/build.ts); returns seconds. */
async function build(root: string, resultsDir: string): Promise<number> {
  const started = performance.now();
  const report = await buildSite(root, resultsDir, { output: () => {} });
  const seconds = (performance.now() - started) / 1000;
  const s = report.seconds;
  console.log(
    `  digests ${s.digests.toFixed(1)} s, ${report.loadersRun.length} loaders ${s.loaders.toFixed(1)} s, Framework build ${s.framework.toFixed(1)} s (downloads beside it ${s.downloads.toFixed(1)} s)`,
  );
  const slowest = [...report.loadersRun].sort((a, b) => b.seconds - a.seconds).slice(0, 6);
  if (slowest.length)
    console.log(`  slowest loaders: ${slowest.map((l) => `${l.target} ${l.seconds.toFixed(1)} s`).join(", ")}`);
  return seconds;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "tracker-bench-site-"));
  try {
    cpSync(join(PROJECT, "src"), join(root, "src"), {
      recursive: true,
      filter: (source) => !source.includes(".observablehq"),
    });
    for (const file of ["observablehq.config.ts", "package.json"]) cpSync(join(PROJECT, file), join(root, file));
    for (const dir of ["node_modules", "data-loaders"]) symlinkSync(join(PROJECT, dir), join(root, dir));
    mkdirSync(join(root, "experiments"));
    // Bundled libraries kept by the site tests, so the figure is about loaders and pages.
    const { version } = JSON.parse(readFileSync(join(FRAMEWORK, "package.json"), "utf8")) as { version: string };
    const kept = join(PROJECT, ".tmp/site-test-cache", `framework-${version}`);
    for (const name of ["_node", "_observablehq"]) {
      if (existsSync(join(kept, name)))
        cpSync(join(kept, name), join(root, "src/.observablehq/cache", name), { recursive: true });
    }

    const resultsDir = join(root, "results");
    const started = performance.now();
    await writeBenchStore(resultsDir, { runs: RUNS, rowsPerRun: ROWS });
    console.log(
      `store: ${RUNS} runs × ${ROWS.toLocaleString("en-US")} rows written in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    const outDir = join(root, "dist");
    const rss = sampleTreeRss();
    const buildS = await build(root, resultsDir);
    const buildRss = rss.peakMb();
    console.log(`build: ${buildS.toFixed(1)} s, peak RSS ${buildRss.toFixed(0)} MB (load ${load()})`);
    const rebuildS = await build(root, resultsDir);
    console.log(`rebuild (nothing changed): ${rebuildS.toFixed(1)} s (load ${load()})`);
    await addBenchRun(resultsDir, RUNS, ADDED_ROWS);
    const addRunS = await build(root, resultsDir);
    console.log(
      `rebuild after adding a ${ADDED_ROWS.toLocaleString("en-US")}-row run: ${addRunS.toFixed(1)} s (load ${load()})`,
    );
    const peakMb = rss.peakMb();
    rss.stop();
    console.log(`peak RSS of the process tree over the three builds: ${peakMb.toFixed(0)} MB`);

    const sizes = [...pageDataBytes(outDir)].sort((a, b) => b[1] - a[1]);
    for (const [page, bytes] of sizes.slice(0, 5)) console.log(`  ${page}: ${(bytes / 1e6).toFixed(3)} MB of data`);
    const maxMb = (sizes[0]?.[1] ?? 0) / 1e6;
    console.log(
      `build_s=${buildS.toFixed(1)} rebuild_s=${rebuildS.toFixed(1)} add_run_s=${addRunS.toFixed(1)} peak_rss_mb=${peakMb.toFixed(0)} max_page_data_mb=${maxMb.toFixed(3)} load=${load()}`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) await main();
