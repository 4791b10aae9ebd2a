// A plan for a batch job before it runs (`tracker plan`): will the model fit the GPU, how many
// requests can run at once, how fast will it go and how long and how much will N requests take.
//
//   calibration   memory: fit.ts's calibrateMemory over vLLM's start-up figures; speed:
//                 roofline.ts's calibrate over the measured and recorded runs (observations.ts),
//                 with its leave-one-out backtest
//   fit           fit.ts at the job's settings (vLLM's defaults where not given)
//   speed         roofline.ts at the fit's effective concurrency, with the GPU's vLLM calibration
//                 (or the other GPUs' when this one has no runs); interval from the backtest
//   time          N / predicted request rate (steady state: no warm-up, ramp or drain), and
//                 N / the interval's ends
//   cost          GPU $/hour × time (cost.ts), when a price is given
//   alternatives  the fit in every other weight format the catalog can size
import { gpuCost } from "./cost.ts";
import { parameterBreakdown } from "./architecture.ts";
import {
  calibrateMemory,
  fit,
  kvElementBytes,
  type FitOptions,
  type FitResult,
  type MemoryCalibration,
} from "./fit.ts";
import { memoryPoints, observationsFromRuns, type ObservedRun, type SkippedRun } from "./observations.ts";
import {
  backtest,
  calibrate,
  calibrationFor,
  predictionInterval,
  predictSpeed,
  type BacktestRow,
  type Calibration,
  type CalibrationChoice,
  type PredictionInterval,
  type SpeedObservation,
} from "./roofline.ts";
import { resolveWeights, type Catalog, type CatalogModel, type Gpu, type WeightFormat } from "../hardware/catalog.ts";

/** The stack `tracker plan` plans for. */
const BACKEND = "vllm";

export interface ProjectCalibration {
  memory: MemoryCalibration;
  speed: Calibration;
  backtest: BacktestRow[];
  interval: PredictionInterval | null;
  observations: SpeedObservation[];
  skipped: SkippedRun[];
}

/** The memory and speed calibration on the runs given (observations.ts picks the usable ones). */
export function projectCalibration(catalog: Catalog, runs: readonly ObservedRun[]): ProjectCalibration {
  const memory = calibrateMemory(memoryPoints(catalog));
  const { observations, skipped } = observationsFromRuns(runs, catalog, memory);
  const rows = backtest(observations);
  return {
    memory,
    speed: calibrate(observations),
    backtest: rows,
    interval: predictionInterval(rows, BACKEND),
    observations,
    skipped,
  };
}

export interface PlanRequest extends FitOptions {
  model: CatalogModel;
  gpu: Gpu;
  /** A quantizations.json format id (default: the checkpoint's). */
  weights?: string;
  requests: number;
  gpuDollarsPerHour?: number | null;
}

export interface Throughput {
  concurrency: number;
  requestsPerS: number;
  totalTokPerS: number;
  outputTokPerS: number;
}

export interface JobPlan {
  model: { id: string; name: string; parameters: number; stated: string; weights: string; weightsNotes: string[] };
  gpu: Gpu;
  workload: { requests: number; concurrency: number; meanPromptTokens: number; meanOutputTokens: number };
  fit: FitResult;
  speed: {
    /** Set when the prediction holds only after a change (a shorter max_model_len). */
    condition: string | null;
    calibration: CalibrationChoice;
    bound: "memory" | "compute";
    predicted: Throughput;
    /** predicted.totalTokPerS × the interval factors (null without a backtest). */
    totalTokPerSRange: [number, number] | null;
    interval: PredictionInterval | null;
    /** At the most requests the KV cache and max_num_seqs allow at once. */
    atMaxConcurrency: Throughput;
  } | null;
  /** Why there is no speed prediction. */
  noSpeed: string | null;
  job: { seconds: number; range: [number, number] | null } | null;
  cost: { dollarsPerHour: number; dollars: number; range: [number, number] | null } | null;
  alternatives: {
    weights: string;
    verdict: FitResult["verdict"];
    failure: FitResult["failure"];
    kvCacheGiB: number;
    maxConcurrencyAtMeanTokens: number;
    largestMaxModelLen: number | null;
  }[];
  assumptions: string[];
}

export function planJob(catalog: Catalog, cal: ProjectCalibration, req: PlanRequest): JobPlan {
  if (!Number.isInteger(req.requests) || req.requests < 1)
    throw new RangeError(`requests must be a whole number ≥ 1, got ${req.requests}`);
  const weights = resolveWeights(catalog, req.model, req.weights);
  const target = { arch: req.model.arch, format: weights.format, gpuMemoryGiB: req.gpu.memoryGiB };
  const fitted = fit(target, req, cal.memory);
  const choice = calibrationFor(cal.speed, req.gpu.id, BACKEND);
  const runs = fitted.failure === null || fitted.failure === "max-model-len";
  const speed = choice && runs ? speedOf(req, weights.format, fitted, choice, cal.interval) : null;
  const job = speed ? jobTime(req.requests, speed.predicted.requestsPerS, cal.interval) : null;
  return {
    model: {
      id: req.model.id,
      name: req.model.name,
      parameters: parameterBreakdown(req.model.arch).total,
      stated: req.model.parameters.stated,
      weights: weights.format.id,
      weightsNotes: weights.notes,
    },
    gpu: req.gpu,
    workload: {
      requests: req.requests,
      concurrency: req.concurrency,
      meanPromptTokens: req.meanPromptTokens,
      meanOutputTokens: req.meanOutputTokens,
    },
    fit: fitted,
    speed,
    noSpeed: speed
      ? null
      : choice
        ? "it does not fit (see the fit)"
        : `no measured or recorded ${BACKEND} run on any GPU to calibrate on`,
    job,
    cost: job && req.gpuDollarsPerHour != null ? jobCost(req.gpuDollarsPerHour, job) : null,
    alternatives: alternatives(catalog, req, weights.format, cal.memory),
    assumptions: assumptions(req, weights.notes, fitted, choice, cal),
  };
}

function throughputAt(
  req: PlanRequest,
  format: WeightFormat,
  fitted: FitResult,
  choice: CalibrationChoice,
  concurrency: number,
): Throughput & { bound: "memory" | "compute" } {
  const p = predictSpeed(
    {
      arch: req.model.arch,
      format,
      gpu: req.gpu,
      meanPromptTokens: req.meanPromptTokens,
      meanOutputTokens: req.meanOutputTokens,
      concurrency,
      enforceEager: fitted.enforceEager,
      kvElementBytes: kvElementBytes(fitted.kvCacheDtype),
    },
    choice,
  );
  return {
    concurrency,
    requestsPerS: p.requestsPerS,
    totalTokPerS: p.totalTokPerS,
    outputTokPerS: p.outputTokPerS,
    bound: p.costs.bound,
  };
}

function speedOf(
  req: PlanRequest,
  format: WeightFormat,
  fitted: FitResult,
  choice: CalibrationChoice,
  interval: PredictionInterval | null,
): NonNullable<JobPlan["speed"]> {
  const { bound, ...predicted } = throughputAt(req, format, fitted, choice, fitted.concurrency.effective);
  const most = Math.min(fitted.maxNumSeqs, Math.floor(fitted.maxConcurrencyAtMeanTokens));
  const { bound: _b, ...atMax } = throughputAt(req, format, fitted, choice, most);
  return {
    condition:
      fitted.failure === "max-model-len" ? `if started with --max-model-len ≤ ${fitted.largestMaxModelLen}` : null,
    calibration: choice,
    bound,
    predicted,
    totalTokPerSRange: interval
      ? [predicted.totalTokPerS * interval.lowFactor, predicted.totalTokPerS * interval.highFactor]
      : null,
    interval,
    atMaxConcurrency: atMax,
  };
}

function jobTime(
  requests: number,
  requestsPerS: number,
  interval: PredictionInterval | null,
): NonNullable<JobPlan["job"]> {
  const seconds = requests / requestsPerS;
  return { seconds, range: interval ? [seconds / interval.highFactor, seconds / interval.lowFactor] : null };
}

function jobCost(dollarsPerHour: number, job: NonNullable<JobPlan["job"]>): NonNullable<JobPlan["cost"]> {
  return {
    dollarsPerHour,
    dollars: gpuCost(dollarsPerHour, job.seconds),
    range: job.range ? [gpuCost(dollarsPerHour, job.range[0]), gpuCost(dollarsPerHour, job.range[1])] : null,
  };
}

function alternatives(
  catalog: Catalog,
  req: PlanRequest,
  current: WeightFormat,
  memory: MemoryCalibration,
): JobPlan["alternatives"] {
  return catalog.formats
    .filter((f) => f.id !== current.id && (f.scope !== "experts" || req.model.arch.moe))
    .map((f) => {
      const r = fit({ arch: req.model.arch, format: f, gpuMemoryGiB: req.gpu.memoryGiB }, req, memory);
      return {
        weights: f.id,
        verdict: r.verdict,
        failure: r.failure,
        kvCacheGiB: r.memory.kvCacheGiB,
        maxConcurrencyAtMeanTokens: r.maxConcurrencyAtMeanTokens,
        largestMaxModelLen: r.largestMaxModelLen,
      };
    });
}

function assumptions(
  req: PlanRequest,
  weightsNotes: string[],
  fitted: FitResult,
  choice: CalibrationChoice | null,
  cal: ProjectCalibration,
): string[] {
  const out = [...weightsNotes, ...req.model.arch.defaultsApplied.map((d) => `config.json: ${d}`)];
  if (req.gpu.notes) out.push(`${req.gpu.id}: ${req.gpu.notes}`);
  out.push(
    `runtime overhead ${cal.memory.overheadGiB.toFixed(2)} GiB inside the budget, calibrated on ${cal.memory.overheadFrom.join(", ")}; CUDA graphs ${cal.memory.cudaGraphGiBPerLayer.toFixed(4)} GiB per layer, from ${cal.memory.graphsFrom.join(", ")}`,
  );
  if (choice)
    out.push(
      `speed: efficiency ${choice.efficiency.toFixed(3)} and ${choice.stepOverheadMs.toFixed(2)} ms per step, calibrated on ${choice.basis === "this GPU" ? "" : "other GPUs' runs: "}${choice.from.join(", ")}`,
    );
  if (choice?.basis === "other GPUs")
    out.push(
      `${req.gpu.id} has no measured or recorded runs: its calibration and interval come from other GPUs, and its error may be larger`,
    );
  if (fitted.enforceEager)
    out.push("enforce_eager: a fixed launch cost per step (12 kernels × 5 µs per layer), not calibrated on any run");
  out.push("throughput is the steady state: warm-up, ramp and drain are not included");
  return out;
}

/** The other weight formats the model runs in, as "fp8", "awq (tight)" or "awq (with --max-model-len ≤ 61,136)". */
export function fittingAlternatives(plan: JobPlan): string[] {
  return plan.alternatives
    .filter((a) => a.failure === null || a.failure === "max-model-len")
    .map((a) =>
      a.failure === "max-model-len"
        ? `${a.weights} (with --max-model-len ≤ ${a.largestMaxModelLen!.toLocaleString("en-US")})`
        : a.verdict === "tight"
          ? `${a.weights} (tight)`
          : a.weights,
    );
}
