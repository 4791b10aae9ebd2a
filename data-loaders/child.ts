// Running one of the tracker's own Node programs in a child process: the one way the tracker
// starts them (the digest workers and the page loaders of `tracker build`, Framework's CLI, the
// DuckDB writer of requests.parquet). The child runs on this Node binary; `tsx: true` lets it be
// TypeScript, which costs about a quarter of a second more to start (so the Parquet writer,
// started once per run, is plain JavaScript).
import { spawn, type StdioOptions } from "node:child_process";
import { getPriority, setPriority } from "node:os";

/**
 * Where a child's stdout or stderr goes: this process's, nowhere, into the result (`capture`), an
 * open file descriptor, or a function given each piece of text.
 */
export type ChildOutput = "inherit" | "ignore" | "capture" | number | ((text: string) => void);

export interface ChildOptions {
  args?: string[];
  cwd?: string;
  /** Set over this process's environment. */
  env?: Record<string, string>;
  /** Run the program through tsx (a TypeScript file). */
  tsx?: boolean;
  stdout?: ChildOutput;
  stderr?: ChildOutput;
  /** Sent to the child over an IPC channel once it starts; the child's first message back is the `reply`. */
  message?: unknown;
  /**
   * Called with every message the child sends (with `message` set), and a function that sends it
   * one back while it is connected: for a child that takes its work piece by piece.
   */
  onMessage?: (message: unknown, send: (answer: unknown) => void) => void;
  /** Scheduling niceness of the child (0 = this process's; higher = yields the cores to the others). */
  nice?: number;
}

export interface ChildExit {
  /** The exit code (1 when a signal ended the child). */
  code: number;
  /** What the child wrote, for an output set to `capture` (else empty). */
  stdout: string;
  stderr: string;
  /** The child's first IPC message (undefined without `message`, or when it sent none). */
  reply: unknown;
}

function stdio(output: ChildOutput): "inherit" | "ignore" | "pipe" | number {
  return output === "inherit" || output === "ignore" || typeof output === "number" ? output : "pipe";
}

/** Runs `program` with Node; resolves when it has exited and its output is read, rejects when it cannot start. */
export function runNode(program: string, options: ChildOptions = {}): Promise<ChildExit> {
  const { args = [], cwd, env = {}, tsx = false, stdout = "inherit", stderr = "inherit", message, onMessage } = options;
  const { nice = 0 } = options;
  const io: StdioOptions = ["ignore", stdio(stdout), stdio(stderr)];
  if (message !== undefined) io.push("ipc");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(tsx ? ["--import", "tsx"] : []), program, ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: io,
    });
    const text = { stdout: "", stderr: "" };
    for (const [name, output] of [
      ["stdout", stdout],
      ["stderr", stderr],
    ] as const) {
      const stream = child[name];
      if (output === "capture") stream?.on("data", (b: Buffer) => (text[name] += b.toString()));
      else if (typeof output === "function") stream?.on("data", (b: Buffer) => output(b.toString()));
    }
    let reply: unknown;
    child.once("message", (m) => (reply = m));
    const send = (answer: unknown) => {
      // A child that exits meanwhile fails the send: its exit is reported by `close`.
      if (child.connected) child.send(answer as Parameters<typeof child.send>[0], () => {});
    };
    if (nice !== 0 && child.pid !== undefined) lowerPriority(child.pid, nice);
    if (onMessage) child.on("message", (m) => onMessage(m, send));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? 1, ...text, reply }));
    if (message !== undefined) child.send(message as Parameters<typeof child.send>[0]);
  });
}

/** Raises a child's niceness by `nice`; where the system refuses, the child runs at normal priority. */
function lowerPriority(pid: number, nice: number): void {
  try {
    setPriority(pid, Math.min(19, getPriority(pid) + nice));
  } catch {
    // Not permitted here: only the order in which the cores are shared changes.
  }
}
