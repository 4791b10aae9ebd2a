// Deciding what to run: an experiment is fresh when results/<id>/ holds a complete run with the
// experiment's current spec hash. Content hashes only, never file times.
import { writeFileSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { LoadedExperiment } from "../experiment/load.ts";
import type { SpecError } from "../experiment/errors.ts";
import { listRuns, type RunFolder, type Warn } from "../store/catalog.ts";
import { INDEX_FILE } from "../store/layout.ts";
import { experimentIndexSchema, type ExperimentIndex } from "../store/rows.ts";

export type PlanState = "fresh" | "stale" | "pending" | "failed";

export interface PlanEntry {
  experiment: LoadedExperiment;
  state: PlanState;
  /** The run the report shows: the latest complete run of the current spec, else the latest run. */
  shown: RunFolder | null;
  /** Why the latest run of the current spec failed or stopped (state failed). */
  reason: string | null;
}

export function planExperiments(experiments: LoadedExperiment[], resultsRoot: string, warn?: Warn): PlanEntry[] {
  const runs = listRuns(resultsRoot, warn);
  return experiments.map((experiment) => {
    const mine = runs.filter((r) => r.experimentId === experiment.id);
    const current = mine.filter((r) => r.manifest.spec_hash === experiment.specHash);
    const complete = current.filter((r) => r.manifest.status === "complete");
    const latestCurrent = current.at(-1) ?? null;
    if (complete.length > 0) return { experiment, state: "fresh", shown: complete.at(-1)!, reason: null };
    if (latestCurrent && latestCurrent.manifest.status !== "running") {
      return { experiment, state: "failed", shown: latestCurrent, reason: latestCurrent.manifest.reason ?? latestCurrent.manifest.status };
    }
    if (mine.length > 0) return { experiment, state: "stale", shown: mine.at(-1)!, reason: null };
    return { experiment, state: "pending", shown: null, reason: null };
  });
}

/** Whether `npm run build` should run this experiment now. */
export function needsRun(entry: PlanEntry): boolean {
  return entry.state !== "fresh";
}

/** Writes results/experiments.json: every experiment file, valid or not, for the site. */
export function writeExperimentIndex(resultsRoot: string, plan: PlanEntry[], invalid: SpecError[]): ExperimentIndex {
  const index: ExperimentIndex = {
    generated_at: new Date().toISOString(),
    experiments: [
      ...plan.map(({ experiment: e, state, shown, reason }) => ({
        id: e.id,
        file: e.file,
        title: e.spec.title,
        notes: e.spec.notes,
        state,
        spec_hash: e.specHash,
        run_id: shown?.runId ?? null,
        spec: shown?.manifest.spec ?? e.resolvedSpec,
        simulated: "simulate" in e.spec.server,
        model: shown?.manifest.server.model || ("model" in e.spec.server ? e.spec.server.model : null),
        error: reason,
      })),
      ...invalidEntries(invalid),
    ],
  };
  mkdirSync(resultsRoot, { recursive: true });
  const path = join(resultsRoot, INDEX_FILE);
  writeFileSync(path + ".tmp", JSON.stringify(experimentIndexSchema.parse(index), null, 2) + "\n");
  renameSync(path + ".tmp", path);
  return index;
}

function invalidEntries(errors: SpecError[]): ExperimentIndex["experiments"] {
  const byFile = new Map<string, SpecError[]>();
  for (const e of errors) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  return [...byFile].map(([file, errs]) => {
    const id = file.replace(/^.*\//, "").replace(/\.[^.]*$/, "").replace(/:.*$/, "");
    return {
      id,
      file,
      title: id,
      notes: "",
      state: "invalid" as const,
      spec_hash: null,
      run_id: null,
      spec: null,
      simulated: false,
      model: null,
      error: errs.map((e) => e.message).join("\n"),
    };
  });
}
