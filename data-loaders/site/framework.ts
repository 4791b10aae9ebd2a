// Observable Framework as a child process: its CLI (`observable build`, `observable preview`),
// through runNode (data-loaders/child.ts).
import { join } from "node:path";
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
