// Facts about the machine and the checkout, recorded in every run's manifest.
import { execFileSync } from "node:child_process";
import { cpus, hostname, platform, release } from "node:os";
import type { Manifest } from "../store/rows.ts";

function git(args: string[]): string | null {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

export function captureEnvironment(): Manifest["environment"] {
  const commit = git(["rev-parse", "HEAD"]);
  const status = commit === null ? null : git(["status", "--porcelain", "--untracked-files=no"]);
  const cpu = cpus();
  return {
    node: process.version,
    os: `${platform()} ${release()}`,
    cpu: cpu.length ? `${cpu[0]!.model} × ${cpu.length}` : "unknown",
    host: hostname(),
    git_commit: commit,
    git_dirty: status === null ? null : status.length > 0,
  };
}
