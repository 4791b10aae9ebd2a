// Builds the site with `observable build` over a fixture store, in a throw-away copy of the
// project (src + config, with node_modules and data-loaders linked), so the test never touches a
// developer's `src/.observablehq/cache` or `dist`. Bundled libraries (`_node`, `_observablehq`)
// are kept between test runs in `.tmp/site-test-cache/` to save re-bundling them.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { buildSiteFixture, type SiteFixture } from "./fixture-store.ts";

export const PROJECT = resolve(import.meta.dirname, "../..");
const FRAMEWORK = join(PROJECT, "node_modules/@observablehq/framework");
const REUSED_CACHES = ["_node", "_observablehq"];

export interface BuiltSite {
  root: string;
  outDir: string;
  cacheDir: string;
  resultsDir: string;
  fixture: SiteFixture;
  log: string;
  remove(): void;
}

export async function buildFixtureSite(): Promise<BuiltSite> {
  const root = mkdtempSync(join(tmpdir(), "tracker-site-"));
  cpSync(join(PROJECT, "src"), join(root, "src"), {
    recursive: true,
    filter: (source) => !source.includes(".observablehq"),
  });
  for (const file of ["observablehq.config.ts", "package.json"]) cpSync(join(PROJECT, file), join(root, file));
  for (const dir of ["node_modules", "data-loaders"]) symlinkSync(join(PROJECT, dir), join(root, dir));
  mkdirSync(join(root, "experiments"));

  const cacheDir = join(root, "src/.observablehq/cache");
  const kept = keptCacheDir();
  for (const name of REUSED_CACHES) {
    if (existsSync(join(kept, name))) cpSync(join(kept, name), join(cacheDir, name), { recursive: true });
  }

  const resultsDir = join(root, "results");
  const fixture = await buildSiteFixture(resultsDir);
  const outDir = join(root, "dist");
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [join(FRAMEWORK, "dist/bin/observable.js"), "build"],
    {
      cwd: root,
      env: { ...process.env, TRACKER_RESULTS: resultsDir, TRACKER_SITE_OUT: outDir, OBSERVABLE_TELEMETRY_DISABLE: "1" },
      maxBuffer: 64 * 1024 * 1024,
    },
  ).catch((error: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`observable build failed: ${error.message}\n${error.stdout ?? ""}\n${error.stderr ?? ""}`);
  });

  for (const name of REUSED_CACHES) keepCache(join(cacheDir, name), join(kept, name));
  return { root, outDir, cacheDir, resultsDir, fixture, log: stdout + stderr, remove: () => rmSync(root, { recursive: true, force: true }) };
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
