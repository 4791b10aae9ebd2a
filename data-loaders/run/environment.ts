// Facts about the machine and the checkout, recorded in every run's manifest.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, hostname, platform, release } from "node:os";
import { join } from "node:path";
import { queryGpus } from "../server/nvidia-smi.ts";
import type { Manifest } from "../store/schemas/manifest.ts";

/** The project root (where package.json is), whatever the working directory. */
const PROJECT_ROOT = join(import.meta.dirname, "../..");

function git(args: string[]): string | null {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

/** The tracker's version: `version` of the project's package.json (manifest `tracker_version`). */
export function trackerVersion(): string {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version?: unknown };
  if (typeof pkg.version !== "string")
    throw new Error(`${join(PROJECT_ROOT, "package.json")}: field "version" is missing`);
  return pkg.version;
}

/** Machine and checkout facts without GPUs (synchronous; `gpus` is left out). */
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

/** captureEnvironment() plus `gpus` from nvidia-smi (null when the client host has none). */
export async function captureEnvironmentWithGpus(log?: (line: string) => void): Promise<Manifest["environment"]> {
  const gpus = await queryGpus({ log });
  return {
    ...captureEnvironment(),
    gpus:
      gpus === null
        ? null
        : gpus.map((g) => ({ name: g.name, driver: g.driver, memory_total_mib: g.memory_total_mib })),
  };
}
