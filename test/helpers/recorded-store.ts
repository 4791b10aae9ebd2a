// A results folder holding only the users' recorded history: the shipped experiments/recorded-*.ts
// materialised as `tracker build` does, with the experiment index written. Loading the experiments
// folder takes seconds, so a test file builds it once.
import { join } from "node:path";
import { loadExperiments } from "../../data-loaders/experiment/load.ts";
import { materialiseRecorded, recordedIndexEntries } from "../../data-loaders/experiment/recorded.ts";
import { planExperiments, writeExperimentIndex } from "../../data-loaders/run/plan.ts";
import { PROJECT } from "./temp.ts";

export const EXPERIMENTS = join(PROJECT, "experiments");

/** Materialises the recorded experiments of `experiments` into `results`. */
export async function recordedStore(results: string, experiments = EXPERIMENTS): Promise<void> {
  const load = await loadExperiments(experiments);
  if (load.errors.length) throw new Error(load.errors.map((e) => e.message).join("\n"));
  materialiseRecorded(load.recorded, results);
  writeExperimentIndex(results, planExperiments([], results), [], recordedIndexEntries(load.recorded, results));
}
