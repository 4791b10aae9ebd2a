// The report's heavy lifting, done by `tracker build` on every core before `observable build`,
// which runs its loaders one at a time:
// 1. warmMemo: every run's digest, per-prompt rows and answer sample (the memo the loaders read,
//    report/digest.ts), by one child process (site/warm.ts) per core;
// 2. runLoaders: the page loaders under src/data/ whose output is not in Framework's cache, run
//    exactly as Framework runs them (runLoader in site/framework.ts), several at a time, each
//    output renamed into the cache when complete. Framework then finds them there
//    (its cache counts a present file as fresh; site/cache.ts removes the stale ones first). A
//    loader that fails here leaves no output, so Framework runs it again and reports the error.
// 3. writeDownloadFiles: the download files (site/downloads.ts), by a child process while
//    `observable build` runs.
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runNode } from "../child.ts";
import { inPool } from "../pool.ts";
import { isWarm } from "../report/digest.ts";
import { experimentEntries } from "../store/index.ts";
import { experimentFileIds, listRuns, type RunFolder } from "../store/folders.ts";
import { experimentsFolder } from "../store/layout.ts";
import { CACHE_DIR, DOWNLOADS_CACHE, loaderSources, memoDir } from "./cache.ts";
import type { DownloadFile } from "./downloads.ts";
import { runLoader, type FrameworkOutput, type LoaderRun } from "./framework.ts";
import type { WarmReply, WarmTask } from "./warm.ts";

const WARM = fileURLToPath(new URL("./warm.ts", import.meta.url));

/** Runs one site/warm.ts task in a child process with the project's folders. */
async function warm(root: string, resultsRoot: string, task: WarmTask): Promise<WarmReply> {
  const { code, reply } = await runNode(WARM, {
    cwd: root,
    tsx: true,
    env: { TRACKER_RESULTS: resolve(resultsRoot), TRACKER_DIGEST_CACHE: memoDir(root) },
    message: task,
  });
  if (reply === undefined) throw new Error(`site/warm.ts exited (${code}) without an answer`);
  return reply as WarmReply;
}

/**
 * Computes what the loaders would compute one by one, `jobs` runs at a time: the largest runs
 * first, each to the child with the least work so far. Returns the runs that failed (their pages
 * report the error when the loader tries again).
 */
export async function warmMemo(root: string, resultsRoot: string, jobs = availableParallelism()): Promise<string[]> {
  const memo = memoDir(root);
  const runs = listRuns(resultsRoot, () => {}).filter((r) => !isWarm(r, memo));
  if (runs.length === 0) return [];
  const size = (r: RunFolder) => (r.requestsPath ? statSync(r.requestsPath).size : 0);
  const shares = Array.from({ length: Math.max(1, Math.min(jobs, runs.length)) }, () => ({
    bytes: 0,
    runs: [] as [string, string][],
    experiments: [] as string[],
  }));
  for (const run of [...runs].sort((a, b) => size(b) - size(a))) {
    const share = shares.reduce((least, s) => (s.bytes < least.bytes ? s : least));
    share.bytes += size(run) + 1;
    share.runs.push([run.experimentId, run.runId]);
  }
  experimentFileIds(resolve(root, experimentsFolder())).forEach((id, i) =>
    shares[i % shares.length]!.experiments.push(id),
  );
  // A child that dies (e.g. out of memory) only costs time: the loaders compute what is missing.
  const replies = await Promise.all(
    shares.map((s) =>
      warm(root, resultsRoot, { memo: s.runs, experiments: s.experiments }).catch((err: Error): WarmReply => ({
        error: err.message,
      })),
    ),
  );
  return replies.flatMap((r) => ("failed" in r ? r.failed : "error" in r ? [r.error] : []));
}

/** Writes the download files into the cache (`DOWNLOADS_CACHE`); returns where each goes in the site. */
export async function writeDownloadFiles(
  root: string,
  resultsRoot: string,
): Promise<{ cacheDir: string; files: DownloadFile[] }> {
  const cacheDir = join(root, DOWNLOADS_CACHE);
  const reply = await warm(root, resultsRoot, { downloads: cacheDir });
  if ("error" in reply) throw new Error(`downloads: ${reply.error}`);
  return { cacheDir, files: "files" in reply ? reply.files : [] };
}

/**
 * The loader outputs the pages need: every loader under src/data/ (not the downloads, which
 * `tracker build` writes itself), a `[id]` loader once per experiment.
 */
function loaderRuns(root: string, resultsRoot: string): LoaderRun[] {
  const experiments = experimentEntries(resultsRoot, resolve(root, experimentsFolder()), () => {});
  const runs: LoaderRun[] = [];
  for (const source of loaderSources(root)) {
    if (!source.startsWith("data/") || source.startsWith("data/downloads/")) continue;
    const target = source.replace(/\.[jt]s$/, "");
    const params = [...target.matchAll(/\[(\w+)\]/g)].map((m) => m[1]);
    if (params.length === 0) runs.push({ source, target, args: [] });
    else if (params.length === 1 && params[0] === "id") {
      for (const e of experiments) runs.push({ source, target: target.replace("[id]", e.id), args: [`--id=${e.id}`] });
    }
  }
  // Pages over every run first: they take longest.
  return runs.sort((a, b) => a.args.length - b.args.length);
}

/**
 * Runs the loaders whose output is missing from Framework's cache, `jobs` at a time. Returns the
 * ones that ran with their seconds, and the ones that failed (left for Framework to run and report).
 */
export async function runLoaders(
  root: string,
  resultsRoot: string,
  log: FrameworkOutput = "inherit",
  jobs = availableParallelism(),
): Promise<{ ran: { target: string; seconds: number }[]; failed: string[] }> {
  const todo = loaderRuns(root, resultsRoot).filter((r) => !existsSync(join(root, CACHE_DIR, r.target)));
  const ran: { target: string; seconds: number }[] = [];
  const failed: string[] = [];
  await inPool(todo, jobs, async (run) => {
    const cached = join(root, CACHE_DIR, run.target);
    const partial = `${cached}.tracker-${process.pid}`;
    mkdirSync(dirname(cached), { recursive: true });
    const started = performance.now();
    const code = await runLoader(root, resultsRoot, run, partial, log);
    ran.push({ target: run.target, seconds: (performance.now() - started) / 1000 });
    if (code === 0) renameSync(partial, cached);
    else {
      rmSync(partial, { force: true });
      failed.push(run.target);
    }
  });
  return { ran, failed };
}
