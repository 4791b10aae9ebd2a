// Predictions beside measurements: the speed and fit models (analysis/job-plan.ts) calibrated on
// the store's measured and recorded runs, as `tracker plan` and the pages use them.
//
//   observed runs   every stored run with its digest (analysis/observations.ts decides which are
//                   observations of real hardware), plus, for `tracker plan`, the recorded
//                   experiments whose run the store does not hold yet (never built)
//   matrix GPU      the GPU most observations ran on (ties: the first id); its reference workload
//                   is that of the GPU's vLLM observation with the most successful requests (its
//                   mean prompt and output tokens and the concurrency its client kept)
//   run prediction  for the run an experiment shows: its own workload (model, GPU, settings,
//                   tokens, concurrency) through the speed model; an observation is predicted
//                   from the others only (its leave-one-out backtest row), any other run (a
//                   simulated one) from every observation
import { recordedManifest, type LoadedRecorded } from "../experiment/recorded.ts";
import { fit } from "../analysis/fit.ts";
import {
  fittingAlternatives,
  planJob,
  projectCalibration,
  type JobPlan,
  type ProjectCalibration,
} from "../analysis/job-plan.ts";
import { measuredThroughput, runWorkload, type ObservedRun } from "../analysis/observations.ts";
import {
  calibrationFor,
  predictionInterval,
  predictSpeed,
  type BacktestRow,
  type CalibrationChoice,
  type PredictionInterval,
  type SpeedObservation,
} from "../analysis/roofline.ts";
import { findModel, loadCatalog, type Catalog, type CatalogModel, type Gpu } from "../hardware/catalog.ts";
import { recordedSummary } from "../metrics/recorded.ts";
import { listRuns, type RunFolder } from "../store/folders.ts";
import { runDigest, type RunDigest } from "./digest.ts";

/** A stored run with its digest, as the speed model reads it. */
export function storedRun(run: RunFolder, d: RunDigest): ObservedRun {
  return {
    manifest: run.manifest,
    summary: d.summary,
    steadyTotalTokPerS: d.steady?.totalTokenThroughput ?? null,
    concurrency: d.concurrency,
  };
}

/** A recorded experiment file as the run the build would store for it. */
export function recordedRun(r: LoadedRecorded): ObservedRun {
  const manifest = recordedManifest(r, "", new Date(0));
  const recorded = manifest.recorded!;
  return { manifest, summary: recordedSummary(recorded), steadyTotalTokPerS: null, concurrency: recorded.concurrency };
}

/**
 * The store's runs (a digest only for the complete measured and recorded ones, the only ones
 * the speed model reads), plus the recorded experiments the store does not hold yet.
 */
export async function observedRuns(resultsDir: string, recorded: readonly LoadedRecorded[]): Promise<ObservedRun[]> {
  const out: ObservedRun[] = [];
  const folders = listRuns(resultsDir, () => {});
  for (const run of folders) {
    const m = run.manifest;
    const read = m.status === "complete" && m.source !== "simulated";
    out.push(
      read
        ? storedRun(run, await runDigest(run))
        : { manifest: m, summary: null, steadyTotalTokPerS: null, concurrency: null },
    );
  }
  for (const r of recorded)
    if (!folders.some((f) => f.experimentId === r.id && f.manifest.spec_hash === r.specHash)) out.push(recordedRun(r));
  return out;
}

/** The calibration on the runs of a store view (its digests). */
export function storeCalibration(
  digests: readonly RunDigest[],
  folder: (d: RunDigest) => RunFolder,
  catalog: Catalog = loadCatalog(),
): { cal: ProjectCalibration; runs: Map<RunDigest, ObservedRun> } {
  const runs = new Map(digests.map((d) => [d, storedRun(folder(d), d)] as const));
  return { cal: projectCalibration(catalog, [...runs.values()]), runs };
}

export interface ModelPrediction {
  model: string;
  name: string;
  weights: string;
  verdict: JobPlan["fit"]["verdict"];
  /** Requests the engine runs at once (0 when it does not fit). */
  concurrency: number;
  requestsPerS: number | null;
  totalTokPerS: number | null;
  /** totalTokPerS × the backtest interval's factors. */
  totalTokPerSRange: [number, number] | null;
  /** Why there is no speed, or the condition it holds under. */
  note: string | null;
}

export interface MatrixPrediction {
  gpu: { id: string; name: string };
  workload: {
    from: string;
    meanPromptTokens: number;
    meanOutputTokens: number;
    concurrency: number;
    /** The reference run sent all its requests at once (a batch job). */
    allAtOnce: boolean;
  };
  calibration: CalibrationChoice | null;
  interval: PredictionInterval | null;
  /** By catalog model id. */
  models: Record<string, ModelPrediction>;
}

/** The GPU and reference workload the matrix predicts for (see the header); null without observations. */
export function matrixReference(cal: ProjectCalibration): { gpu: string; reference: SpeedObservation } | null {
  const byGpu = new Map<string, SpeedObservation[]>();
  for (const o of cal.observations) byGpu.set(o.gpu, [...(byGpu.get(o.gpu) ?? []), o]);
  const [gpu, observations] = [...byGpu].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))[0] ?? [];
  const vllm = (observations ?? []).filter((o) => o.backend === "vllm");
  const reference = [...vllm].sort((a, b) => (b.requests ?? 0) - (a.requests ?? 0) || a.id.localeCompare(b.id))[0];
  return gpu && reference ? { gpu, reference } : null;
}

/** Every catalog model's prediction on the matrix GPU at its reference workload. */
export function matrixPredictions(cal: ProjectCalibration, catalog: Catalog = loadCatalog()): MatrixPrediction | null {
  const ref = matrixReference(cal);
  if (!ref) return null;
  const gpu = catalog.gpus.find((g) => g.id === ref.gpu)!;
  const { input } = ref.reference;
  const workload = {
    from: ref.reference.id,
    meanPromptTokens: input.meanPromptTokens,
    meanOutputTokens: input.meanOutputTokens,
    concurrency: ref.reference.clientConcurrency ?? input.concurrency,
    allAtOnce:
      ref.reference.clientConcurrency !== undefined && ref.reference.clientConcurrency === ref.reference.requests,
  };
  const models: Record<string, ModelPrediction> = {};
  for (const model of catalog.models) models[model.id] = modelPrediction(catalog, cal, model, gpu, workload);
  return {
    gpu: { id: gpu.id, name: gpu.name },
    workload,
    calibration: calibrationFor(cal.speed, gpu.id, "vllm"),
    interval: cal.interval,
    models,
  };
}

function modelPrediction(
  catalog: Catalog,
  cal: ProjectCalibration,
  model: CatalogModel,
  gpu: Gpu,
  w: MatrixPrediction["workload"],
): ModelPrediction {
  const plan = planJob(catalog, cal, {
    model,
    gpu,
    requests: 1,
    concurrency: w.concurrency,
    meanPromptTokens: w.meanPromptTokens,
    meanOutputTokens: w.meanOutputTokens,
  });
  const s = plan.speed;
  const fitting = fittingAlternatives(plan);
  const note = s
    ? s.condition
    : plan.fit.verdict === "does not fit"
      ? `${plan.fit.reasons[0]}${fitting.length ? `; fits as ${fitting.join(", ")}` : ""}`
      : plan.noSpeed;
  return {
    model: model.id,
    name: model.name,
    weights: plan.model.weights,
    verdict: plan.fit.verdict,
    concurrency: plan.fit.concurrency.effective,
    requestsPerS: s?.predicted.requestsPerS ?? null,
    totalTokPerS: s?.predicted.totalTokPerS ?? null,
    totalTokPerSRange: s?.totalTokPerSRange ?? null,
    note,
  };
}

/** The catalog id of a model name, or null when the catalog does not know it. */
export function catalogId(catalog: Catalog, name: string): string | null {
  try {
    return findModel(catalog, name).id;
  } catch {
    return null;
  }
}

export interface RunPrediction {
  runId: string;
  model: string;
  gpu: string;
  backend: string;
  weights: string;
  /** "left out": predicted without this run (it is an observation); "all": from every observation. */
  basis: "left out" | "all";
  calibration: CalibrationChoice;
  verdict: JobPlan["fit"]["verdict"];
  concurrency: number;
  clientConcurrency: number;
  meanPromptTokens: number;
  meanOutputTokens: number;
  predicted: { totalTokPerS: number; range: [number, number] | null; requestsPerS: number };
  measured: { totalTokPerS: number; what: string } | null;
  /** predicted / measured − 1. */
  error: number | null;
  assumptions: string[];
}

/** The prediction for one run (see the header), or why there is none. */
export function runPrediction(
  run: ObservedRun,
  all: readonly ObservedRun[],
  cal: ProjectCalibration,
  catalog: Catalog = loadCatalog(),
): RunPrediction | { runId: string; unavailable: string } {
  const runId = run.manifest.run_id;
  let w: ReturnType<typeof runWorkload>;
  try {
    w = runWorkload(run, all, catalog, cal.memory);
  } catch (e) {
    return { runId, unavailable: (e as Error).message };
  }
  const row: BacktestRow | undefined = cal.backtest.find((r) => r.runId === runId && runId !== "");
  const choice = row ? row.calibration : calibrationFor(cal.speed, w.gpu.id, w.backend);
  if (!choice) return { runId, unavailable: `no measured or recorded ${w.backend} run to calibrate on` };
  const p = predictSpeed(w.input, choice);
  const interval = predictionInterval(cal.backtest, w.backend);
  const measured = measuredOrNull(run, w.input);
  const target = { arch: w.model.arch, format: w.input.format, gpuMemoryGiB: w.gpu.memoryGiB };
  const tokens = { meanPromptTokens: w.input.meanPromptTokens, meanOutputTokens: w.input.meanOutputTokens };
  const fitted = fit(target, { ...w.settings, ...tokens, concurrency: w.clientConcurrency }, cal.memory);
  return {
    runId,
    model: w.model.id,
    gpu: w.gpu.name,
    backend: w.backend,
    weights: w.input.format.id,
    basis: row ? "left out" : "all",
    calibration: choice,
    verdict: fitted.verdict,
    concurrency: w.input.concurrency,
    clientConcurrency: w.clientConcurrency,
    ...tokens,
    predicted: {
      totalTokPerS: p.totalTokPerS,
      range: interval ? [p.totalTokPerS * interval.lowFactor, p.totalTokPerS * interval.highFactor] : null,
      requestsPerS: p.requestsPerS,
    },
    measured,
    error: measured ? p.totalTokPerS / measured.totalTokPerS - 1 : null,
    assumptions: w.assumptions,
  };
}

function measuredOrNull(run: ObservedRun, input: ReturnType<typeof runWorkload>["input"]) {
  try {
    const m = measuredThroughput(run, input);
    return { totalTokPerS: m.value, what: m.what };
  } catch {
    return null;
  }
}
