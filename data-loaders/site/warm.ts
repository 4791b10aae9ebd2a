// A child process of `tracker build` (site/prepare.ts), started with tsx and an IPC channel
// (runNode in data-loaders/child.ts). It receives one task, does it and answers:
// - { memo: [experimentId, runId][], experiments: string[] }: computes the memoised digest,
//   per-prompt rows and answer sample of those runs and the report settings of those experiments,
//   so the site's loaders find them ready; answers { failed: string[] } (a failure is left for the
//   loader that needs it to report).
// - { downloads: cacheDir }: writes the download files (downloads.ts); answers { files }.
// Results and memo folders come from the environment (TRACKER_RESULTS, TRACKER_DIGEST_CACHE).
import { warmRun } from "../report/digest.ts";
import { reportSettings } from "../report/settings.ts";
import { EXPERIMENTS_DIR } from "../report/store.ts";
import { findRun } from "../store/folders.ts";
import { resultsDir } from "../store/layout.ts";
import { setQueryThreads } from "../store/duckdb.ts";
import { writeDownloads, type DownloadFile } from "./downloads.ts";

export type WarmTask = { memo: [string, string][]; experiments: string[] } | { downloads: string };
export type WarmReply = { failed: string[] } | { files: DownloadFile[] } | { error: string };

async function memo(runs: [string, string][], experiments: string[]): Promise<string[]> {
  // One child per core: a second DuckDB thread in each would only compete with the other child.
  setQueryThreads(1);
  const failed: string[] = [];
  const dir = resultsDir();
  for (const id of experiments) await reportSettings(EXPERIMENTS_DIR, id);
  for (const [experimentId, runId] of runs) {
    const run = findRun(dir, experimentId, runId, () => {});
    if (!run) continue;
    try {
      await warmRun(run);
    } catch (err) {
      failed.push(`${experimentId}/${runId}: ${(err as Error).message}`);
    }
  }
  return failed;
}

async function downloads(cacheDir: string): Promise<DownloadFile[]> {
  // writeDownloads writes two files at a time: one DuckDB thread each spends half the CPU that
  // two each spend on the same file (measured on a 50K-row run's CSV: 0.25 vs 0.56 CPU-s), and
  // the digests and loaders beside need that CPU.
  setQueryThreads(1);
  return writeDownloads(resultsDir(), EXPERIMENTS_DIR, cacheDir);
}

process.once("message", async (task: WarmTask) => {
  let reply: WarmReply;
  try {
    reply =
      "downloads" in task
        ? { files: await downloads(task.downloads) }
        : { failed: await memo(task.memo, task.experiments) };
  } catch (err) {
    reply = { error: (err as Error).message };
  }
  process.send!(reply, () => process.exit(0));
});
