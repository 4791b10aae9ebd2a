// One writer per results folder: `tracker run` / `npm run build` hold `<results>/.lock`, created
// with O_EXCL and holding the owner's pid and host. A second one exits with a clear message (or
// waits, with --wait). A lock left by a process that died on this host (kill -9) is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

export const LOCK_FILE = ".lock";

interface LockOwner {
  pid: number;
  host: string;
  started_at: string;
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
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
  const me: LockOwner = { pid: process.pid, host: hostname(), started_at: new Date().toISOString() };
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
    const stale = owner !== null && owner.host === me.host && owner.pid !== process.pid && !alive(owner.pid);
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
