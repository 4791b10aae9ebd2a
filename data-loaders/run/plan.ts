// Deciding what to run: an experiment — or each cell of a grid, which is planned like an
// experiment of its own (experiment/grid.ts) — asks for one run per repeat of its load; it is
// fresh when results/<id>/ holds a complete run of its spec hash for every repeat. A run of the
// current spec that stopped early (killed, Ctrl-C, server gone) is resumed, never restarted; runs
// of other spec hashes are never mixed in. Content hashes only, never file times.
//
// A grid's state comes from its cells' (planGrids). Stored runs are told apart by the cell they
// measured (experiment/cells.ts storedCell): a cell's runs are those of its key, or of its spec
// hash (a renamed variant measures the same); runs of a key the file no longer has are a removed
// cell, kept and shown with its runs.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cellId, selectCells, storedCell, type CellAxes } from "../experiment/cells.ts";
import { canonicalJson } from "../experiment/hash.ts";
import type { GridAxis } from "../experiment/grid.ts";
import type { LoadedExperiment } from "../experiment/load.ts";
import type { SpecError } from "../experiment/errors.ts";
import { isResumable } from "./resume.ts";
import { runUnits, type RunUnit } from "./schedule.ts";
import { listRuns, type RunFolder, type Warn } from "../store/folders.ts";
import { indexEntry, writeExperimentIndexFile, type EntryFacts } from "../store/index.ts";
import { JOURNAL_FILE, shardsRoot } from "../store/layout.ts";
import type { ExperimentEntry, ExperimentIndex } from "../store/schemas/experiment-index.ts";

export type PlanState = "fresh" | "stale" | "pending" | "failed" | "partial";

/** What to do for one repeat of the current spec. */
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
  /** Shard runs of the current spec (results/.shards/) that no run of it was merged from yet. */
  shards: RunFolder[];
}

/** Whether a stored run measured the experiment's (or cell's) current spec. */
const isCurrent = (run: RunFolder, experiment: LoadedExperiment) =>
  run.experimentId === experiment.id && storedCell(run.manifest).specHash === experiment.specHash;

/** The runs of an experiment (any spec), or of a grid cell: those of its key or of its spec hash. */
function runsOf(experiment: LoadedExperiment, runs: RunFolder[]): RunFolder[] {
  const cell = experiment.cell;
  return runs.filter(
    (r) =>
      r.experimentId === experiment.id &&
      (cell === null || storedCell(r.manifest).key === cell.key || isCurrent(r, experiment)),
  );
}

/** The unit plans of an experiment from its run folders (any experiment's; filtered here). */
export function unitRuns(experiment: LoadedExperiment, runs: RunFolder[]): UnitPlan[] {
  const current = runs.filter((r) => isCurrent(r, experiment));
  return runUnits(experiment.spec.load).map((unit) => {
    const mine = current.filter((r) => (r.manifest.group?.repeat ?? 0) === unit.repeat);
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
  const shardRuns = listRuns(shardsRoot(resultsRoot), warn, { shards: true });
  return experiments.map((experiment) => {
    const mine = runsOf(experiment, runs);
    const current = mine.filter((r) => isCurrent(r, experiment));
    const units = unitRuns(experiment, runs);
    const clientBound = current.filter((r) => r.manifest.self_check?.client_bound === true);
    const merged = new Set(current.flatMap((r) => r.manifest.merged_from?.shards.map((s) => s.run_id) ?? []));
    const shards = shardRuns.filter((r) => isCurrent(r, experiment) && !merged.has(r.runId));
    const base = { experiment, units, clientBound, shards };
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
 * What `tracker run` runs. Without ids: every entry that is not fresh. With ids: those
 * experiments, one without a grid even when fresh (it runs again), a grid's cells that are not
 * fresh (every cell again when all are). `--cell` selectors (experiment/cells.ts selectCells)
 * narrow each named grid to the cells they pick, which run even when fresh. `problems`: ids or
 * selectors that pick nothing.
 */
export function chooseRuns(
  plan: PlanEntry[],
  ids: string[],
  selectors: string[] = [],
): { chosen: PlanEntry[]; problems: string[] } {
  if (ids.length === 0)
    return {
      chosen: plan.filter(needsRun),
      problems: selectors.length
        ? ["--cell picks cells of the grids named: give their ids, e.g. tracker run <id> --cell model=…"]
        : [],
    };
  const chosen: PlanEntry[] = [];
  const problems: string[] = [];
  for (const id of ids) {
    const mine = plan.filter((p) => p.experiment.id === id);
    const cells = mine.flatMap((p) => (p.experiment.cell ? [{ ...p.experiment.cell, entry: p }] : []));
    if (selectors.length === 0) {
      const missing = mine.filter(needsRun);
      chosen.push(...(cells.length && missing.length ? missing : mine));
    } else if (cells.length === 0) problems.push(`${id} has no grid: --cell picks cells of a grid`);
    else
      for (const selector of selectors) {
        const picked = selectCells(cells, selector);
        if (typeof picked === "string") problems.push(`${id}: --cell ${selector}: ${picked}`);
        else chosen.push(...picked.map((c) => c.entry).filter((p) => !chosen.includes(p)));
      }
  }
  return { chosen, problems };
}

/**
 * The entries in the order to run them: those launching the same vLLM server one after another
 * (server/reuse.ts keeps it up between them), otherwise as planned.
 */
export function runOrder(entries: PlanEntry[]): PlanEntry[] {
  const groups = new Map<string, PlanEntry[]>();
  entries.forEach((p, i) => {
    const server = p.experiment.spec.server;
    const key = "launch" in server ? canonicalJson(server) : `#${i}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  });
  return [...groups.values()].flat();
}

/** A grid cell stored with runs whose key the file no longer has. */
export interface RemovedCell {
  id: string;
  key: string;
  axes: CellAxes;
  /** Its latest complete run, else its latest run. */
  shown: RunFolder;
}

/** A file with a grid: its cells' plans and the state they make together. */
export interface GridPlan {
  id: string;
  axes: GridAxis[];
  cells: PlanEntry[];
  removed: RemovedCell[];
  state: PlanState;
  /** How many cells are in which state (null when every cell is fresh). */
  reason: string | null;
}

/** The grids among the plan's entries (cells of one file, in the order they were planned). */
export function planGrids(plan: PlanEntry[], resultsRoot: string, warn?: Warn): GridPlan[] {
  const runs = listRuns(resultsRoot, warn);
  const byId = new Map<string, PlanEntry[]>();
  for (const p of plan) if (p.experiment.cell) byId.set(p.experiment.id, [...(byId.get(p.experiment.id) ?? []), p]);
  return [...byId].map(([id, cells]) => {
    const first = cells[0]!.experiment;
    return { id, axes: first.cell!.grid, cells, removed: removedCells(id, cells, runs), ...gridState(cells) };
  });
}

/** Runs of the grid that belong to no current cell, by the key they were stored with. */
function removedCells(id: string, cells: PlanEntry[], runs: RunFolder[]): RemovedCell[] {
  const keys = new Set(cells.map((c) => c.experiment.cell!.key));
  const hashes = new Set(cells.map((c) => c.experiment.specHash));
  const byKey = new Map<string, RunFolder[]>();
  for (const run of runs.filter((r) => r.experimentId === id)) {
    const stored = storedCell(run.manifest);
    if (stored.key === "" || keys.has(stored.key) || hashes.has(stored.specHash)) continue;
    byKey.set(stored.key, [...(byKey.get(stored.key) ?? []), run]);
  }
  return [...byKey].map(([key, mine]) => {
    const shown = mine.filter((r) => r.manifest.status === "complete").at(-1) ?? mine.at(-1)!;
    const axes = storedCell(shown.manifest).axes;
    return { id: cellId(id, axes), key, axes, shown };
  });
}

const GRID_STATES: PlanState[] = ["fresh", "partial", "failed", "stale", "pending"];

/**
 * A grid is fresh when every cell is; else partial when a cell is resumable or done, failed when
 * a cell failed (and none is done), stale when only older specs ran, pending when nothing did.
 */
function gridState(cells: PlanEntry[]): { state: PlanState; reason: string | null } {
  const count = (state: PlanState) => cells.filter((c) => c.state === state).length;
  const fresh = count("fresh");
  if (fresh === cells.length) return { state: "fresh", reason: null };
  const state: PlanState = count("partial")
    ? "partial"
    : count("failed")
      ? "failed"
      : fresh
        ? "partial"
        : count("stale")
          ? "stale"
          : "pending";
  const counts = GRID_STATES.filter((s) => count(s) > 0).map((s) => `${count(s)} ${s}`);
  return { state, reason: `${fresh} of ${cells.length} cells fresh (${counts.join(", ")})` };
}

/**
 * Writes results/experiments.json: every experiment file, valid or not, for the site, a grid as
 * its own entry followed by one entry per cell (removed cells included). `recorded`: entries of
 * recorded experiments (`recordedIndexEntries` in experiment/recorded.ts).
 */
export function writeExperimentIndex(
  resultsRoot: string,
  plan: PlanEntry[],
  invalid: SpecError[],
  recorded: ExperimentEntry[] = [],
): ExperimentIndex {
  const grids = new Map(planGrids(plan, resultsRoot, () => {}).map((g) => [g.id, g]));
  const planned = plan.flatMap((p) => {
    const grid = p.experiment.cell ? grids.get(p.experiment.id) : undefined;
    if (!grid) return [indexEntry(entryFacts(p))];
    if (grid.cells[0] !== p) return [];
    return gridEntries(grid);
  });
  return writeExperimentIndexFile(resultsRoot, [...planned, ...recorded, ...invalidEntries(invalid)]);
}

function entryFacts({ experiment: e, state, shown, reason, shards }: PlanEntry): EntryFacts {
  return {
    shards,
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
  };
}

/** A grid's entry (its axes, and each cell's id, key, state and run) followed by each cell's. */
function gridEntries(grid: GridPlan): ExperimentEntry[] {
  const base = grid.cells[0]!.experiment;
  const title = (key: string) => `${base.spec.title} · ${key}`;
  const cell = (id: string, key: string, axes: CellAxes) => ({ id, cell: { experiment: grid.id, key, axes } });
  const cells = [
    ...grid.cells.map((p) =>
      indexEntry({
        ...entryFacts(p),
        ...cell(p.experiment.cell!.id, p.experiment.cell!.key, p.experiment.cell!.axes),
        title: title(p.experiment.cell!.key),
        notes: "",
      }),
    ),
    ...grid.removed.map((r) =>
      indexEntry({
        ...cell(r.id, r.key, r.axes),
        file: base.file,
        title: title(r.key),
        state: "removed",
        specHash: r.shown.manifest.spec_hash,
        shown: r.shown,
        spec: r.shown.manifest.spec,
        simulated: r.shown.manifest.source === "simulated",
        model: r.shown.manifest.server.model,
      }),
    ),
  ];
  const parent = indexEntry({
    id: grid.id,
    file: base.file,
    title: base.spec.title,
    notes: base.spec.notes,
    state: grid.state,
    simulated: grid.cells.every((p) => "simulate" in p.experiment.spec.server),
    // The cells' own entries say why each is not fresh; the grid's entry only when it failed.
    error: grid.state === "failed" ? grid.reason : null,
    grid: {
      axes: grid.axes,
      cells: cells.map((c) => ({ id: c.id, key: c.cell!.key, state: c.state, run_id: c.run_id })),
    },
  });
  return [parent, ...cells];
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
