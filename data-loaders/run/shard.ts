// Shards: one experiment's run split into `count` disjoint shares driven from several machines
// (`tracker run <id> --shard i/n`, joined again by `tracker merge`, run/merge.ts).
//
// `i` is 0-based (0 … n−1), as a Kubernetes Indexed Job's JOB_COMPLETION_INDEX. Shard i sends
// the measured requests whose position after the warm-up is i mod n — request index
// warmup + p for p ≡ i (mod n) — so each shard's mix of prompts is the experiment's. Every shard
// sends the spec's own warm-up first (indices 0 … warmup−1 in its folder), warming its own
// connections and server path. The load is split so that the shards together make the spec's
// load: a closed loop's workers and an open loop's max in flight are divided (shard i gets
// ⌊C/n⌋, one more for i < C mod n); an open loop keeps the unsharded arrival schedule, each
// shard sending its own indices at their times.
import type { LoadedExperiment } from "../experiment/load.ts";
import type { Experiment } from "../experiment/schema.ts";

export interface Shard {
  index: number;
  count: number;
}

/** Parses `--shard i/n` (0-based i); a message saying what is wrong otherwise. */
export function parseShard(text: string): Shard | string {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) return `--shard ${text}: expected i/n with whole numbers, e.g. 0/4 (i is 0-based, as JOB_COMPLETION_INDEX)`;
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (count < 1) return `--shard ${text}: n must be at least 1`;
  if (index >= count) return `--shard ${text}: i is 0-based and must be below n (0 … ${count - 1})`;
  return { index, count };
}

/** "shard 2 of 4" (1-based for people: shard index 1). */
export function shardLabel(shard: Shard): string {
  return `shard ${shard.index + 1} of ${shard.count} (--shard ${shard.index}/${shard.count})`;
}

/** Whether measured request `position` (index − warmup) belongs to the shard. */
export function ownsPosition(shard: Shard, position: number): boolean {
  return position % shard.count === shard.index;
}

/** Measured requests of the shard out of `measured`. */
export function shardMeasured(shard: Shard, measured: number): number {
  return Math.max(0, Math.ceil((measured - shard.index) / shard.count));
}

/** The shard's part of a count shared by all shards (workers, max in flight). */
export function shardShare(shard: Shard, total: number): number {
  return Math.floor(total / shard.count) + (shard.index < total % shard.count ? 1 : 0);
}

/** Why the experiment cannot be run as this shard, or null when it can. */
export function shardProblem(exp: LoadedExperiment, shard: Shard): string | null {
  const { requests, load } = exp.spec;
  const where = `${exp.file}: --shard ${shard.index}/${shard.count}`;
  if (typeof requests !== "number")
    return `${where}: a run until precise (requests: { until, max }) decides when to stop from all its requests; it cannot be sharded`;
  if (requests < shard.count) return `${where}: requests (${requests}) is fewer than the ${shard.count} shards`;
  const workers = splitField(load);
  if (workers && workers.value < shard.count)
    return `${where}: load.${workers.field} (${workers.value}) is split among the shards and is fewer than ${shard.count}`;
  return null;
}

function splitField(load: Experiment["load"]): { field: string; value: number } | null {
  if (typeof load.concurrency === "number") return { field: "concurrency", value: load.concurrency };
  if (load.maxConcurrency !== undefined) return { field: "maxConcurrency", value: load.maxConcurrency };
  return null;
}
