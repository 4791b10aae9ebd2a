// The overview page (src/index.md, data/runs.json): one leaderboard row per experiment with the
// run it shows, every run's headline figures, projections and costs, and the benchmark matrix
// (model × request count, its untested cells predicted by the fit and speed models calibrated on
// the store's measured and recorded runs: report/predictions.ts). Figures come from the digests
// (metrics/, analysis/), costs from report/figures.ts; this module only chooses and arranges them.
import { PROJECTION_COUNTS, type Projection } from "../../analysis/extrapolate.ts";
import type { ExperimentEntry } from "../../store/schemas/experiment-index.ts";
import type { RunDigest } from "../digest.ts";
import { runCosts, runFigures } from "../figures.ts";
import { loadCatalog } from "../../hardware/catalog.ts";
import type { Verdict } from "../../analysis/fit.ts";
import {
  catalogId,
  matrixPredictions,
  storeCalibration,
  type MatrixPrediction,
  type ModelPrediction,
} from "../predictions.ts";
import type { ReportSettings } from "../settings.ts";
import { slim, storeView, type StoreDirs } from "../store.ts";

/** The job size the leaderboard quotes a time for. */
export const LEADERBOARD_REQUESTS = 200_000;

export async function overviewPage(dirs: StoreDirs = {}) {
  const { entries, digests, settings, shown, folder } = await storeView(dirs);
  const prediction = matrixPredictions(storeCalibration(digests, folder).cal);
  return {
    experiments: entries.map((e) => leaderboardRow(e, shown[e.id] ?? null, settings[e.id]!)),
    runs: digests.map((d) => ({ ...slim(d), figures: runFigures(d), costs: runCosts(d, settings[d.experimentId]!) })),
    matrix: benchmarkMatrix(entries, digests, prediction),
  };
}

/** An experiment with the figures of the run it shows: what the leaderboard and the overview charts read. */
function leaderboardRow(e: ExperimentEntry, d: RunDigest | null, s: ReportSettings) {
  const costs = d && runCosts(d, s);
  const api = costs?.api ?? [];
  const cheapest = api.length ? api.reduce((a, b) => (b.per100K < a.per100K ? b : a)) : null;
  const time = d?.projections.find((p) => p.requests === LEADERBOARD_REQUESTS) ?? null;
  return {
    id: e.id,
    title: e.title,
    state: e.state,
    model: e.model,
    error: e.error,
    runId: e.run_id,
    source: d?.source ?? (e.simulated ? "simulated" : null),
    /** The tool that measured an imported run, and whether its per-request rows came along. */
    tool: d?.tool ?? null,
    hasRows: d?.hasRows ?? false,
    runStatus: d?.status ?? null,
    settings: s,
    figures: d && runFigures(d),
    schemaValidRate: d?.quality?.schemaValidRate ?? null,
    /** The cheapest listed API price per 100K requests. */
    cheapestApi: cheapest && { label: cheapest.label, per100K: cheapest.per100K },
    gpuPer100K: costs?.selfHosted?.per100K ?? null,
    /** Electricity per 100K requests from the run's measured GPU energy (null without power samples or a price). */
    energyPer100K: costs?.energy?.per100K ?? null,
    /** Projected time for LEADERBOARD_REQUESTS requests, with its interval. */
    time: time && { requests: time.requests, seconds: time.seconds, lo: time.lo, hi: time.hi },
  };
}

export interface MatrixCell {
  kind: "measured" | "simulated" | "recorded" | "extrapolated" | "predicted" | "failed" | "pending";
  /** Seconds measured, projected or predicted (null for failed, pending without an estimate, and a prediction that does not fit). */
  seconds: number | null;
  lo: number | null;
  hi: number | null;
  /** The experiment / run the cell comes from (for extrapolated: the run projected from). */
  experimentId: string | null;
  runId: string | null;
  /** Failure reason, or what an estimate is based on. */
  note: string | null;
  /** What a pending cell's seconds are: extrapolated from a run of the model, or predicted. */
  estimate?: "extrapolated" | "predicted" | null;
  /** The fit verdict of a predicted cell (or a pending cell's prediction). */
  fit?: Verdict | null;
}

export interface BenchmarkMatrix {
  models: string[];
  counts: number[];
  /** cells[model][count] */
  cells: Record<string, Record<string, MatrixCell>>;
  /** What the predicted cells are predicted for (GPU, workload, calibration), null without predictions. */
  prediction: Omit<MatrixPrediction, "models"> | null;
}

const plannedRequests = (e: ExperimentEntry) => (typeof e.spec?.requests === "number" ? e.spec.requests : null);

/**
 * Model × request count. A cell is the run of that model with that many requests (measured,
 * simulated or recorded; the latest complete one), else its failure (with the reason), else a
 * pending experiment of that size (with an estimate from the model's projection when there is
 * one, else the prediction), else, for the projection counts, the extrapolation from the model's
 * largest run, else the prediction: fit verdict and time with its interval. With predictions
 * every catalog model has a row (those without runs after the others).
 */
export function benchmarkMatrix(
  entries: readonly ExperimentEntry[],
  digests: readonly RunDigest[],
  prediction: MatrixPrediction | null = null,
): BenchmarkMatrix {
  const named = [
    ...new Set([...digests.map((d) => d.model), ...entries.flatMap((e) => (e.model ? [e.model] : []))]),
  ].sort();
  const catalog = prediction ? loadCatalog() : null;
  const idOf = new Map(named.map((m) => [m, catalog ? catalogId(catalog, m) : null]));
  const covered = new Set(idOf.values());
  const predictedOnly = prediction
    ? Object.keys(prediction.models)
        .filter((id) => !covered.has(id))
        .sort()
    : [];
  for (const id of predictedOnly) idOf.set(id, id);
  const models = [...named, ...predictedOnly];
  const counts = [
    ...new Set([
      ...digests.map((d) => d.counts.requests),
      ...entries.flatMap((e) => (plannedRequests(e) === null ? [] : [plannedRequests(e)!])),
      ...PROJECTION_COUNTS,
    ]),
  ]
    .filter((n) => n > 0)
    .sort((a, b) => a - b);
  const cells: BenchmarkMatrix["cells"] = {};
  for (const model of models) {
    const runs = digests.filter((d) => d.model === model);
    const pending = entries.filter((e) => e.model === model && e.state === "pending");
    cells[model] = {};
    const predicted = prediction?.models[idOf.get(model) ?? ""] ?? null;
    for (const n of counts) {
      const cell = matrixCell(n, runs, pending, projectedFrom(runs));
      const filled = predicted ? withPrediction(cell, n, predicted) : cell;
      if (filled) cells[model]![String(n)] = filled;
    }
  }
  const about = prediction && {
    gpu: prediction.gpu,
    workload: prediction.workload,
    calibration: prediction.calibration,
    interval: prediction.interval,
  };
  return { models, counts, cells, prediction: about };
}

/** The predicted time for `n` requests, with its interval (null when the model does not run). */
function predictedTime(n: number, p: ModelPrediction): Pick<MatrixCell, "seconds" | "lo" | "hi"> {
  if (p.requestsPerS === null) return { seconds: null, lo: null, hi: null };
  const seconds = n / p.requestsPerS;
  const r = p.totalTokPerSRange;
  const t = p.totalTokPerS!;
  return { seconds, lo: r ? (seconds * t) / r[1] : null, hi: r ? (seconds * t) / r[0] : null };
}

/** An empty cell becomes the prediction; a pending cell without an estimate gets the predicted one. */
function withPrediction(cell: MatrixCell | null, n: number, p: ModelPrediction): MatrixCell | null {
  const what = `predicted by the speed model${p.note ? `: ${p.note}` : ""}`;
  if (cell === null)
    return {
      kind: "predicted",
      ...predictedTime(n, p),
      experimentId: null,
      runId: null,
      note: `${p.verdict}, ${p.weights}; ${what}`,
      estimate: null,
      fit: p.verdict,
    };
  if (cell.kind === "pending" && cell.seconds === null)
    return { ...cell, ...predictedTime(n, p), note: `${cell.note}; ${what}`, estimate: "predicted", fit: p.verdict };
  return cell;
}

/** The run of a model that its extrapolations come from: the one with the most successful requests. */
function projectedFrom(runs: readonly RunDigest[]): RunDigest | null {
  const completed = (d: RunDigest) => d.summary?.completed ?? d.summary?.requests ?? 0;
  return [...runs].filter((d) => d.projections.length > 0).sort((a, b) => completed(b) - completed(a))[0] ?? null;
}

/** The cell of one model at `n` requests (see benchmarkMatrix), or null when there is nothing to show. */
function matrixCell(
  n: number,
  runs: readonly RunDigest[],
  pending: readonly ExperimentEntry[],
  base: RunDigest | null,
): MatrixCell | null {
  const ofSize = runs.filter((d) => d.counts.requests === n);
  const done = ofSize.filter((d) => d.status === "complete" && d.summary).at(-1);
  const failed = ofSize.filter((d) => d.status === "failed").at(-1);
  const planned = pending.find((e) => plannedRequests(e) === n);
  const p: Projection | null = base?.projections.find((x) => x.requests === n) ?? null;
  const from = (d: RunDigest) => ({ experimentId: d.experimentId, runId: d.runId });
  if (done) {
    return { kind: done.source, seconds: done.summary!.durationS, lo: null, hi: null, ...from(done), note: null };
  }
  if (failed) {
    return { kind: "failed", seconds: null, lo: null, hi: null, ...from(failed), note: failed.reason ?? "failed" };
  }
  if (planned) {
    const note = p ? `estimate from run ${p.basis.runId}` : "no run of this model to estimate from";
    const estimate = { seconds: p?.seconds ?? null, lo: p?.lo ?? null, hi: p?.hi ?? null };
    const from = p ? ("extrapolated" as const) : null;
    return { kind: "pending", ...estimate, experimentId: planned.id, runId: null, note, estimate: from };
  }
  if (p && base) {
    const note = `from run ${base.runId} (${p.basis.method})`;
    return { kind: "extrapolated", seconds: p.seconds, lo: p.lo, hi: p.hi, ...from(base), note };
  }
  return null;
}
