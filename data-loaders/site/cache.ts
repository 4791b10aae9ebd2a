// Every cache the site build keeps, in one place: what each folder holds, what keys an entry and
// what makes it stale. All of them live in Framework's cache folder, src/.observablehq/cache/;
// deleting it is always safe (the next build computes everything again).
//
// | Folder (in the cache folder)     | Holds                                    | An entry is keyed by                    |
// |----------------------------------|------------------------------------------|-----------------------------------------|
// | data/… (Framework's)             | loader outputs: the pages' data          | code of its loader; its experiment's    |
// |                                  |                                          | index entry and file, or every entry    |
// |                                  |                                          | and file for cross-experiment data;     |
// |                                  |                                          | $TRACKER_PUBLISH_ANSWERS                |
// | _tracker-digests/<exp>/          | per run: digest (.json), per-prompt rows | code of report/digest.ts; run files     |
// |   <run>.<key><kind>              | (.prompts.json), answer sample           |                                         |
// |                                  | (.answers.json)                          |                                         |
// | _tracker-digests/settings/       | an experiment file's report settings     | code of report/settings.ts; code of the |
// |   <id>.<key>.json                | (prices, GPU $/hour, publish mode)       | experiment file                         |
// | _tracker-downloads/<exp>/        | download files: a run's rows (CSV only   | code of site/downloads.ts; run files;   |
// |   <run>.<key>.parquet|csv        | up to CSV_ROW_LIMIT rows), its quality   | the experiment's publish mode           |
// |   quality|pairwise/<run>.<key>…  | files                                    |                                         |
// | _tracker-downloads/              | the database of all runs                 | every run's download key; every         |
// |   all-runs.<key>.duckdb          |                                          | manifest                                |
// | _tracker-downloads/              | what that database holds: per run and    | as the database beside it               |
// |   all-runs.<key>.json            | table, its rows and their key (code,     |                                         |
// |                                  | the table's run file, publish mode)      |                                         |
// | _node/, _observablehq/, _npm/    | libraries Framework bundles              | Framework's own (never touched here)    |
//
// - "Code of a module" is computed (CodeKeys): the content of every project file in its import
//   closure (static imports, re-exports and literal dynamic imports of `./…` and `../…`; type-only
//   imports erase and are left out), of the files such a module reads as source (READ_AS_DATA),
//   and package-lock.json for the packages. A change to any module an artefact is computed with
//   therefore changes its key; a module it does not import does not.
// - "Run files" are the size and modification time of the run's manifest.json, requests.parquet,
//   server-metrics.parquet and quality files (quality.json, quality.parquet, pairwise.parquet;
//   runFilesKey): the runner and the scoring step write each whole and rename it into place.
// - Loader outputs are the one cache whose names do not hold their key: Framework counts a present
//   file as fresh. So before each build invalidateLoaderCache deletes the outputs whose inputs
//   changed, comparing with the fingerprints recordLoaderCache wrote after the last build
//   (.tracker-fingerprints.json). An output whose loader cannot be found is keyed by all the code.
// - Memo and download entries carry their key in their name, so a change is a new name. Stale
//   downloads are removed when the downloads are written; stale memo entries stay unused until the
//   folder is deleted. $TRACKER_DIGEST_CACHE moves the memo folder (tests use a temporary one).
// - A new database of all runs is, when it can be, the previous one (the cached all-runs.*.duckdb
//   with its .json record) updated: in each table, the rows of the runs whose key there is gone or
//   changed deleted, those of the new keys inserted (site/all-runs.ts says when it is written whole
//   instead).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { hashJson, sha256 } from "../experiment/hash.ts";
import type { RunFolder } from "../store/folders.ts";
import { experimentsFolder, INDEX_FILE, MANIFEST_FILE } from "../store/layout.ts";
import type { ExperimentIndex } from "../store/schemas/experiment-index.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import { PAIRWISE_FILE, QUALITY_FILE, QUALITY_MANIFEST_FILE } from "../store/quality.ts";
import { SERVER_METRICS_FILE } from "../store/server-metrics.ts";

/** The project this module belongs to. */
export const PROJECT = resolve(import.meta.dirname, "../..");
/** Framework's cache of loader outputs, under the project root. */
export const CACHE_DIR = "src/.observablehq/cache";
/** The memo of digests and settings (the `_` keeps it out of the loader-cache invalidation, like every `_` folder). */
export const MEMO_DIR = `${CACHE_DIR}/_tracker-digests`;
/** Download files, named by the key of their inputs. */
export const DOWNLOADS_CACHE = `${CACHE_DIR}/_tracker-downloads`;
const FINGERPRINTS = ".tracker-fingerprints.json";

/** The module that computes each memoised artefact: its code is the code part of the artefact's key. */
export const COMPUTED_BY = {
  digest: "data-loaders/report/digest.ts",
  settings: "data-loaders/report/settings.ts",
  downloads: "data-loaders/site/downloads.ts",
} as const;

/**
 * Modules that read project sources as data, and what they read: the Methods page quotes the
 * header comment of every formula module (report/methods.ts FORMULA_FOLDERS; a test holds the two
 * equal, since importing it here would put it in every closure).
 */
export const READ_AS_DATA: Record<string, readonly string[]> = {
  "data-loaders/report/methods.ts": ["data-loaders/metrics", "data-loaders/analysis"],
};

/** The code keyed when a cached loader output's loader cannot be found: everything a loader could run. */
const ALL_CODE = ["data-loaders", "src/data", "package-lock.json"];

// ---- Hashing files ----

/** Files under `dir` (recursively), relative to it, sorted; `skip` leaves out a file or folder by its relative path. */
export function listFiles(dir: string, skip: (rel: string) => boolean = () => false): string[] {
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

/**
 * One hash of files and folders (recursively; Framework's `.observablehq` folders left out): each
 * file's path relative to `root` and its content. Paths that do not exist are skipped.
 */
export function hashFiles(paths: readonly string[], root: string): string {
  const files = new Set<string>();
  for (const path of paths) {
    if (!existsSync(path)) continue;
    if (!statSync(path).isDirectory()) files.add(path);
    else for (const f of listFiles(path, (rel) => rel.includes(".observablehq"))) files.add(join(path, f));
  }
  const lines = [...files].sort().map((f) => `${relative(root, f)}:${sha256(readFileSync(f))}`);
  return sha256(lines.join("\n"));
}

// ---- The code part of a key ----

/** Files the closure scanner reads for imports. */
const SCRIPT = /\.[cm]?[jt]s$/;
/** `import … from "x"`, `import "x"`, `export … from "x"`; group 1 marks `import type` / `export type`. */
const STATIC_IMPORT = /(?:^|[\s;])(?:import|export)(\s+type)?\s+(?:[^;'"`]*?\sfrom\s*)?["']([^"']+)["']/gm;
const DYNAMIC_IMPORT = /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;

/** The relative specifiers a module imports at run time. */
export function relativeImports(source: string): string[] {
  const specs = [
    ...[...source.matchAll(STATIC_IMPORT)].filter((m) => !m[1]).map((m) => m[2]!),
    ...[...source.matchAll(DYNAMIC_IMPORT)].map((m) => m[1]!),
  ];
  return specs.filter((s) => s.startsWith("./") || s.startsWith("../"));
}

/** The file a relative specifier names (`x.js` may name `x.ts`, as TypeScript allows). */
function resolveImport(from: string, spec: string): string {
  const path = resolve(dirname(from), spec);
  const ts = path.replace(/\.js$/, ".ts");
  return !existsSync(path) && ts !== path && existsSync(ts) ? ts : path;
}

/** Code keys of the modules of one project (root), each closure and key computed once. */
export class CodeKeys {
  private readonly closures = new Map<string, string[]>();
  private readonly keys = new Map<string, string>();

  constructor(readonly root: string = PROJECT) {}

  /** The project files `entry` (a path relative to root, or absolute) runs with: itself and, transitively, what it imports. */
  closure(entry: string): string[] {
    const start = resolve(this.root, entry);
    const known = this.closures.get(start);
    if (known) return known;
    if (!existsSync(start)) throw new Error(`cache: ${entry} does not exist (a cache key is computed from its code)`);
    const seen = new Set<string>();
    const todo = [start];
    while (todo.length > 0) {
      const file = todo.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      // A missing import is kept in the closure: hashFiles skips it, and its appearance changes the key.
      if (!SCRIPT.test(file) || !existsSync(file)) continue;
      for (const spec of relativeImports(readFileSync(file, "utf8"))) todo.push(resolveImport(file, spec));
    }
    const files = [...seen].sort();
    this.closures.set(start, files);
    return files;
  }

  /** The code key of what `entries` compute: their closures, the sources those read as data, and package-lock.json. */
  key(...entries: string[]): string {
    const id = entries.join("\n");
    const known = this.keys.get(id);
    if (known) return known;
    const files = new Set(entries.flatMap((e) => this.closure(e)));
    for (const [module, folders] of Object.entries(READ_AS_DATA)) {
      if (files.has(resolve(this.root, module))) for (const folder of folders) files.add(resolve(this.root, folder));
    }
    files.add(resolve(this.root, "package-lock.json"));
    const key = hashFiles([...files], this.root);
    this.keys.set(id, key);
    return key;
  }
}

let processKeys: CodeKeys | null = null;
/** This project's code keys, each computed once per process (a loader or worker lives for one build). */
export function processCodeKeys(): CodeKeys {
  return (processKeys ??= new CodeKeys());
}

// ---- The memo: digests and settings ----

/** The memo folder ($TRACKER_DIGEST_CACHE, else MEMO_DIR), relative to `root` (default: the working directory). */
export function memoDir(root = "."): string {
  return resolve(root, process.env.TRACKER_DIGEST_CACHE ?? MEMO_DIR);
}

/** Whether the memo (in `dir`, default memoDir()) holds `name`. */
export function memoExists(name: string, dir = memoDir()): boolean {
  return existsSync(join(dir, name));
}

/** JSON text of memo entries kept parsed in one process at most (a build's loader process reads many entries several times). */
export const MEMO_READ_BYTES = 32 * 1024 * 1024;

/**
 * Memo entries read in this process, parsed and deep-frozen, by file; the least recently used
 * leave once their text passes MEMO_READ_BYTES. A file's name holds its content key, so a kept
 * value is what the file holds. Frozen, because every reader shares it: a reader that changed it
 * would change what the next one reads (and so throws instead).
 */
const memoRead = new Map<string, { value: unknown; bytes: number }>();
let memoReadBytes = 0;

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The value of the memo entry at `file` (which exists), read once per process while it is kept. */
function readMemo(file: string): unknown {
  const kept = memoRead.get(file);
  if (kept) {
    memoRead.delete(file);
    memoRead.set(file, kept);
    return kept.value;
  }
  const text = readFileSync(file, "utf8");
  const entry = { value: deepFreeze(JSON.parse(text) as unknown), bytes: text.length };
  memoRead.set(file, entry);
  memoReadBytes += entry.bytes;
  for (const [oldest, { bytes }] of memoRead) {
    if (memoReadBytes <= MEMO_READ_BYTES || oldest === file) break;
    memoRead.delete(oldest);
    memoReadBytes -= bytes;
  }
  return entry.value;
}

/**
 * The memoised value at `name` (a relative path that includes its content key), computed once.
 * Frozen, computed or read (a read value is shared by this process's readers, see readMemo).
 */
export async function memoised<T>(name: string, compute: () => Promise<T>): Promise<T> {
  const file = join(memoDir(), name);
  if (existsSync(file)) return readMemo(file) as T;
  const value = await compute();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.${process.pid}`, JSON.stringify(value));
  renameSync(`${file}.${process.pid}`, file);
  return deepFreeze(value);
}

/**
 * The run's stored files as `path:size:mtime` lines: what a cached derivative of the run (memo
 * entries, downloads) depends on. The runner writes each file once and renames it into place, so
 * a changed file always has a new size or time.
 */
export function runFilesKey(run: RunFolder): string {
  const quality = [QUALITY_MANIFEST_FILE, QUALITY_FILE, PAIRWISE_FILE].map((f) => join(run.path, f));
  return [join(run.path, MANIFEST_FILE), run.requestsPath, join(run.path, SERVER_METRICS_FILE), ...quality]
    .filter((p): p is string => p !== null && existsSync(p))
    .map((p) => {
      const { size, mtimeMs } = statSync(p);
      return `${p}:${size}:${mtimeMs}`;
    })
    .join("\n");
}

/** The memo entry of `kind` (e.g. ".json") for a run's digest and what is memoised with it: the run's files and the digest's code. */
export function digestMemoName(run: RunFolder, kind: string, keys = processCodeKeys()): string {
  const key = sha256(`${keys.key(COMPUTED_BY.digest)}\n${runFilesKey(run)}`).slice(0, 16);
  return join(run.experimentId, `${run.runId}.${key}${kind}`);
}

/** The memo entry of the report settings of experiment `id` (file `path`): the file's code and the settings reader's. */
export function settingsMemoName(id: string, path: string, keys = processCodeKeys()): string {
  const reader = keys.key(COMPUTED_BY.settings);
  // The experiment file is the user's: read again every time (a long-lived process sees an edit).
  const file = new CodeKeys(keys.root).key(resolve(path));
  return `settings/${id}.${sha256(`${reader}\n${file}`).slice(0, 16)}.json`;
}

// ---- Downloads ----

/** The key of one run's download files: the downloads code, the run's files and the publish mode. */
export function runDownloadKey(run: RunFolder, publish: string, keys = processCodeKeys()): string {
  return hashJson({ code: keys.key(COMPUTED_BY.downloads), files: runFilesKey(run), publish }).slice(0, 16);
}

/**
 * The key of a run's rows in one table of the database of all runs (site/all-runs.ts): the
 * downloads code, the file the table's rows come from (path, size and time; null: the run has
 * none) and the publish mode. Per table, so that a re-scored run replaces only its quality rows.
 */
export function tableDownloadKey(file: string | null, publish: string, keys = processCodeKeys()): string {
  const stat = file !== null && existsSync(file) ? statSync(file) : null;
  const source = stat ? `${file}:${stat.size}:${stat.mtimeMs}` : null;
  return hashJson({ code: keys.key(COMPUTED_BY.downloads), file: source, publish }).slice(0, 16);
}

/** The key of the database of all runs: every run's download key (`<exp>/<run>:<key>`) and every manifest. */
export function allRunsDownloadKey(runKeys: string[], manifests: Manifest[]): string {
  return hashJson({ keys: runKeys, manifests }).slice(0, 16);
}

// ---- Framework's loader outputs ----

/** Framework's data loaders: files under src/ named `<name>.<ext>.ts` (or .js), relative to src/. */
export function loaderSources(root: string): string[] {
  return listFiles(join(root, "src"), (rel) => rel.startsWith(".observablehq")).filter((f) => /\.\w+\.[jt]s$/.test(f));
}

/** The loader (of `sources`) whose output is `target` (e.g. `data/runs/alpha.json`): an exact name first, else a `[param]` route. */
export function loaderOf(target: string, sources: readonly string[]): string | undefined {
  const route = (source: string) =>
    new RegExp(
      `^${source
        .replace(/\.[jt]s$/, "")
        .replace(/[.*+?^${}()|\\]/g, "\\$&")
        .replace(/\[\w+\]/g, "[^/]+")}$`,
    );
  return sources.find((s) => s.replace(/\.[jt]s$/, "") === target) ?? sources.find((s) => route(s).test(target));
}

export interface InvalidationReport {
  kept: string[];
  removed: string[];
}

interface Inputs {
  root: string;
  keys: CodeKeys;
  loaders: string[];
  /** Settings read by loaders that are not part of the results: how answers are published. */
  env: string;
  index: ExperimentIndex["experiments"];
  /** Per experiment file (by name without extension): its code, or the content of a non-script file. */
  files: Record<string, string>;
  /** The key of ALL_CODE, computed when first needed. */
  allCode?: string;
}

function currentInputs(root: string, resultsRoot: string): Inputs {
  const indexPath = join(resultsRoot, INDEX_FILE);
  const index: ExperimentIndex["experiments"] = existsSync(indexPath)
    ? JSON.parse(readFileSync(indexPath, "utf8")).experiments
    : [];
  const keys = new CodeKeys(root);
  // Loaders read settings that do not change the measurement (prices, GPU $/hour, publishing)
  // from the experiment file itself.
  const dir = resolve(root, experimentsFolder());
  const files: Record<string, string> = {};
  for (const file of listFiles(dir)) {
    const path = join(dir, file);
    files[file.replace(/\.[^.]*$/, "")] = SCRIPT.test(file) ? keys.key(path) : hashFiles([path], dir);
  }
  const env = `TRACKER_PUBLISH_ANSWERS=${process.env.TRACKER_PUBLISH_ANSWERS ?? ""}`;
  return { root, keys, loaders: loaderSources(root), env, index, files };
}

/**
 * The inputs of one cached loader output: its loader's code, plus the index entry and file of its
 * experiment for a per-experiment file (`data/<folder>/<id>.<ext>`), or every entry and file for
 * anything else.
 */
function fingerprint(cachePath: string, inputs: Inputs): string {
  const { root, keys, loaders, env, index, files } = inputs;
  const loader = loaderOf(cachePath, loaders);
  const code = loader
    ? keys.key(join("src", loader))
    : (inputs.allCode ??= hashFiles(
        ALL_CODE.map((p) => join(root, p)),
        root,
      ));
  const parts = cachePath.split("/");
  // `<id>.<ext>`: an id may hold dots (llama-3.2-1b), the extension does not.
  const stem = parts.at(-1)!.replace(/\.[^.]*$/, "");
  const entry = parts.length >= 3 ? index.find((e) => e.id === stem) : undefined;
  // A grid cell's settings come from its experiment's file; a grid's page shows its cells (in its entry).
  const file = entry?.cell?.experiment ?? stem;
  return entry
    ? hashJson({ code, env, data: entry, file: files[file] ?? null })
    : hashJson({ code, env, data: index, files });
}

/** The loader outputs in the cache: top-level `_` folders hold bundled libraries, the memo and downloads. */
function cachedOutputs(cache: string): string[] {
  return listFiles(cache, (rel) => rel.startsWith("_") || rel === FINGERPRINTS);
}

/** Deletes stale cached loader outputs; records the fingerprints of those that stay. */
export function invalidateLoaderCache(root: string, resultsRoot: string): InvalidationReport {
  const cache = join(root, CACHE_DIR);
  const inputs = currentInputs(root, resultsRoot);
  const fpPath = join(cache, FINGERPRINTS);
  const previous: Record<string, string> = existsSync(fpPath) ? JSON.parse(readFileSync(fpPath, "utf8")) : {};
  const report: InvalidationReport = { kept: [], removed: [] };
  for (const file of cachedOutputs(cache)) {
    if (previous[file] === fingerprint(file, inputs)) report.kept.push(file);
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
  for (const file of cachedOutputs(cache)) fps[file] = fingerprint(file, inputs);
  writeFileSync(join(cache, FINGERPRINTS), JSON.stringify(fps, null, 2) + "\n");
}
