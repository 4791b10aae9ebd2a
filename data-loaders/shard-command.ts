// `tracker run <id> --shard i/n` and `tracker merge <id> <folders…>`: one experiment's run driven
// from several machines (run/shard.ts says which requests a shard sends, run/merge.ts joins them).
// A shard run lives in results/.shards/<id>/<run>/ (store/layout.ts shardsRoot), out of the
// site's and every report's sight until merged; the merged run lives in results/<id>/ like any.
import { join } from "node:path";
import { loadExperiments } from "./experiment/load.ts";
import { selectCells } from "./experiment/cells.ts";
import { recordedIndexEntries } from "./experiment/recorded.ts";
import { mergeShards } from "./run/merge.ts";
import { planExperiments, writeExperimentIndex, type PlanEntry } from "./run/plan.ts";
import { runExperiment, runLabel } from "./run/runner.ts";
import { parseShard, shardLabel, shardProblem, type Shard } from "./run/shard.ts";
import type { LoadedExperiment } from "./experiment/load.ts";
import { shardsRoot } from "./store/layout.ts";

const say = (line: string) => process.stderr.write(line + "\n");

/** The lock folder of one shard: shards of one experiment may run at once on a shared volume. */
export function shardLockDir(root: string, id: string, shard: Shard): string {
  return join(shardsRoot(root), id, `.lock-s${shard.index}of${shard.count}`);
}

/** The shard and the one experiment (or grid cell) `--shard` runs, or what is wrong with the command. */
export async function shardTarget(
  ids: string[],
  cells: string[],
  shardText: string,
  experimentsDir: string,
): Promise<{ exp: LoadedExperiment; shard: Shard } | string> {
  const shard = parseShard(shardText);
  if (typeof shard === "string") return shard;
  if (ids.length !== 1)
    return `--shard runs one experiment's share: give exactly one experiment id (got ${ids.length})`;
  const id = ids[0]!;
  const load = await loadExperiments(experimentsDir);
  const bad = load.errors.filter((e) => e.file.endsWith(`/${id}.ts`));
  if (bad.length) return bad.map((e) => e.message).join("\n");
  if (load.recorded.some((r) => r.id === id)) return `${id}: a recorded experiment, never run`;
  const mine = load.experiments.filter((e) => e.id === id);
  if (mine.length === 0) return `no experiment file for ${id} in ${experimentsDir}/`;
  let picked = mine;
  if (mine[0]!.cell && cells.length) {
    const entries = mine.map((e) => ({ ...e.cell!, exp: e }));
    picked = [];
    for (const selector of cells) {
      const got = selectCells(entries, selector);
      if (typeof got === "string") return `${id}: --cell ${selector}: ${got}`;
      picked.push(...got.map((c) => c.exp).filter((e) => !picked.includes(e)));
    }
  } else if (cells.length) return `${id} has no grid: --cell picks cells of a grid`;
  if (picked.length !== 1)
    return `${id}: --shard runs one cell of a grid, and ${picked.length} are picked: choose one with --cell (${picked.map((e) => e.cell!.key).join("; ")})`;
  const problem = shardProblem(picked[0]!, shard);
  return problem ?? { exp: picked[0]!, shard };
}

/** Runs (or resumes) the shard; a complete shard run is left as it is. Returns the exit code. */
export async function runShard(
  exp: LoadedExperiment,
  shard: Shard,
  root: string,
  signal: AbortSignal,
): Promise<number> {
  const label = `${runLabel(exp)} ${shardLabel(shard)}`;
  const result = await runExperiment(exp, { resultsRoot: shardsRoot(root), signal, shard });
  if (result.runs.length === 0) {
    say(`${label}: already complete → ${result.dir} (nothing to run; \`tracker merge\` joins it with the others)`);
    return 0;
  }
  let failures = 0;
  for (const { manifest, dir } of result.runs) {
    const counts = `${manifest.counts.ok}/${manifest.counts.requests} ok`;
    if (manifest.status === "complete") say(`${label}: complete, ${counts} → ${dir}`);
    else {
      failures++;
      say(`${label}: ${manifest.status}: ${manifest.reason} (${counts}) → ${dir}`);
    }
  }
  return signal.aborted ? 130 : failures > 0 ? 1 : 0;
}

/** `tracker list`'s lines for an entry's shard runs not yet merged. */
export function shardLines(entry: PlanEntry): string[] {
  return entry.shards.map((r) => {
    const { index, count } = r.manifest.shard!;
    return `  ${"shard".padEnd(8)} ${shardLabel({ index, count })} ${r.runId} (${r.manifest.status}): not the experiment's run until \`tracker merge ${entry.experiment.id}\` joins all ${count}`;
  });
}

/** `tracker merge`: joins the shard folders into one run of results/<id>/, then rewrites the index. */
export async function mergeCommand(id: string, folders: string[], root: string, experimentsDir: string): Promise<void> {
  const merged = await mergeShards(id, folders, root);
  say(
    `${id}: merged ${folders.length} shards → ${merged.dir} (${merged.manifest.counts.ok}/${merged.manifest.counts.requests} ok); the shard folders are left as they were`,
  );
  const load = await loadExperiments(experimentsDir);
  writeExperimentIndex(
    root,
    planExperiments(load.experiments, root, () => {}),
    load.errors,
    recordedIndexEntries(load.recorded, root, () => {}),
  );
}
