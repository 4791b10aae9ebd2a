// Observable Framework as a child process: its CLI (`observable build`, `observable preview`) and
// one of its data loaders run the way Framework runs it (`node --import tsx src/<loader> --id=…`,
// its stdout the output), both through runNode (data-loaders/child.ts).
import { closeSync, openSync } from "node:fs";
import { join, resolve } from "node:path";
import { runNode } from "../child.ts";

/** Where Framework's output goes: this process's stdout/stderr, or a function given each piece of it. */
export type FrameworkOutput = "inherit" | ((text: string) => void);

/** Runs `observable <command>` with the project's config; resolves with the exit code. */
export async function runFramework(
  root: string,
  args: string[],
  env: Record<string, string> = {},
  output: FrameworkOutput = "inherit",
): Promise<number> {
  const bin = join(root, "node_modules/@observablehq/framework/dist/bin/observable.js");
  const { code } = await runNode(bin, { args, cwd: root, env, stdout: output, stderr: output });
  return code;
}

/** A loader run: its source under src/ and its output path (`data/….json`), with its parameter. */
export interface LoaderRun {
  source: string;
  target: string;
  args: string[];
}

/** Runs one loader like Framework does, its stdout into `out`, its stderr to `log`; resolves with the exit code (1 when it cannot start). */
export async function runLoader(
  root: string,
  resultsRoot: string,
  run: LoaderRun,
  out: string,
  log: FrameworkOutput,
): Promise<number> {
  const fd = openSync(out, "w");
  try {
    const { code } = await runNode(join("src", run.source), {
      args: run.args,
      cwd: root,
      tsx: true,
      env: { TRACKER_RESULTS: resolve(resultsRoot) },
      stdout: fd,
      stderr: log,
    });
    return code;
  } catch {
    return 1;
  } finally {
    closeSync(fd);
  }
}
