// How fast a model serves a workload on a GPU: a roofline model of vLLM's continuous batching,
// calibrated on measured and recorded runs, with a leave-one-out backtest of its predictions.
//
// Steady state with C sequences running (the effective concurrency of fit.ts), P prompt and O
// output tokens per request (means):
//   decode step   = max(bytes read / bandwidth, FLOPs / tensor throughput) / η + τ + eager
//     bytes read  = the weights the step multiplies (architecture.ts: for a mixture of experts only
//                   the experts the C tokens were routed to) + C × the KV cache of a sequence
//                   holding P + O/2 tokens (its mean context while it decodes)
//     FLOPs       = C × (2 × active parameters + attention over P + O/2 tokens)
//   prefill       = FLOPs of a P-token prompt / tensor throughput / η (compute-bound; prefill
//                   chunks ride in the decode steps, so their weight reads are already paid)
//   one cycle     = C requests each decoding O tokens and being prefilled once:
//                   cycle = O × decode step + C × prefill
//   request rate  = C / cycle;  total tok/s = rate × (P + O);  output tok/s = rate × O
// Tensor throughput is the GPU's dense BF16 rate, or its FP8 rate for a format computed in FP8 on
// a GPU with FP8 tensor cores (gpus.json). "eager": with enforce_eager there are no CUDA graphs
// and every kernel is launched from Python: eager = layers × 12 kernels × 5 µs per step — an
// uncalibrated assumption (no run with enforce_eager has been recorded with its concurrency).
//
// Calibration, per GPU and serving stack, from the observations (recorded or measured runs):
//   η  an efficiency factor the peak rates are discounted by (decode step and prefill);
//   τ  a fixed cost per decode step (ms) that does not shrink with faster hardware — scheduling,
//      sampling, per-token work outside the kernels; τ ≥ 0.
// With a_i = O·max(memory, compute) + C·prefill at peak rates, b_i = O and the measured cycle
// T_i = C / measured request rate, the model says T_i = a_i/η + b_i·(τ + eager). (1/η, τ) minimise
// Σ ((a_i/η + b_i·τ + b_i·eager) / T_i − 1)² (least squares on the relative error, closed form);
// with one observation, or when the best τ would be negative, τ = 0 and η alone is fitted. A GPU
// with no observations of the stack takes the geometric mean η and the mean τ of the other GPUs'
// groups ("calibrated on other GPUs").
// Backtest: each observation is predicted from the other observations only (leave one out: its
// own group without it, else the other GPUs; repeats of the same experiment and sweep level are
// left out with it), error = predicted / measured − 1.
// Interval: a prediction's interval is predicted × exp(±max |ln(1 + error)|) over the backtest of
// the same stack — the largest leave-one-out miss seen, in either direction.
import type { ModelArch } from "../hardware/hf-config.ts";
import {
  attentionFlops,
  decodeWeightBytes,
  kvReadBytes,
  parameterBreakdown,
  prefillFlops,
  weightBytes,
  type WeightFormatSpec,
} from "./architecture.ts";

/** Kernels launched per layer and step without CUDA graphs, and the cost of one launch (assumptions). */
export const EAGER_KERNELS_PER_LAYER = 12;
export const KERNEL_LAUNCH_MS = 0.005;

export interface GpuRates {
  id: string;
  bandwidthGBps: number;
  bf16Tflops: number;
  fp8Tflops: number | null;
}

export interface SpeedInput {
  arch: ModelArch;
  format: WeightFormatSpec & { compute: "bf16" | "fp8" };
  gpu: GpuRates;
  meanPromptTokens: number;
  meanOutputTokens: number;
  /** Sequences running at once (fit.ts's effective concurrency). */
  concurrency: number;
  enforceEager: boolean;
  /** Bytes per KV-cache element. */
  kvElementBytes: number;
}

export interface StepCosts {
  decodeStepMs: number;
  prefillMsPerRequest: number;
  /** Decode step parts before η: weight reads, KV reads, compute (ms). */
  weightReadMs: number;
  kvReadMs: number;
  computeMs: number;
  bound: "memory" | "compute";
  eagerMs: number;
  tensorTflops: number;
}

export interface SpeedPrediction {
  requestsPerS: number;
  totalTokPerS: number;
  outputTokPerS: number;
  costs: StepCosts;
}

export function eagerStepMs(arch: ModelArch): number {
  return arch.layers * EAGER_KERNELS_PER_LAYER * KERNEL_LAUNCH_MS;
}

/** The tensor rate a format computes at on a GPU (TFLOPS). */
export function tensorTflops(format: SpeedInput["format"], gpu: GpuRates): number {
  return format.compute === "fp8" && gpu.fp8Tflops !== null ? gpu.fp8Tflops : gpu.bf16Tflops;
}

/** A GPU's (and stack's) calibration: efficiency η and fixed cost per decode step τ (ms). */
export interface SpeedCalibration {
  efficiency: number;
  stepOverheadMs: number;
}

export function stepCosts(input: SpeedInput, cal: SpeedCalibration): StepCosts {
  const { arch, gpu, concurrency: c } = input;
  const context = input.meanPromptTokens + input.meanOutputTokens / 2;
  const flopsPerMs = tensorTflops(input.format, gpu) * 1e9;
  const bytesPerMs = gpu.bandwidthGBps * 1e6;
  const weights = weightBytes(arch, input.format);
  const active = parameterBreakdown(arch).activePerToken;
  const weightReadMs = decodeWeightBytes(arch, weights, c) / bytesPerMs;
  const kvReadMs = (c * kvReadBytes(arch, context, input.kvElementBytes)) / bytesPerMs;
  const computeMs = (c * (2 * active + attentionFlops(arch, context))) / flopsPerMs;
  const memoryMs = weightReadMs + kvReadMs;
  const eagerMs = input.enforceEager ? eagerStepMs(arch) : 0;
  return {
    decodeStepMs: Math.max(memoryMs, computeMs) / cal.efficiency + cal.stepOverheadMs + eagerMs,
    prefillMsPerRequest: prefillFlops(arch, input.meanPromptTokens) / flopsPerMs / cal.efficiency,
    weightReadMs,
    kvReadMs,
    computeMs,
    bound: memoryMs >= computeMs ? "memory" : "compute",
    eagerMs,
    tensorTflops: tensorTflops(input.format, gpu),
  };
}

function checkCalibration(cal: SpeedCalibration): void {
  if (!(cal.efficiency > 0)) throw new RangeError(`efficiency must be > 0, got ${cal.efficiency}`);
  if (!(cal.stepOverheadMs >= 0)) throw new RangeError(`step overhead must be ≥ 0 ms, got ${cal.stepOverheadMs}`);
}

export function predictSpeed(input: SpeedInput, cal: SpeedCalibration): SpeedPrediction {
  if (!(input.concurrency >= 1)) throw new RangeError(`concurrency must be ≥ 1, got ${input.concurrency}`);
  checkCalibration(cal);
  const costs = stepCosts(input, cal);
  const cycleMs = input.meanOutputTokens * costs.decodeStepMs + input.concurrency * costs.prefillMsPerRequest;
  const requestsPerS = (input.concurrency / cycleMs) * 1000;
  return {
    requestsPerS,
    totalTokPerS: requestsPerS * (input.meanPromptTokens + input.meanOutputTokens),
    outputTokPerS: requestsPerS * input.meanOutputTokens,
    costs,
  };
}

/** A measured or recorded run, as the calibration reads it. */
export interface SpeedObservation {
  /** The run's name: its experiment id (with the sweep level and repeat when it has them). */
  id: string;
  /** What leave-one-out leaves out together (repeats of one experiment and level); default the id. */
  unit?: string;
  /** The run folder, when the observation is a stored run. */
  runId?: string | null;
  /** Measured by the tracker or recorded elsewhere. */
  kind?: "measured" | "recorded";
  model: string;
  gpu: string;
  /** Serving stack: "vllm", or another (calibrated apart). */
  backend: string;
  input: SpeedInput;
  /** The concurrency the client kept (input.concurrency is what the engine ran); default input.concurrency. */
  clientConcurrency?: number;
  /** Successful requests of the run. */
  requests?: number;
  measuredTotalTokPerS: number;
  source: string;
  assumptions: string[];
}

/** One observation's terms of the cycle model: T = a/η + b·τ + e (ms). */
function cycleTerms(obs: SpeedObservation): { a: number; b: number; e: number; t: number } {
  const { input } = obs;
  const peak = stepCosts({ ...input, enforceEager: false }, { efficiency: 1, stepOverheadMs: 0 });
  const o = input.meanOutputTokens;
  const rate = obs.measuredTotalTokPerS / (input.meanPromptTokens + o);
  return {
    a: o * peak.decodeStepMs + input.concurrency * peak.prefillMsPerRequest,
    b: o,
    e: input.enforceEager ? o * eagerStepMs(input.arch) : 0,
    t: (input.concurrency / rate) * 1000,
  };
}

/** η alone that reproduces one observation (τ = 0). */
export function impliedEfficiency(obs: SpeedObservation): number {
  const { a, e, t } = cycleTerms(obs);
  if (!(t > e)) throw new RangeError(`${obs.id}: the eager overhead alone exceeds the measured time`);
  return a / (t - e);
}

/** Least squares on the relative cycle error over (1/η, τ ≥ 0); see the header. */
export function fitCalibration(observations: readonly SpeedObservation[]): SpeedCalibration {
  if (!observations.length) throw new Error("no observations to calibrate on");
  const rows = observations.map(cycleTerms).map(({ a, b, e, t }) => ({ u: a / t, v: b / t, y: 1 - e / t }));
  const etaOnly = (): SpeedCalibration => ({
    efficiency: rows.reduce((s, r) => s + r.u * r.u, 0) / rows.reduce((s, r) => s + r.u * r.y, 0),
    stepOverheadMs: 0,
  });
  if (rows.length < 2) return etaOnly();
  const suu = rows.reduce((s, r) => s + r.u * r.u, 0);
  const svv = rows.reduce((s, r) => s + r.v * r.v, 0);
  const suv = rows.reduce((s, r) => s + r.u * r.v, 0);
  const suy = rows.reduce((s, r) => s + r.u * r.y, 0);
  const svy = rows.reduce((s, r) => s + r.v * r.y, 0);
  const det = suu * svv - suv * suv;
  if (Math.abs(det) < 1e-12 * suu * svv) return etaOnly();
  const x = (suy * svv - svy * suv) / det;
  const tau = (suu * svy - suv * suy) / det;
  if (!(tau >= 0) || !(x > 0)) return etaOnly();
  return { efficiency: 1 / x, stepOverheadMs: tau };
}

const geomean = (xs: readonly number[]) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

export interface CalibrationGroup extends SpeedCalibration {
  gpu: string;
  backend: string;
  observations: { id: string; efficiency: number }[];
}

export interface Calibration {
  groups: CalibrationGroup[];
}

export function calibrate(observations: readonly SpeedObservation[]): Calibration {
  const byKey = new Map<string, SpeedObservation[]>();
  for (const obs of observations) {
    const key = `${obs.gpu}\u0000${obs.backend}`;
    byKey.set(key, [...(byKey.get(key) ?? []), obs]);
  }
  const groups = [...byKey.values()].map((obs) => ({
    gpu: obs[0]!.gpu,
    backend: obs[0]!.backend,
    ...fitCalibration(obs),
    observations: obs.map((o) => ({ id: o.id, efficiency: impliedEfficiency(o) })),
  }));
  return { groups };
}

export interface CalibrationChoice extends SpeedCalibration {
  basis: "this GPU" | "other GPUs";
  from: string[];
}

/** The calibration for a GPU and stack: its own group, else the other GPUs' groups; null without any. */
export function calibrationFor(cal: Calibration, gpu: string, backend = "vllm"): CalibrationChoice | null {
  const own = cal.groups.find((g) => g.gpu === gpu && g.backend === backend);
  if (own)
    return {
      efficiency: own.efficiency,
      stepOverheadMs: own.stepOverheadMs,
      basis: "this GPU",
      from: own.observations.map((o) => o.id),
    };
  const others = cal.groups.filter((g) => g.backend === backend);
  if (!others.length) return null;
  return {
    efficiency: geomean(others.map((g) => g.efficiency)),
    stepOverheadMs: mean(others.map((g) => g.stepOverheadMs)),
    basis: "other GPUs",
    from: others.flatMap((g) => g.observations.map((o) => o.id)),
  };
}

export interface BacktestRow {
  id: string;
  runId: string | null;
  kind: "measured" | "recorded" | null;
  model: string;
  gpu: string;
  backend: string;
  measuredTotalTokPerS: number;
  /** Null when no other observation of the stack exists. */
  predictedTotalTokPerS: number | null;
  error: number | null;
  calibration: CalibrationChoice | null;
}

const unitOf = (o: SpeedObservation) => o.unit ?? o.id;

/** Leave-one-out: each observation predicted from the others (its repeats left out with it). */
export function backtest(observations: readonly SpeedObservation[]): BacktestRow[] {
  return observations.map((obs) => {
    const others = observations.filter((o) => unitOf(o) !== unitOf(obs));
    const choice = calibrationFor(calibrate(others), obs.gpu, obs.backend);
    const predicted = choice ? predictSpeed(obs.input, choice).totalTokPerS : null;
    return {
      id: obs.id,
      runId: obs.runId ?? null,
      kind: obs.kind ?? null,
      model: obs.model,
      gpu: obs.gpu,
      backend: obs.backend,
      measuredTotalTokPerS: obs.measuredTotalTokPerS,
      predictedTotalTokPerS: predicted,
      error: predicted === null ? null : predicted / obs.measuredTotalTokPerS - 1,
      calibration: choice,
    };
  });
}

export interface PredictionInterval {
  /** Multiply a prediction by these for the interval. */
  lowFactor: number;
  highFactor: number;
  /** Backtest rows it comes from. */
  from: string[];
}

/** The interval factors from the backtest rows of a stack (null without any). */
export function predictionInterval(rows: readonly BacktestRow[], backend = "vllm"): PredictionInterval | null {
  const errors = rows.filter((r) => r.backend === backend && r.error !== null);
  if (!errors.length) return null;
  const worst = Math.max(...errors.map((r) => Math.abs(Math.log(1 + r.error!))));
  return { lowFactor: Math.exp(-worst), highFactor: Math.exp(worst), from: errors.map((r) => r.id) };
}
