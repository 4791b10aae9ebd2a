// Deciding what to run: an experiment's load asks for one run per (sweep level, repeat); the
// experiment is fresh when results/<id>/ holds a complete run of the current spec hash for every
// one of them. A run of the current spec that stopped early (killed, Ctrl-C, server gone) is
// resumed, never restarted; runs of other spec hashes are never mixed in. Content hashes only,
// never file times.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { LoadedExperiment } from "../experiment/load.ts";
import type { SpecError } from "../experiment/errors.ts";
import { isResumable } from "./resume.ts";
import { runUnits, type RunUnit } from "./schedule.ts";
import { listRuns, type RunFolder, type Warn } from "../store/folders.ts";
import { indexEntry, writeExperimentIndexFile } from "../store/index.ts";
import { JOURNAL_FILE } from "../store/layout.ts";
import type { ExperimentEntry, ExperimentIndex } from "../store/schemas/experiment-index.ts";

export type PlanState = "fresh" | "stale" | "pending" | "failed" | "partial";

/** What to do for one (level, repeat) of the current spec. */
export interface UnitPlan {
  unit: RunUnit;
  /** complete: nothing to do; resume: continue `run`; new: start a new run. */
  action: "complete" | "resume" | "new";
  /** The complete run, the run to resume, or the latest failed run (action new). */
  run: RunFolder | null;
}

export interface PlanEntry {
  experiment: LoadedExperiment;
  state: PlanState;
  /** The run the report shows: the latest complete run of the current spec, else the latest run. */
  shown: RunFolder | null;
  /** Why the latest run of the current spec failed or stopped (state failed or partial). */
  reason: string | null;
  units: UnitPlan[];
  /** Runs of the current spec whose self-check found the client, not the server, to be the bottleneck. */
  clientBound: RunFolder[];
}

function sameUnit(run: RunFolder, unit: RunUnit): boolean {
  const group = run.manifest.group;
  return (group?.level ?? null) === unit.level && (group?.repeat ?? 0) === unit.repeat;
}

/** The unit plans of an experiment from its run folders (any experiment's; filtered here). */
export function unitRuns(experiment: LoadedExperiment, runs: RunFolder[]): UnitPlan[] {
  const current = runs.filter((r) => r.experimentId === experiment.id && r.manifest.spec_hash === experiment.specHash);
  return runUnits(experiment.spec.load).map((unit) => {
    const mine = current.filter((r) => sameUnit(r, unit));
    const complete = mine.filter((r) => r.manifest.status === "complete").at(-1);
    if (complete) return { unit, action: "complete", run: complete };
    const latest = mine.at(-1) ?? null;
    if (latest && isResumable(latest.manifest, existsSync(join(latest.path, JOURNAL_FILE))))
      return { unit, action: "resume", run: latest };
    return { unit, action: "new", run: latest };
  });
}

export function planExperiments(experiments: LoadedExperiment[], resultsRoot: string, warn?: Warn): PlanEntry[] {
  const runs = listRuns(resultsRoot, warn);
  return experiments.map((experiment) => {
    const mine = runs.filter((r) => r.experimentId === experiment.id);
    const current = mine.filter((r) => r.manifest.spec_hash === experiment.specHash);
    const units = unitRuns(experiment, runs);
    const clientBound = current.filter((r) => r.manifest.self_check?.client_bound === true);
    const base = { experiment, units, clientBound };
    const latestComplete = current.filter((r) => r.manifest.status === "complete").at(-1);
    if (units.every((u) => u.action === "complete"))
      return { ...base, state: "fresh", shown: latestComplete!, reason: null };
    const resumable = units.find((u) => u.action === "resume");
    if (resumable) {
      const m = resumable.run!.manifest;
      const reason =
        m.status === "running"
          ? "stopped without finishing (killed?); the next run resumes it"
          : (m.reason ?? m.status);
      return { ...base, state: "partial", shown: latestComplete ?? resumable.run, reason };
    }
    const failed = units.find((u) => u.action === "new" && u.run !== null);
    if (failed) {
      const m = failed.run!.manifest;
      return { ...base, state: "failed", shown: latestComplete ?? failed.run, reason: m.reason ?? m.status };
    }
    if (latestComplete) {
      const done = units.filter((u) => u.action === "complete").length;
      return { ...base, state: "partial", shown: latestComplete, reason: `${done} of ${units.length} runs done` };
    }
    if (mine.length > 0) return { ...base, state: "stale", shown: mine.at(-1)!, reason: null };
    return { ...base, state: "pending", shown: null, reason: null };
  });
}

/** Whether `npm run build` should run this experiment now. */
export function needsRun(entry: PlanEntry): boolean {
  return entry.state !== "fresh";
}

/**
 * Writes results/experiments.json: every experiment file, valid or not, for the site. `recorded`:
 * entries of recorded experiments (`recordedIndexEntries` in experiment/recorded.ts).
 */
export function writeExperimentIndex(
  resultsRoot: string,
  plan: PlanEntry[],
  invalid: SpecError[],
  recorded: ExperimentEntry[] = [],
): ExperimentIndex {
  const planned = plan.map(({ experiment: e, state, shown, reason }) =>
    indexEntry({
      id: e.id,
      file: e.file,
      title: e.spec.title,
      notes: e.spec.notes,
      state,
      specHash: e.specHash,
      shown,
      spec: shown?.manifest.spec ?? e.resolvedSpec,
      simulated: "simulate" in e.spec.server,
      model: shown?.manifest.server.model || ("model" in e.spec.server ? e.spec.server.model : null),
      error: reason,
    }),
  );
  return writeExperimentIndexFile(resultsRoot, [...planned, ...recorded, ...invalidEntries(invalid)]);
}

function invalidEntries(errors: SpecError[]): ExperimentEntry[] {
  const byFile = new Map<string, SpecError[]>();
  for (const e of errors) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  return [...byFile].map(([file, errs]) => {
    const id = file
      .replace(/^.*\//, "")
      .replace(/\.[^.]*$/, "")
      .replace(/:.*$/, "");
    return indexEntry({ id, file, state: "invalid", error: errs.map((e) => e.message).join("\n") });
  });
}
