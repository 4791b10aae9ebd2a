import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { acquireLock, LockHeld, LOCK_FILE, procStat, tryLock } from "../../data-loaders/run/lock.ts";
import { tempDir } from "../helpers/temp.ts";

describe("results folder lock", () => {
  const tmp = tempDir("lock");
  afterAll(() => tmp.cleanup());

  it("a second holder gets a clear message naming the owner; release frees it", () => {
    const root = join(tmp.dir, "r1");
    const first = tryLock(root);
    expect(first).not.toBeInstanceOf(LockHeld);
    const owner = JSON.parse(readFileSync(join(root, LOCK_FILE), "utf8"));
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    // a live process (our own parent stands in for another tracker) holds it
    writeFileSync(join(root, LOCK_FILE), JSON.stringify({ ...owner, pid: process.ppid, proc_start: undefined }));
    const second = tryLock(root);
    expect(second).toBeInstanceOf(LockHeld);
    expect((second as LockHeld).message).toMatch(
      new RegExp(`held by process ${process.ppid} on ${hostname()} .*pass --wait`),
    );
    (first as { release(): void }).release();
    expect(existsSync(join(root, LOCK_FILE))).toBe(true); // not ours any more: left alone
  });

  it("takes over a lock left by a dead process on this host", () => {
    const root = join(tmp.dir, "r2");
    const dead = spawnSync(process.execPath, ["-e", "process.pid"]).pid!;
    tryLock(root); // create the folder
    writeFileSync(join(root, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), started_at: "x" }));
    const lock = tryLock(root);
    expect(lock).not.toBeInstanceOf(LockHeld);
    expect(JSON.parse(readFileSync(join(root, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    (lock as { release(): void }).release();
    expect(existsSync(join(root, LOCK_FILE))).toBe(false);
  });

  it("takes over a lock naming this process's pid with another start time (a retried pod's earlier tracker)", () => {
    const root = join(tmp.dir, "r5");
    tryLock(root);
    const earlier = { pid: process.pid, host: hostname(), started_at: "x", proc_start: "1" };
    writeFileSync(join(root, LOCK_FILE), JSON.stringify(earlier));
    const lock = tryLock(root);
    expect(lock).not.toBeInstanceOf(LockHeld);
    (lock as { release(): void }).release();
    // Its own lock (same pid and start time) is still held.
    const mine = tryLock(root) as { release(): void };
    expect(tryLock(root)).toBeInstanceOf(LockHeld);
    mine.release();
  });

  it("a lock of another host is never taken over", () => {
    const root = join(tmp.dir, "r3");
    tryLock(root);
    writeFileSync(join(root, LOCK_FILE), JSON.stringify({ pid: 999_999, host: "elsewhere", started_at: "x" }));
    expect(tryLock(root)).toBeInstanceOf(LockHeld);
  });

  it("--wait semantics: acquireLock waits until the holder exits", async () => {
    const root = join(tmp.dir, "r4");
    tryLock(root);
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 600)"]);
    writeFileSync(join(root, LOCK_FILE), JSON.stringify({ pid: holder.pid, host: hostname(), started_at: "x" }));
    await expect(acquireLock(root)).rejects.toBeInstanceOf(LockHeld);
    let waited = false;
    const started = performance.now();
    const lock = await acquireLock(root, { wait: true, pollMs: 50, onWait: () => (waited = true) });
    expect(waited).toBe(true);
    expect(performance.now() - started).toBeGreaterThan(200);
    lock.release();
  });

  it("records the owner's start time, so a recycled pid is told apart from the owner", () => {
    const root = join(tmp.dir, "r5");
    const lock = tryLock(root) as { release(): void };
    const owner = JSON.parse(readFileSync(join(root, LOCK_FILE), "utf8"));
    expect(owner.proc_start).toBe(procStat(process.pid)!.startTicks);
    lock.release();
    // a live process (our parent) whose start time is not the lock owner's: the owner is gone
    const parent = procStat(process.ppid)!;
    writeFileSync(
      join(root, LOCK_FILE),
      JSON.stringify({ pid: process.ppid, host: hostname(), started_at: "x", proc_start: "1" }),
    );
    const taken = tryLock(root);
    expect(taken).not.toBeInstanceOf(LockHeld);
    (taken as { release(): void }).release();
    // the same pid with its own start time still holds it
    writeFileSync(
      join(root, LOCK_FILE),
      JSON.stringify({ pid: process.ppid, host: hostname(), started_at: "x", proc_start: parent.startTicks }),
    );
    expect(tryLock(root)).toBeInstanceOf(LockHeld);
  });

  it("takes over a lock whose owner is a zombie (killed, never reaped)", async () => {
    const root = join(tmp.dir, "r6");
    tryLock(root);
    // sh starts a child, then becomes `sleep`, which never reaps it: once the child exits it is a
    // zombie. The child lives a second so that it exits after the exec (a shell still running
    // could reap it first, and there would be no zombie to wait for).
    const holder = spawn("sh", ["-c", "sleep 1 & echo $!; exec sleep 30"]);
    try {
      const zombie = Number(
        await new Promise<string>((resolve) => holder.stdout.once("data", (d) => resolve(String(d)))),
      );
      while (procStat(zombie)?.state !== "Z") await new Promise((r) => setTimeout(r, 10));
      expect(() => process.kill(zombie, 0)).not.toThrow(); // a signal check alone calls it alive
      const start = procStat(zombie)!.startTicks;
      writeFileSync(
        join(root, LOCK_FILE),
        JSON.stringify({ pid: zombie, host: hostname(), started_at: "x", proc_start: start }),
      );
      const lock = tryLock(root);
      expect(lock).not.toBeInstanceOf(LockHeld);
      expect(JSON.parse(readFileSync(join(root, LOCK_FILE), "utf8")).pid).toBe(process.pid);
      (lock as { release(): void }).release();
    } finally {
      holder.kill("SIGKILL");
    }
  });
});
