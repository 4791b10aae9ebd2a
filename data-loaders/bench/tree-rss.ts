// The memory of a process and all its descendants, for benchmarks whose work runs in child
// processes (the site build: digest workers, loaders, Framework, the downloads writer). Linux only:
// every `intervalMs` it reads /proc/<pid>/stat of every process to find the descendants of this
// one, adds up their resident set sizes (VmRSS in /proc/<pid>/status) and keeps the
// largest total seen. A peak shorter than the interval can be missed; the sum is what the machine
// had to hold at one moment, which is what a memory cap is about.
import { readdirSync, readFileSync } from "node:fs";

/** The pids under `root` (itself included), from the parent pid in each /proc/<pid>/stat. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProc(`/proc/${name}/stat`);
    if (stat === null) continue;
    // Fields after the command name (which may hold spaces) in parentheses: state, ppid, …
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

function readProc(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null; // the process ended between listing and reading
  }
}

/** Resident bytes of the process tree under `root` now. */
export function treeRssBytes(root = process.pid): number {
  let bytes = 0;
  for (const pid of processTree(root)) {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readProc(`/proc/${pid}/status`) ?? "")?.[1];
    if (kb !== undefined) bytes += Number(kb) * 1024;
  }
  return bytes;
}

export interface RssSampler {
  /** The largest total seen since the sampler started or was last reset, in MB. */
  peakMb(): number;
  reset(): void;
  stop(): void;
}

/** Samples this process's tree every `intervalMs`. */
export function sampleTreeRss(intervalMs = 100): RssSampler {
  let peak = treeRssBytes();
  const timer = setInterval(() => (peak = Math.max(peak, treeRssBytes())), intervalMs);
  timer.unref();
  return {
    peakMb: () => Math.max(peak, treeRssBytes()) / 1e6,
    reset: () => (peak = treeRssBytes()),
    stop: () => clearInterval(timer),
  };
}
