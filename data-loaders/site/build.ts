// Building the static site. Framework's loader cache only looks at file presence, so before each
// build the cached loader outputs whose inputs changed are deleted (site/cache.ts, which lists
// every cache and what invalidates it). The runs' digests and the missing loader outputs are then
// computed on every core (site/prepare.ts), and the download files are written beside all of
// that, from the start (site/downloads.ts). The build goes to a temporary folder that replaces dist/
// only when it succeeded, so a failed build never wipes the last good site.
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { invalidateLoaderCache, recordLoaderCache, type InvalidationReport } from "./cache.ts";
import { placeDownloads } from "./downloads.ts";
import { runFramework, type FrameworkOutput } from "./framework.ts";
import { runLoaders, warmMemo, writeDownloadFiles } from "./prepare.ts";

export interface SiteReport extends InvalidationReport {
  /** Loader outputs computed before the Framework build (site/prepare.ts runLoaders), with their seconds. */
  loadersRun: { target: string; seconds: number }[];
  /** Loader outputs that failed there: left missing, so Framework runs their loader again and reports the error. */
  loadersFailed: string[];
  /** Seconds per step: run digests, loaders, Framework build, and the downloads written beside them (from the start). */
  seconds: { digests: number; loaders: number; framework: number; downloads: number };
}

export interface BuildOptions {
  /** Output folder under root (default dist). */
  out?: string;
  /** Where Framework's and the loaders' output goes (default: this process's). */
  output?: FrameworkOutput;
  /** Processes computing digests and loaders at once (default one per core). */
  jobs?: number;
}

/** Builds the site into a temporary folder, then swaps it in as `out`. */
export async function buildSite(root: string, resultsRoot: string, options: BuildOptions = {}): Promise<SiteReport> {
  const { out = "dist", output = "inherit", jobs = availableParallelism() } = options;
  const report = invalidateLoaderCache(root, resultsRoot);
  const times = [performance.now()];
  // The downloads are written (by DuckDB, in a process of its own) while the digests, the loaders
  // and Framework run: on a large store they are the longest step, and none of the others needs them.
  let downloadsS = 0;
  const downloadsDone = writeDownloadFiles(root, resultsRoot).finally(
    () => (downloadsS = (performance.now() - times[0]!) / 1000),
  );
  downloadsDone.catch(() => {}); // awaited below; a failure must not end the process meanwhile
  const failed = await warmMemo(root, resultsRoot, jobs);
  for (const f of failed) console.error(`warning: ${f} (its page reports the error)`);
  times.push(performance.now());
  const loaders = await runLoaders(root, resultsRoot, output, jobs);
  times.push(performance.now());
  const tmp = join(root, `.dist-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const [framework, downloads] = await Promise.allSettled([
    runFramework(root, ["build"], { TRACKER_SITE_OUT: tmp, TRACKER_RESULTS: resultsRoot }, output),
    downloadsDone,
  ]);
  recordLoaderCache(root, resultsRoot);
  const code = framework.status === "fulfilled" ? framework.value : 1;
  const reasons: string[] = [];
  if (code !== 0 || !existsSync(join(tmp, "index.html"))) reasons.push(`observable build failed (exit ${code})`);
  if (downloads.status === "rejected") reasons.push((downloads.reason as Error).message);
  if (reasons.length > 0 || downloads.status === "rejected") {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`${reasons.join("; ")}; the previous ${out}/ is left as it was`);
  }
  placeDownloads(downloads.value.cacheDir, downloads.value.files, tmp);
  const target = join(root, out);
  const old = `${target}.old-${process.pid}`;
  if (existsSync(target)) renameSync(target, old);
  mkdirSync(join(target, ".."), { recursive: true });
  renameSync(tmp, target);
  rmSync(old, { recursive: true, force: true });
  times.push(performance.now());
  const step = (i: number) => (times[i + 1]! - times[i]!) / 1000;
  return {
    ...report,
    loadersRun: loaders.ran,
    loadersFailed: loaders.failed,
    seconds: { digests: step(0), loaders: step(1), framework: step(2), downloads: downloadsS },
  };
}
