// Loading an experiment file runs its code, and a file can misbehave while it loads: loop for
// ever, wait on a Promise that never settles, call process.exit, leave a rejection unhandled.
// So every file is first loaded in a worker thread (load-check-worker.ts), one after another,
// each with a time limit; only the files that loaded cleanly are then loaded by the tracker
// itself. A file past its limit is reported, the thread is ended, and a new one checks the rest.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { CheckInput, CheckMessage } from "./load-check-worker.ts";

/** The environment variable that sets the time limit per file, in seconds. */
export const LOAD_TIME_LIMIT_ENV = "TRACKER_LOAD_TIMEOUT_S";
export const DEFAULT_LOAD_TIME_LIMIT_S = 10;

/** The time limit per file: $TRACKER_LOAD_TIMEOUT_S, else 10 s. */
export function loadTimeLimitS(): number {
  const raw = process.env[LOAD_TIME_LIMIT_ENV];
  if (raw === undefined || raw === "") return DEFAULT_LOAD_TIME_LIMIT_S;
  const s = Number(raw);
  if (!(s > 0 && s <= 3600))
    throw new Error(`${LOAD_TIME_LIMIT_ENV}=${raw}: expected a number of seconds, more than 0 and at most 3600`);
  return s;
}

/** Started with eval: registers tsx in the thread, then runs the worker module (TypeScript). */
const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
import(workerData.tsx).then((tsx) => tsx.register()).then(() => import(workerData.entry)).then((m) => m.checkFiles());
`;

const here = import.meta.dirname;
const input = (files: string[]): CheckInput => ({
  tsx: import.meta.resolve("tsx/esm/api"),
  entry: pathToFileURL(join(here, "load-check-worker.ts")).href,
  preload: [pathToFileURL(join(here, "schema.ts")).href, pathToFileURL(join(here, "recorded.ts")).href],
  files,
});

/**
 * Loads each file (absolute paths) in a worker thread, with `timeLimitS` per file: for each
 * file, what went wrong (a message without the file name), or null when it loaded cleanly.
 */
export async function checkLoads(files: string[], timeLimitS = loadTimeLimitS()): Promise<(string | null)[]> {
  const problems: (string | null)[] = files.map(() => null);
  for (let from = 0; from < files.length;) from = await checkFrom(files, from, timeLimitS, problems);
  return problems;
}

/** One thread checking files[from…]: resolves with where the next thread must start. */
function checkFrom(files: string[], from: number, limitS: number, problems: (string | null)[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: input(files.slice(from)),
      stdout: true,
      stderr: true,
    });
    // What a file prints is printed once, when the tracker loads it; the check stays silent.
    worker.stdout.resume();
    worker.stderr.resume();
    let last: number | null = null; // the file loading now, or the last one started
    let loading = false;
    let timer: NodeJS.Timeout | undefined;
    let over = false;
    const end = (next: number) => {
      over = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(next);
    };
    /** The thread cannot go on: the file it was on gets `problem`, a new thread takes the rest. */
    const fail = (problem: string, error: Error) => {
      if (over) return;
      if (last === null) {
        over = true;
        reject(new Error(`cannot check experiment files: ${error.message}`));
        return;
      }
      problems[last] = problem;
      end(last + 1);
    };
    worker.on("message", (m: CheckMessage) => {
      if (m.type === "start") {
        last = from + m.index;
        loading = true;
        const index = last;
        timer = setTimeout(() => {
          problems[index] =
            `did not finish loading within ${limitS} s (an endless loop, or an await that never settles?)`;
          end(index + 1);
        }, limitS * 1000);
      } else if (m.type === "done") {
        loading = false;
        clearTimeout(timer);
        problems[from + m.index] = m.problem;
      } else end(files.length);
    });
    worker.on("error", (e) => fail(`failed while loading: ${e.message.split("\n")[0]}`, e));
    worker.on("exit", (code) =>
      fail(
        // A thread whose file awaits a Promise nothing can settle any more simply runs out of work.
        code === 0 && loading
          ? "did not finish loading: it awaits a Promise that nothing is left to settle"
          : `ended the process while loading (exit code ${code})`,
        new Error(`the checking thread ended (exit code ${code})`),
      ),
    );
  });
}
