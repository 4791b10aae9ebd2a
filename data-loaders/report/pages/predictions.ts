// Predictions for the experiment pages (src/experiments/[id].md reads data/predictions.json): for
// the run each experiment shows, what the fit and speed models predict at its model, GPU,
// settings and workload beside what it measured (report/predictions.ts runPrediction). One file
// for every experiment, because each prediction is calibrated on the other experiments' runs.
import { runPrediction, storeCalibration, type RunPrediction } from "../predictions.ts";
import { storeView, type StoreDirs } from "../store.ts";

export async function predictionsPage(dirs: StoreDirs = {}) {
  const view = await storeView(dirs);
  const { cal, runs } = storeCalibration(view.digests, view.folder);
  const all = [...runs.values()];
  const byExperiment: Record<string, RunPrediction | { runId: string; unavailable: string }> = {};
  for (const e of view.entries) {
    const d = view.shown[e.id];
    if (d) byExperiment[e.id] = runPrediction(runs.get(d)!, all, cal);
  }
  return { byExperiment, interval: cal.interval };
}
