// Creating a run's folder atomically. The manifest is written into a hidden folder beside the
// run's (`results/<id>/.<run-id>.creating/`), which is then renamed into place: a visible run
// folder always holds its manifest, so a kill at any moment (even while the machine is probed for
// the manifest) leaves either a complete run folder or nothing the catalog sees.
//
// What a run killed as it started leaves behind — that hidden folder, or an empty or
// manifest-less run folder of the same spec and repeat from an older tracker — is the
// same run, which never began: it is removed, with a notice, before the new folder is made. A
// manifest-less folder that holds anything else is left alone (nothing written is ever deleted).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { MANIFEST_FILE, newRunId, runDir } from "../store/layout.ts";
import { writeManifest } from "../store/manifest.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import type { RunUnit } from "./schedule.ts";
import type { Shard } from "./shard.ts";

const CREATING = ".creating";
/** Files a killed creation can leave in a run folder without a manifest. */
const CREATION_LEFTOVERS = new Set(["manifest.json.tmp"]);
/** Tests only: wait this long between making the hidden folder and writing the manifest, to kill in between. */
const TEST_DELAY_ENV = "TRACKER_TEST_RUN_FOLDER_DELAY_MS";

export interface RunFolderSpec {
  experimentId: string;
  specHash: string;
  unit: RunUnit;
  /** Whether the experiment repeats its run (the run id then names the repeat). */
  repeated: boolean;
  /** A shard run (the run id then names it: `-s<i>of<n>`). */
  shard?: Shard;
}

/**
 * Makes the folder of a new run with its first manifest in it (`manifestFor` gets the run id),
 * after removing what a run of the same spec and unit killed as it started left behind.
 */
export async function createRunFolder(
  resultsRoot: string,
  spec: RunFolderSpec,
  manifestFor: (runId: string) => Promise<Manifest>,
  log: (line: string) => void,
): Promise<{ runId: string; dir: string; manifest: Manifest }> {
  removeLeftovers(resultsRoot, spec, log);
  const base = newRunId(spec.specHash) + unitSuffix(spec);
  let runId = base;
  for (let n = 2; existsSync(runDir(resultsRoot, spec.experimentId, runId)); n++) runId = `${base}-${n}`;
  const manifest = await manifestFor(runId);
  const dir = runDir(resultsRoot, spec.experimentId, runId);
  const creating = runDir(resultsRoot, spec.experimentId, `.${runId}${CREATING}`);
  mkdirSync(creating, { recursive: true });
  const delay = Number(process.env[TEST_DELAY_ENV] ?? 0);
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  writeManifest(creating, manifest);
  renameSync(creating, dir);
  return { runId, dir, manifest };
}

function unitSuffix(spec: RunFolderSpec): string {
  const shard = spec.shard ? `-s${spec.shard.index}of${spec.shard.count}` : "";
  return (spec.repeated ? `-r${spec.unit.repeat}` : "") + shard;
}

/** Removes hidden creation folders and empty or manifest-less run folders of this spec and unit. */
function removeLeftovers(resultsRoot: string, spec: RunFolderSpec, log: (line: string) => void): void {
  const folder = join(resultsRoot, spec.experimentId);
  if (!existsSync(folder)) return;
  const sameRun = new RegExp(`^\\d{8}-\\d{6}Z-${spec.specHash.slice(0, 8)}${unitSuffix(spec)}(-\\d+)?$`);
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    const hidden = name.startsWith(".") && name.endsWith(CREATING);
    if (!sameRun.test(hidden ? name.slice(1, -CREATING.length) : name)) continue;
    if (!statSync(path).isDirectory() || (!hidden && existsSync(join(path, MANIFEST_FILE)))) continue;
    const contents = readdirSync(path);
    if (!hidden && contents.some((f) => !CREATION_LEFTOVERS.has(f))) {
      log(`${spec.experimentId}: ${path} has no manifest but holds ${contents.join(", ")}: left alone`);
      continue;
    }
    rmSync(path, { recursive: true, force: true });
    log(
      `${spec.experimentId}: removed ${path}, left without a manifest by a run of the same spec killed as it started; this run replaces it`,
    );
  }
}
