// A small on-disk memo for loader results that several loaders of one build need (run digests,
// per-prompt rows, report settings). Entries are JSON files named by a content key, inside
// Framework's cache folder; the `_` prefix keeps the build's loader-cache invalidation
// (data-loaders/build/site.ts) from treating them as loader outputs.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The memo folder, relative to the project (the loaders' working directory). */
export const MEMO_DIR = "src/.observablehq/cache/_tracker-digests";

export function memoDir(): string {
  return resolve(process.env.TRACKER_DIGEST_CACHE ?? MEMO_DIR);
}

/** Whether the memo (in `dir`, default memoDir()) holds `name`. */
export function memoExists(name: string, dir = memoDir()): boolean {
  return existsSync(join(dir, name));
}

/** The memoised value at `name` (a relative path that includes its content key), computed once. */
export async function memoised<T>(name: string, compute: () => Promise<T>): Promise<T> {
  const file = join(memoDir(), name);
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as T;
  const value = await compute();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.${process.pid}`, JSON.stringify(value));
  renameSync(`${file}.${process.pid}`, file);
  return value;
}
