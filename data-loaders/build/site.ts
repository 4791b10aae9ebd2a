// Building the static site. Framework's loader cache only looks at file presence, so before each
// build this module deletes exactly the cached loader outputs whose inputs changed (content
// hashes of the loader code and of the results they read). The runs' digests and the missing
// loader outputs are then computed on every core (build/prepare.ts), and the download files are
// written beside the Framework build. The build goes to a temporary folder that replaces dist/
// only when it succeeded, so a failed build never wipes the last good site.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative, resolve } from "node:path";
import { hashJson, sha256 } from "../experiment/hash.ts";
import { experimentsFolder, INDEX_FILE } from "../store/layout.ts";
import type { ExperimentIndex } from "../store/schemas/experiment-index.ts";
import { placeDownloads } from "../report/downloads.ts";
import { CACHE_DIR, runLoaders, warmMemo, writeDownloadFiles } from "./prepare.ts";

const FINGERPRINTS = ".tracker-fingerprints.json";
/** Sources whose change invalidates every cached loader output. */
const CODE_ROOTS = ["data-loaders", "src/data", "package-lock.json"];

export interface InvalidationReport {
  kept: string[];
  removed: string[];
}

/** Files under `dir` (recursively), relative to it. */
function walk(dir: string, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      const rel = relative(dir, full);
      if (skip(rel)) continue;
      if (statSync(full).isDirectory()) visit(full);
      else out.push(rel);
    }
  };
  if (existsSync(dir)) visit(dir);
  return out.sort();
}

function codeHash(root: string): string {
  // Settings read by loaders that are not part of the results: how answers are published.
  const parts: string[] = [`TRACKER_PUBLISH_ANSWERS=${process.env.TRACKER_PUBLISH_ANSWERS ?? ""}`];
  for (const entry of CODE_ROOTS) {
    const full = join(root, entry);
    if (!existsSync(full)) continue;
    const files = statSync(full).isDirectory()
      ? walk(full, (rel) => rel.includes(".observablehq")).map((f) => join(full, f))
      : [full];
    for (const f of files) parts.push(`${relative(root, f)}:${sha256(readFileSync(f))}`);
  }
  return sha256(parts.join("\n"));
}

/**
 * Content hash of each experiment file: loaders read settings that do not change the measurement
 * (prices, GPU $/hour, publishing) from the file itself.
 */
function experimentFileHashes(root: string): Record<string, string> {
  const dir = resolve(root, experimentsFolder());
  const out: Record<string, string> = {};
  for (const file of walk(dir)) out[file.replace(/\.[^.]*$/, "")] = sha256(readFileSync(join(dir, file)));
  return out;
}

interface Inputs {
  code: string;
  index: ExperimentIndex["experiments"];
  files: Record<string, string>;
}

function currentInputs(root: string, resultsRoot: string): Inputs {
  const indexPath = join(resultsRoot, INDEX_FILE);
  const index: ExperimentIndex["experiments"] = existsSync(indexPath)
    ? JSON.parse(readFileSync(indexPath, "utf8")).experiments
    : [];
  return { code: codeHash(root), index, files: experimentFileHashes(root) };
}

/**
 * The inputs of one cached loader output: the code, plus the index entry and file of its
 * experiment for a per-experiment file (`data/<folder>/<id>.<ext>`), or every entry and file for
 * anything else.
 */
function fingerprint(cachePath: string, { code, index, files }: Inputs): string {
  const parts = cachePath.split("/");
  const stem = parts.at(-1)!.split(".")[0]!;
  const entry = parts.length >= 3 ? index.find((e) => e.id === stem) : undefined;
  return entry ? hashJson({ code, data: entry, file: files[stem] ?? null }) : hashJson({ code, data: index, files });
}

/** Deletes stale cached loader outputs; records the fingerprints of those that stay. */
export function invalidateLoaderCache(root: string, resultsRoot: string): InvalidationReport {
  const cache = join(root, CACHE_DIR);
  const inputs = currentInputs(root, resultsRoot);
  const fpPath = join(cache, FINGERPRINTS);
  const previous: Record<string, string> = existsSync(fpPath) ? JSON.parse(readFileSync(fpPath, "utf8")) : {};
  const report: InvalidationReport = { kept: [], removed: [] };
  // Top-level folders starting with "_" hold bundled libraries, not loader output.
  for (const file of walk(cache, (rel) => rel.startsWith("_") || rel === FINGERPRINTS)) {
    const fp = fingerprint(file, inputs);
    if (previous[file] === fp) report.kept.push(file);
    else {
      rmSync(join(cache, file));
      report.removed.push(file);
    }
  }
  return report;
}

/** After a build: remember the fingerprint of every cached loader output. */
export function recordLoaderCache(root: string, resultsRoot: string): void {
  const cache = join(root, CACHE_DIR);
  if (!existsSync(cache)) return;
  const inputs = currentInputs(root, resultsRoot);
  const fps: Record<string, string> = {};
  for (const file of walk(cache, (rel) => rel.startsWith("_") || rel === FINGERPRINTS))
    fps[file] = fingerprint(file, inputs);
  writeFileSync(join(cache, FINGERPRINTS), JSON.stringify(fps, null, 2) + "\n");
}

/** Runs `observable <command>` with the project's config; resolves with the exit code. */
export function runFramework(
  root: string,
  args: string[],
  env: Record<string, string> = {},
  output: FrameworkOutput = "inherit",
): Promise<number> {
  const bin = join(root, "node_modules/@observablehq/framework/dist/bin/observable.js");
  return new Promise((resolve, reject) => {
    const stdio = output === "inherit" ? "inherit" : "pipe";
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio, env: { ...process.env, ...env } });
    if (typeof output === "function") {
      child.stdout?.on("data", (b: Buffer) => output(b.toString()));
      child.stderr?.on("data", (b: Buffer) => output(b.toString()));
    }
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Where Framework's output goes: this process's stdout/stderr, or a function given each piece of it. */
export type FrameworkOutput = "inherit" | ((text: string) => void);

export interface SiteReport extends InvalidationReport {
  /** Loader outputs computed before the Framework build (build/prepare.ts runLoaders), with their seconds. */
  loadersRun: { target: string; seconds: number }[];
  /** Seconds per step: run digests, loaders, Framework build, and the downloads written beside it. */
  seconds: { digests: number; loaders: number; framework: number; downloads: number };
}

export interface BuildOptions {
  /** Output folder under root (default dist). */
  out?: string;
  /** Where Framework's and the loaders' output goes (default: this process's). */
  output?: FrameworkOutput;
  /** Processes computing digests and loaders at once (default one per core). */
  jobs?: number;
}

/** Builds the site into a temporary folder, then swaps it in as `out`. */
export async function buildSite(root: string, resultsRoot: string, options: BuildOptions = {}): Promise<SiteReport> {
  const { out = "dist", output = "inherit", jobs = availableParallelism() } = options;
  const report = invalidateLoaderCache(root, resultsRoot);
  const times = [performance.now()];
  const failed = await warmMemo(root, resultsRoot, jobs);
  for (const f of failed) console.error(`warning: ${f} (its page reports the error)`);
  times.push(performance.now());
  const loaders = await runLoaders(root, resultsRoot, output, jobs);
  times.push(performance.now());
  const tmp = join(root, `.dist-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  // The downloads are written while Framework builds the pages (DuckDB's work, in its own process:
  // Framework leaves a core free, the loaders did not).
  let downloadsS = 0;
  const [framework, downloads] = await Promise.allSettled([
    runFramework(root, ["build"], { TRACKER_SITE_OUT: tmp, TRACKER_RESULTS: resultsRoot }, output),
    writeDownloadFiles(root, resultsRoot).finally(() => (downloadsS = (performance.now() - times[2]!) / 1000)),
  ]);
  recordLoaderCache(root, resultsRoot);
  const code = framework.status === "fulfilled" ? framework.value : 1;
  const reasons: string[] = [];
  if (code !== 0 || !existsSync(join(tmp, "index.html"))) reasons.push(`observable build failed (exit ${code})`);
  if (downloads.status === "rejected") reasons.push((downloads.reason as Error).message);
  if (reasons.length > 0 || downloads.status === "rejected") {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`${reasons.join("; ")}; the previous ${out}/ is left as it was`);
  }
  placeDownloads(downloads.value.cacheDir, downloads.value.files, tmp);
  const target = join(root, out);
  const old = `${target}.old-${process.pid}`;
  if (existsSync(target)) renameSync(target, old);
  mkdirSync(join(target, ".."), { recursive: true });
  renameSync(tmp, target);
  rmSync(old, { recursive: true, force: true });
  times.push(performance.now());
  const step = (i: number) => (times[i + 1]! - times[i]!) / 1000;
  return {
    ...report,
    loadersRun: loaders.ran,
    seconds: { digests: step(0), loaders: step(1), framework: step(2), downloads: downloadsS },
  };
}
