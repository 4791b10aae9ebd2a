// A child process of `tracker build` (runLoaders in site/prepare.ts) that computes page loader
// outputs, started with tsx and an IPC channel (runNode in data-loaders/child.ts), with the
// working directory and environment Framework gives a loader. It takes its work one output at a
// time: each message is a LoaderJob (or null: exit); it imports the job's loader module once per
// process (site/loader.ts: the module's default export is its loader), writes the output to a
// partial file renamed into place when complete, and answers with a LoaderDone, which asks for
// the next job. A loader that throws leaves its output missing (Framework runs it again and
// reports the error on its page); its error goes to stderr and the worker goes on.
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import type { Loader, LoaderParams } from "./loader.ts";

export interface LoaderJob {
  /** The loader module (absolute path). */
  module: string;
  /** Where its output goes (absolute path, in Framework's cache). */
  out: string;
  params: LoaderParams;
}

export interface LoaderDone {
  /** Seconds it took in this process (the first job of a process also imports the modules). */
  seconds: number;
  /** Why there is no output. */
  error?: string;
}

const loaders = new Map<string, Promise<Loader>>();

/** The loader a module exports, imported once per process. */
function loaderOf(module: string): Promise<Loader> {
  let loader = loaders.get(module);
  if (!loader) {
    loader = import(pathToFileURL(module).href).then((m: { default?: unknown }) => {
      if (typeof m.default !== "function")
        throw new Error(`${module}: a page loader exports its function (export default defineLoader(import.meta, …))`);
      return m.default as Loader;
    });
    loaders.set(module, loader);
  }
  return loader;
}

async function run(job: LoaderJob): Promise<LoaderDone> {
  const started = performance.now();
  const partial = `${job.out}.tracker-${process.pid}`;
  try {
    const output = await (await loaderOf(job.module))(job.params);
    mkdirSync(dirname(job.out), { recursive: true });
    writeFileSync(partial, output);
    renameSync(partial, job.out);
    return { seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    rmSync(partial, { force: true });
    console.error(error);
    return {
      seconds: (performance.now() - started) / 1000,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

process.on("message", async (job: LoaderJob | null) => {
  if (job === null) process.exit(0);
  const done = await run(job);
  process.send!(done);
});
