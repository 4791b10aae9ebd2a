// Reading and writing a run's manifest.json (atomically: write a temp file, then rename). URLs
// are stored redacted: a key given in a server URL never reaches the results or the site.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { redactJson } from "../server/url.ts";
import { MANIFEST_FILE } from "./layout.ts";
import { manifestSchema, type Manifest } from "./schemas/manifest.ts";

export function writeManifest(dir: string, manifest: Manifest): void {
  const path = join(dir, MANIFEST_FILE);
  writeFileSync(path + ".tmp", JSON.stringify(manifestSchema.parse(redactJson(manifest)), null, 2) + "\n");
  renameSync(path + ".tmp", path);
}

/** Reads and validates a manifest; throws with the file name on any problem. */
export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`, { cause: e });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new Error(`${path}: ${first.path.join(".")}: ${first.message}`);
  }
  return parsed.data;
}
