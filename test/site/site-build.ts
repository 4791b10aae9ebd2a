// Builds the site the way `tracker build` does (data-loaders/site/build.ts) over a fixture store, in a throw-away copy of the
// project (src + config, with node_modules and data-loaders linked), so the test never touches a
// developer's `src/.observablehq/cache` or `dist`. Bundled libraries (`_node`, `_observablehq`)
// are kept between test runs in `.tmp/site-test-cache/` to save re-bundling them.
//
// The build is shared: it is kept in `.tmp/site-test-builds/<key>/`, where the key hashes every
// input (site sources, config, data-loaders, this fixture), so the build and browser test files
// (and reruns with nothing changed) build once; a lock directory makes concurrent callers wait
// for the one that builds. Callers must treat the shared build as read-only.
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { buildSite } from "../../data-loaders/site/build.ts";
import { buildSiteFixture, writeSiteExperiments, type SiteFixture } from "./fixture-store.ts";

export const PROJECT = resolve(import.meta.dirname, "../..");
const FRAMEWORK = join(PROJECT, "node_modules/@observablehq/framework");
const REUSED_CACHES = ["_node", "_observablehq"];
const BUILDS = join(PROJECT, ".tmp/site-test-builds");
const INPUTS = [
  "src",
  "observablehq.config.ts",
  "data-loaders",
  "test/site/fixture-store.ts",
  "test/site/site-build.ts",
  "package-lock.json",
];

export interface BuiltSite {
  root: string;
  outDir: string;
  cacheDir: string;
  resultsDir: string;
  fixture: SiteFixture;
  log: string;
  /** The loader outputs `tracker build` computed before the Framework build, and the ones that failed there. */
  loadersRun: string[];
  loadersFailed: string[];
  /** Seconds the build took (0 when an earlier identical build was reused). */
  buildS: number;
}

/** The fixture site, built once per set of inputs. */
export async function buildFixtureSite(): Promise<BuiltSite> {
  const key = inputsKey();
  const dir = join(BUILDS, key);
  const done = join(dir, "built.json");
  const lock = `${dir}.lock`;
  mkdirSync(BUILDS, { recursive: true });
  for (;;) {
    if (existsSync(done)) return { ...(JSON.parse(readFileSync(done, "utf8")) as BuiltSite), buildS: 0 };
    try {
      mkdirSync(lock); // atomic: exactly one caller builds
      break;
    } catch {
      if (Date.now() - statSync(lock).mtimeMs > 600_000) rmSync(lock, { recursive: true, force: true }); // abandoned
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    for (const old of readdirSync(BUILDS))
      if (old !== key && old !== `${key}.lock`) rmSync(join(BUILDS, old), { recursive: true, force: true });
    const started = performance.now();
    const site = await buildInto(dir);
    const built = { ...site, buildS: (performance.now() - started) / 1000 };
    writeFileSync(done, JSON.stringify(built));
    return built;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * A throw-away copy of the project in `root` to build the site in: site sources and config copied,
 * node_modules and data-loaders linked, and the bundled libraries of earlier test builds copied
 * into its cache. Returns its loader cache folder (`src/.observablehq/cache`).
 */
export function projectCopy(root: string): string {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  cpSync(join(PROJECT, "src"), join(root, "src"), {
    recursive: true,
    filter: (source) => !source.includes(".observablehq"),
  });
  for (const file of ["observablehq.config.ts", "package.json"]) cpSync(join(PROJECT, file), join(root, file));
  for (const dir of ["node_modules", "data-loaders"]) symlinkSync(join(PROJECT, dir), join(root, dir));
  const cacheDir = join(root, "src/.observablehq/cache");
  const kept = keptCacheDir();
  for (const name of REUSED_CACHES) {
    if (existsSync(join(kept, name))) cpSync(join(kept, name), join(cacheDir, name), { recursive: true });
  }
  return cacheDir;
}

async function buildInto(root: string): Promise<Omit<BuiltSite, "buildS">> {
  const cacheDir = projectCopy(root);
  writeSiteExperiments(join(root, "experiments"), "../data-loaders/experiment/schema.ts");
  const kept = keptCacheDir();

  const resultsDir = join(root, "results");
  const fixture = await buildSiteFixture(resultsDir);
  const outDir = join(root, "dist");
  // As `tracker build` does it (digests, Framework build, downloads), with answers published as
  // each fixture experiment says (no TRACKER_PUBLISH_ANSWERS override from the environment).
  let log = "";
  let loaders: Pick<BuiltSite, "loadersRun" | "loadersFailed">;
  const publish = process.env.TRACKER_PUBLISH_ANSWERS;
  delete process.env.TRACKER_PUBLISH_ANSWERS;
  try {
    // One job: the other test files' timing checks run beside this build on the same two cores.
    const report = await buildSite(root, resultsDir, { output: (text) => (log += text), jobs: 1 });
    loaders = { loadersRun: report.loadersRun.map((l) => l.target), loadersFailed: report.loadersFailed };
  } catch (error) {
    throw new Error(`site build failed: ${(error as Error).message}\n${log}`, { cause: error });
  } finally {
    if (publish !== undefined) process.env.TRACKER_PUBLISH_ANSWERS = publish;
  }

  for (const name of REUSED_CACHES) keepCache(join(cacheDir, name), join(kept, name));
  return { root, outDir, cacheDir, resultsDir, fixture, log, ...loaders };
}

/** A fresh temporary folder for a test that must write (the shared build is read-only). */
export function scratchDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function inputsKey(): string {
  const hash = createHash("sha256");
  const visit = (path: string) => {
    if (!existsSync(path) || path.includes(".observablehq")) return;
    if (statSync(path).isDirectory()) for (const name of readdirSync(path).sort()) visit(join(path, name));
    else hash.update(path).update(readFileSync(path));
  };
  for (const input of INPUTS) visit(join(PROJECT, input));
  return hash.digest("hex").slice(0, 16);
}

function keptCacheDir(): string {
  const { version } = JSON.parse(readFileSync(join(FRAMEWORK, "package.json"), "utf8")) as { version: string };
  return join(PROJECT, ".tmp/site-test-cache", `framework-${version}`);
}

/** Stores a bundle cache for later runs unless one is there; the rename makes it all-or-nothing. */
function keepCache(from: string, to: string): void {
  if (existsSync(to) || !existsSync(from)) return;
  const staging = `${to}.${process.pid}`;
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, staging, { recursive: true });
  try {
    renameSync(staging, to);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another test stored it first
  }
}
