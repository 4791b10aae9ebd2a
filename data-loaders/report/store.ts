// What every cross-experiment page starts from: the experiment index, every run's digest and
// each experiment's report settings, read from the results and experiments folders.
import { resolve } from "node:path";
import { experimentEntries } from "../store/index.ts";
import { listRuns, type RunFolder } from "../store/folders.ts";
import { resultsDir } from "../store/layout.ts";
import { type ExperimentEntry } from "../store/schemas/experiment-index.ts";
import { experimentsFolder } from "../store/layout.ts";
import { runDigest, type RunDigest } from "./digest.ts";
import { reportSettings, type ReportSettings } from "./settings.ts";

export const EXPERIMENTS_DIR = experimentsFolder();

/** Where a page reads from (default: $TRACKER_RESULTS or results/, $TRACKER_EXPERIMENTS or experiments/). */
export interface StoreDirs {
  results?: string;
  experiments?: string;
}

export interface StoreView {
  resultsDir: string;
  experimentsDir: string;
  entries: ExperimentEntry[];
  /** Every run's digest, by experiment then start time. */
  digests: RunDigest[];
  /** The report settings of every experiment that has an entry or a run, by experiment id. */
  settings: Record<string, ReportSettings>;
  /** The digest of the run each experiment shows (index run_id), by experiment id. */
  shown: Record<string, RunDigest | null>;
  /** The run folder a digest was computed from. */
  folder(d: RunDigest): RunFolder;
}

export function storeDirs(dirs: StoreDirs = {}): { resultsDir: string; experimentsDir: string } {
  return { resultsDir: resolve(dirs.results ?? resultsDir()), experimentsDir: dirs.experiments ?? EXPERIMENTS_DIR };
}

export async function storeView(dirs: StoreDirs = {}): Promise<StoreView> {
  const { resultsDir, experimentsDir } = storeDirs(dirs);
  const entries = experimentEntries(resultsDir, experimentsDir);
  const folders = new Map<RunDigest, RunFolder>();
  const digests: RunDigest[] = [];
  for (const run of listRuns(resultsDir)) {
    const d = await runDigest(run);
    folders.set(d, run);
    digests.push(d);
  }
  const settings: Record<string, ReportSettings> = {};
  for (const id of new Set(digests.map((d) => d.experimentId))) settings[id] = await reportSettings(experimentsDir, id);
  // A grid cell's entry has an id of its own; its file and run folders are its experiment's.
  for (const e of entries) settings[e.id] ??= await reportSettings(experimentsDir, folderOf(e));
  const shown: Record<string, RunDigest | null> = {};
  for (const e of entries)
    shown[e.id] = digests.find((d) => d.experimentId === folderOf(e) && d.runId === e.run_id) ?? null;
  return { resultsDir, experimentsDir, entries, digests, settings, shown, folder: (d) => folders.get(d)! };
}

/** The experiment whose file and results folder an entry's are: its own id, or a grid cell's experiment. */
export function folderOf(e: ExperimentEntry): string {
  return e.cell?.experiment ?? e.id;
}

/** A digest without its bulky per-run series, for pages that compare many runs. */
export function slim(d: RunDigest) {
  const { series: _s, serverSeries: _v, histograms: _h, outcomes: _o, workers: _w, ...rest } = d;
  return rest;
}

/**
 * The fields every cross-experiment page uses to name the run an experiment shows: its source, and
 * for an imported run the tool that measured it and whether its per-request rows came along.
 */
export function runIdentity(e: ExperimentEntry, d: RunDigest) {
  const { model, source, tool, hasRows, runId, promptHash } = d;
  return { id: e.id, title: e.title, model, source, tool, hasRows, runId, promptHash };
}
