// A server started as a child process: its own process group (so signals reach every process
// it forks), stdout and stderr teed to a log file and to a line reader, the tail of the log kept
// for failure messages, and a stop that sends SIGINT, then SIGKILL after a grace period.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { dirname } from "node:path";

/** How much of the log's end is kept in memory for classifying a failed start. */
const MAX_LOG_TAIL = 256 * 1024;

export interface ServerProcess {
  child: ChildProcess;
  /** The last MAX_LOG_TAIL characters of stdout and stderr. */
  tail(): string;
  /** Set once the process exited (or could not be spawned). */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | null;
  spawnError(): NodeJS.ErrnoException | null;
  /** SIGINT, then SIGKILL after `graceMs`; resolves when the process exited and the log is closed. */
  stop(graceMs: number): Promise<void>;
}

export interface SpawnOptions {
  env: NodeJS.ProcessEnv;
  logFile: string;
  /** Called with every complete line of output (and the last partial one at the end). */
  onLine: (line: string) => void;
}

export function spawnServer(command: string, argv: string[], opts: SpawnOptions): ServerProcess {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const logStream = createWriteStream(opts.logFile);
  const child = spawn(command, argv, {
    env: opts.env,
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so SIGINT/SIGKILL reach vLLM's engine and worker processes too.
    detached: true,
  });
  let tail = "";
  let spawnError: NodeJS.ErrnoException | null = null;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      resolve();
    });
    child.once("error", (e) => {
      spawnError = e;
      exit = { code: null, signal: null };
      resolve();
    });
  });
  const tee = (chunk: string): void => {
    logStream.write(chunk);
    tail = (tail + chunk).slice(-MAX_LOG_TAIL);
  };
  const streamsDone = Promise.all([
    readLines(child.stdout!, tee, opts.onLine),
    readLines(child.stderr!, tee, opts.onLine),
  ]);
  const killOnExit = (): void => signalGroup(child, "SIGKILL", { evenIfExited: true });
  process.once("exit", killOnExit);

  const stop = async (graceMs: number): Promise<void> => {
    if (!exit) {
      signalGroup(child, "SIGINT");
      const timer = setTimeout(() => signalGroup(child, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    }
    // Engine processes left in the group may still hold the log pipes open.
    const stragglers = setTimeout(() => signalGroup(child, "SIGKILL", { evenIfExited: true }), graceMs);
    await streamsDone;
    clearTimeout(stragglers);
    process.off("exit", killOnExit);
    await new Promise<void>((resolve) => logStream.end(resolve));
  };
  return { child, tail: () => tail, exit: () => exit, spawnError: () => spawnError, stop };
}

/** Passes every chunk to `tee` and every line to `onLine`; resolves at the end of the stream. */
function readLines(
  stream: NodeJS.ReadableStream,
  tee: (chunk: string) => void,
  onLine: (line: string) => void,
): Promise<void> {
  let partial = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    tee(chunk);
    const lines = (partial + chunk).split("\n");
    partial = lines.pop()!;
    for (const line of lines) onLine(line);
  });
  return new Promise((resolve) =>
    stream.once("end", () => {
      if (partial) onLine(partial);
      resolve();
    }),
  );
}

/** Signals the server's process group (vLLM's API server, engine and workers). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals, opts: { evenIfExited?: boolean } = {}): void {
  if (child.pid === undefined) return;
  if (!opts.evenIfExited && (child.exitCode !== null || child.signalCode !== null)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    } catch {
      // already gone
    }
  }
}
