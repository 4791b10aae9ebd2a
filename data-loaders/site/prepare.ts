// The report's heavy lifting, done by `tracker build` on every core before `observable build`,
// which runs its loaders one at a time:
// 1. warmMemo: every run's digest, per-prompt rows and answer sample (the memo the loaders read,
//    report/digest.ts), by one child process (site/warm.ts) per core;
// 2. runLoaders: the page loaders under src/data/ whose output is not in Framework's cache, by
//    one long-lived process per core (site/loader-worker.ts) that imports the loader modules once
//    (site/loader.ts) and computes output after output, in the working directory and environment
//    Framework gives a loader; each output is renamed into the cache when complete. Framework then
//    finds them there (its cache counts a present file as fresh; site/cache.ts removes the stale
//    ones first). A loader that fails here leaves no output, so Framework runs it again and
//    reports the error.
// 3. writeDownloadFiles: the download files (site/downloads.ts), by a child process from the
//    start of the build, beside the other steps.
import { existsSync, readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runNode } from "../child.ts";
import { isWarm } from "../report/digest.ts";
import { experimentEntries } from "../store/index.ts";
import { experimentFileIds, listRuns, type RunFolder } from "../store/folders.ts";
import { experimentsFolder } from "../store/layout.ts";
import { CACHE_DIR, DOWNLOADS_CACHE, loaderSources, memoDir } from "./cache.ts";
import type { DownloadFile } from "./downloads.ts";
import type { FrameworkOutput } from "./framework.ts";
import { routeParams, type LoaderParams } from "./loader.ts";
import type { LoaderDone, LoaderJob } from "./loader-worker.ts";
import type { WarmReply, WarmTask } from "./warm.ts";

const WARM = fileURLToPath(new URL("./warm.ts", import.meta.url));
/** Niceness of the downloads' process (see writeDownloadFiles). */
const DOWNLOADS_NICE = 10;
const LOADER_WORKER = fileURLToPath(new URL("./loader-worker.ts", import.meta.url));

/** Runs one site/warm.ts task in a child process with the project's folders. */
async function warm(root: string, resultsRoot: string, task: WarmTask, nice = 0): Promise<WarmReply> {
  const { code, reply } = await runNode(WARM, {
    cwd: root,
    tsx: true,
    env: { TRACKER_RESULTS: resolve(resultsRoot), TRACKER_DIGEST_CACHE: memoDir(root) },
    message: task,
    nice,
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
  // Niced: the digests and loaders, which the pages wait for, get the cores first; the downloads
  // take what they leave (and the core Framework leaves free).
  const reply = await warm(root, resultsRoot, { downloads: cacheDir }, DOWNLOADS_NICE);
  if ("error" in reply) throw new Error(`downloads: ${reply.error}`);
  return { cacheDir, files: "files" in reply ? reply.files : [] };
}

/** Text for the build's log: to `log`, or this process's stderr. */
function writeLog(log: FrameworkOutput, text: string): void {
  if (log === "inherit") process.stderr.write(text);
  else log(text);
}

/** One loader output the pages need: its loader under src/, its path in the cache and its parameters. */
interface LoaderOutputRun {
  source: string;
  target: string;
  params: LoaderParams;
}

/** How a loader module declares its function (site/loader.ts). */
const DEFINED_LOADER = /\bdefineLoader\(\s*import\.meta\b/;

/**
 * The loader outputs the pages need: every loader under src/data/ declared with defineLoader (not
 * the downloads, which `tracker build` writes itself), a `[id]` loader once per experiment.
 */
function loaderRuns(root: string, resultsRoot: string): LoaderOutputRun[] {
  const experiments = experimentEntries(resultsRoot, resolve(root, experimentsFolder()), () => {});
  const runs: LoaderOutputRun[] = [];
  for (const source of loaderSources(root)) {
    if (!source.startsWith("data/") || source.startsWith("data/downloads/")) continue;
    // A plain script (no function to import) is left to Framework, which runs it once per output.
    if (!DEFINED_LOADER.test(readFileSync(join(root, "src", source), "utf8"))) continue;
    const target = source.replace(/\.[jt]s$/, "");
    const params = routeParams(target);
    if (params.length === 0) runs.push({ source, target, params: {} });
    else if (params.length === 1 && params[0] === "id") {
      for (const e of experiments) runs.push({ source, target: target.replace("[id]", e.id), params: { id: e.id } });
    }
  }
  // Pages over every run first: they take longest, and the others fill in around them.
  return runs.sort((a, b) => Object.keys(a.params).length - Object.keys(b.params).length);
}

/**
 * Computes the loader outputs missing from Framework's cache in at most `jobs` long-lived
 * processes (site/loader-worker.ts), each given the next output whenever it finished one. Returns
 * the outputs computed with their seconds, and the ones that failed (left missing, for Framework
 * to run and report). A process that dies fails only the output it was computing; the next one
 * starts in its place.
 */
export async function runLoaders(
  root: string,
  resultsRoot: string,
  log: FrameworkOutput = "inherit",
  jobs = availableParallelism(),
): Promise<{ ran: { target: string; seconds: number }[]; failed: string[] }> {
  const cache = join(root, CACHE_DIR);
  const queue = loaderRuns(root, resultsRoot).filter((r) => !existsSync(join(cache, r.target)));
  const processes = Math.max(1, Math.min(jobs, queue.length));
  const ran: { target: string; seconds: number }[] = [];
  const failed: string[] = [];
  const job = (run: LoaderOutputRun | undefined): LoaderJob | null =>
    run ? { module: join(root, "src", run.source), out: join(cache, run.target), params: run.params } : null;
  const worker = async (): Promise<void> => {
    while (queue.length > 0) {
      // The output this process computes; each answer is about it, and asks for the next.
      let current = queue.shift();
      const onMessage = (message: unknown, send: (next: LoaderJob | null) => void) => {
        const done = message as LoaderDone;
        ran.push({ target: current!.target, seconds: done.seconds });
        if (done.error !== undefined) failed.push(current!.target);
        current = queue.shift();
        send(job(current));
      };
      const exit = await runNode(LOADER_WORKER, {
        cwd: root,
        tsx: true,
        env: { TRACKER_RESULTS: resolve(resultsRoot) },
        stdout: log,
        stderr: log,
        message: job(current),
        onMessage,
      }).catch((error: Error) => ({ code: 1, error }));
      if (current === undefined) continue;
      // Stopped while computing `current`: that output is left to Framework, the rest to a new process.
      failed.push(current.target);
      const why = "error" in exit ? exit.error.message : `exit ${exit.code}`;
      writeLog(log, `site/loader-worker.ts stopped (${why}) while computing ${current.target}\n`);
    }
  };
  await Promise.all(Array.from({ length: processes }, worker));
  return { ran, failed };
}
