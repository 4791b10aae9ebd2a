// One writer per results folder: `tracker run` / `npm run build` hold `<results>/.lock`, created
// with O_EXCL and holding the owner's pid, host and (on Linux) process start time. A second one
// exits with a clear message (or waits, with --wait). A lock left by a process that died on this
// host (kill -9) is taken over; so is one whose pid is a zombie (killed, not yet reaped: for ever
// in a container whose PID 1 reaps nothing) or now belongs to another process (a recycled pid,
// told apart by its start time) — this process's own pid included: a pod retried by a
// Kubernetes Job keeps its hostname and its tracker often gets the pid the killed one had.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

export const LOCK_FILE = ".lock";

interface LockOwner {
  pid: number;
  host: string;
  started_at: string;
  /** The owner's start time in clock ticks after boot (/proc/<pid>/stat field 22); absent off Linux and in older locks. */
  proc_start?: string;
}

export class LockHeld extends Error {
  constructor(
    readonly path: string,
    readonly owner: LockOwner | null,
  ) {
    super(
      owner
        ? `${path} is held by process ${owner.pid} on ${owner.host} since ${owner.started_at}: another tracker run or build uses this results folder. Wait for it to finish, or pass --wait.`
        : `${path} exists but cannot be read: another tracker run or build may use this results folder. Remove the file if no tracker is running.`,
    );
    this.name = "LockHeld";
  }
}

export interface Lock {
  path: string;
  release(): void;
}

export interface LockOptions {
  /** Wait for the lock instead of failing (poll interval pollMs). */
  wait?: boolean;
  pollMs?: number;
  /** Called once when waiting starts. */
  onWait?: (held: LockHeld) => void;
  signal?: AbortSignal;
}

/** Whether /proc describes processes here (Linux); elsewhere only the signal check is made. */
const HAS_PROC = existsSync("/proc/self/stat");

/** A process's state letter and start time from /proc/<pid>/stat, or null when there is no such process. */
export function procStat(pid: number): { state: string; startTicks: string } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields count from the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0]!, startTicks: fields[19]! };
}

/** Whether the lock's owner still runs: the pid answers a signal, is no zombie, and started when the owner did. */
function alive(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (!HAS_PROC) return true;
  const stat = procStat(owner.pid);
  if (stat === null || stat.state === "Z" || stat.state === "X") return false;
  return owner.proc_start === undefined || owner.proc_start === stat.startTicks;
}

/** Whether a lock naming this process's pid was left by an earlier process with that pid (another start time). */
function earlierMe(owner: LockOwner, start: string | undefined): boolean {
  return owner.proc_start !== undefined && start !== undefined && owner.proc_start !== start;
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, "utf8")) as LockOwner;
    return typeof o.pid === "number" && typeof o.host === "string" ? o : null;
  } catch {
    return null;
  }
}

/** Tries once: the lock, or the LockHeld error describing its owner. */
export function tryLock(resultsRoot: string): Lock | LockHeld {
  mkdirSync(resultsRoot, { recursive: true });
  const path = join(resultsRoot, LOCK_FILE);
  const start = HAS_PROC ? procStat(process.pid)?.startTicks : undefined;
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    started_at: new Date().toISOString(),
    ...(start ? { proc_start: start } : {}),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(me) + "\n", { flag: "wx" });
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          if (readOwner(path)?.pid === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const owner = readOwner(path);
    const stale =
      owner !== null && owner.host === me.host && (owner.pid === process.pid ? earlierMe(owner, start) : !alive(owner));
    if (!stale) return new LockHeld(path, owner);
    rmSync(path, { force: true }); // a dead owner on this host: take over
  }
  return new LockHeld(path, readOwner(path));
}

/** Takes the lock, waiting for it when `wait` is set; throws LockHeld otherwise. */
export async function acquireLock(resultsRoot: string, opts: LockOptions = {}): Promise<Lock> {
  let told = false;
  for (;;) {
    const got = tryLock(resultsRoot);
    if (!(got instanceof LockHeld)) return got;
    if (!opts.wait || opts.signal?.aborted) throw got;
    if (!told) opts.onWait?.(got);
    told = true;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
  }
}
