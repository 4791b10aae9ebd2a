// What every cross-experiment loader starts from: the experiment index, every run's digest and
// each experiment's report settings.
import { listRuns } from "../store/folders.ts";
import { experimentEntries } from "../store/index.ts";
import { experimentsFolder, resultsDir } from "../store/layout.ts";
import type { ExperimentEntry } from "../store/schemas/experiment-index.ts";
import { runDigest, type RunDigest } from "./digest.ts";
import { reportSettings, type ReportSettings } from "./settings.ts";

export const EXPERIMENTS_DIR = experimentsFolder();

export interface StoreView {
  entries: ExperimentEntry[];
  digests: RunDigest[];
  settings: Record<string, ReportSettings>;
  /** The digest of the run each experiment shows (index run_id), by experiment id. */
  shown: Record<string, RunDigest | null>;
}

export async function storeView(): Promise<StoreView> {
  const dir = resultsDir();
  const entries = experimentEntries(dir, EXPERIMENTS_DIR);
  const digests: RunDigest[] = [];
  for (const run of listRuns(dir)) digests.push(await runDigest(run));
  const settings: Record<string, ReportSettings> = {};
  const shown: Record<string, RunDigest | null> = {};
  for (const e of entries) {
    settings[e.id] = await reportSettings(EXPERIMENTS_DIR, e.id);
    shown[e.id] = digests.find((d) => d.experimentId === e.id && d.runId === e.run_id) ?? null;
  }
  return { entries, digests, settings, shown };
}

/** A digest without its bulky per-run series, for pages that compare many runs. */
export function slim(d: RunDigest) {
  const { series: _s, serverSeries: _v, histograms: _h, outcomes: _o, workers: _w, ...rest } = d;
  return rest;
}

/** The fields every cross-experiment page uses to name the run an experiment shows. */
export function runIdentity(e: ExperimentEntry, d: RunDigest) {
  return { id: e.id, title: e.title, model: d.model, source: d.source, runId: d.runId, promptHash: d.promptHash };
}
