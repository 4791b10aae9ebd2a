// The worker side of load-check.ts: imports each experiment file in turn and reports whether it
// loaded and what is wrong with its default export. It runs in a worker thread, so a file that
// never finishes loading is stopped by ending the thread, and nothing a file does while loading
// (an endless loop, process.exit, an unhandled rejection) reaches the tracker's own process.
import { pathToFileURL } from "node:url";
import { parentPort, workerData } from "node:worker_threads";

export interface CheckInput {
  /** The tsx loader, registered before anything is imported. */
  tsx: string;
  /** This module. */
  entry: string;
  /** Modules every experiment file imports (the schema): loaded before any file's clock starts. */
  preload: string[];
  /** Absolute paths of the files to check, in order. */
  files: string[];
}

export type CheckMessage =
  { type: "start"; index: number } | { type: "done"; index: number; problem: string | null } | { type: "end" };

/**
 * Whether async default exports are allowed: they are not. A file may use top-level await to
 * wait for what it needs and then export the experiment itself; a Promise export is reported,
 * never awaited (a pending one would hold the loader, a rejected one has nothing to check).
 */
export async function defaultExportProblem(mod: Record<string, unknown>): Promise<string | null> {
  if (!("default" in mod)) return "no default export: write `export default defineExperiment({...})`";
  const value = mod.default;
  if (typeof (value as { then?: unknown } | null)?.then !== "function") return null;
  // Only to say why: how the Promise ended, if it already has.
  const outcome = await Promise.race([
    Promise.resolve(value).then(
      () => "",
      (e: unknown) => ` that rejected (${firstLine(e)})`,
    ),
    new Promise<string>((resolve) => setTimeout(() => resolve(""), 0)),
  ]);
  return (
    `the default export is a Promise${outcome}: export the experiment itself, ` +
    "`export default defineExperiment({...})` (the file may use top-level await before it)"
  );
}

/** The first line of an error's message (a stack trace says nothing about the experiment file). */
export function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split("\n").slice(0, 3).join(" ").trim();
}

/** Runs in the worker: checks `workerData.files` one after another. */
export async function checkFiles(): Promise<void> {
  const port = parentPort!;
  const { preload, files } = workerData as CheckInput;
  // A rejection nobody handles would end this thread; it is the loading file's problem instead
  // (loaded again in the tracker's process, it would end that one).
  let rejection: string | null = null;
  process.on("unhandledRejection", (reason) => (rejection ??= firstLine(reason)));
  for (const url of preload) await import(url);
  for (const [index, file] of files.entries()) {
    rejection = null;
    port.postMessage({ type: "start", index } satisfies CheckMessage);
    let problem: string | null;
    try {
      problem = await defaultExportProblem(await import(pathToFileURL(file).href));
    } catch (e) {
      problem = `cannot load the file: ${firstLine(e)}`;
    }
    // Rejections and errors of timers the file set for "now" surface before it counts as loaded.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await new Promise((resolve) => setImmediate(resolve));
    if (!problem && rejection)
      problem = `a Promise rejected while the file loaded and nothing handled it (${rejection})`;
    port.postMessage({ type: "done", index, problem } satisfies CheckMessage);
  }
  port.postMessage({ type: "end" } satisfies CheckMessage);
}
