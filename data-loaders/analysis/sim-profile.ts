// Simulator speed parameters derived from the catalogs and the speed calibration, so that a
// model without a hand-calibrated profile still gets a plausible one (`simulate:
// "<model>@<gpu>"`, data-loaders/sim/derived-profiles.ts).
//
// Calibration: the vLLM figures the simulator is calibrated to (sim/calibration-targets.json)
// read as the speed model reads a recorded batch job (observations.ts): all `requests` submitted
// at once, so the effective concurrency is fit.ts's at vLLM's defaults; roofline.ts's calibrate
// over them gives η and τ (a GPU without targets borrows the other GPUs', calibrationFor).
// Serving: vLLM's defaults (gpu_memory_utilization 0.9, max_num_seqs 256) at the model's
// max_model_len, or the longest that starts when that one does not (as a user would start it);
// a model whose weights leave no KV cache has no profile.
// Reference workload: the target marked `reference` (its prompt and completion tokens) at
// REFERENCE_CONCURRENCY requests, or fewer when the KV cache holds fewer.
//
// The simulator's engine (data-loaders/sim/engine.ts) costs a step
//   stepMs = fixedMs + prefillTokens × prefillMsPerToken + decodeSeqs × decodeMsPerSeq
// and the roofline (roofline.ts) costs a decode step of C sequences as
//   max(weight reads + C × KV reads, C × compute) / η + τ (+ eager).
// Matched at a reference concurrency C (the workload's), with P prompt and O output tokens:
//   fixedMs           = weight reads / η + τ (+ eager)   — what a step costs whatever its batch
//   decodeMsPerSeq    = (roofline decode step − fixedMs) / C
//   prefillMsPerToken = roofline prefill of a P-token prompt / P
// so the engine's closed-form rate C / (O·fixedMs + C·P·prefillMsPerToken + O·C·decodeMsPerSeq)
// equals the roofline's at C exactly; away from C it is linear where the roofline bends (a batch
// that turns compute-bound, or a mixture of experts touching more experts as C grows).
//   kvCacheTokens     = ⌊KV cache bytes / (KV bytes of a mean request / (P + O)) / 16⌋ × 16: the
//                       simulator counts plain tokens, so a sliding-window model's cache is
//                       expressed in tokens of a mean request.
import { GIB, KV_BLOCK_TOKENS, kvBytesPerSequence } from "./architecture.ts";
import { fit, kvElementBytes, type FitResult, type MemoryCalibration } from "./fit.ts";
import {
  calibrate,
  calibrationFor,
  stepCosts,
  type Calibration,
  type CalibrationChoice,
  type SpeedCalibration,
  type SpeedInput,
  type SpeedObservation,
} from "./roofline.ts";
import type { CatalogModel, Gpu } from "../hardware/catalog.ts";

export interface DerivedSimSpeed {
  speed: { fixedMs: number; prefillMsPerToken: number; decodeMsPerSeq: number };
  kvCacheTokens: number;
  blockSize: number;
  /** The concurrency the step costs were matched at. */
  referenceConcurrency: number;
}

export function deriveSimSpeed(input: SpeedInput, cal: SpeedCalibration, kvCacheBytes: number): DerivedSimSpeed {
  const costs = stepCosts(input, cal);
  const fixedMs = costs.weightReadMs / cal.efficiency + cal.stepOverheadMs + costs.eagerMs;
  const tokens = input.meanPromptTokens + input.meanOutputTokens;
  const bytesPerToken = kvBytesPerSequence(input.arch, tokens, input.kvElementBytes) / tokens;
  return {
    speed: {
      fixedMs,
      prefillMsPerToken: costs.prefillMsPerRequest / input.meanPromptTokens,
      decodeMsPerSeq: (costs.decodeStepMs - fixedMs) / input.concurrency,
    },
    kvCacheTokens: Math.max(0, Math.floor(kvCacheBytes / bytesPerToken / KV_BLOCK_TOKENS) * KV_BLOCK_TOKENS),
    blockSize: KV_BLOCK_TOKENS,
    referenceConcurrency: input.concurrency,
  };
}

/** The engine's closed-form request rate (per second) for C sequences of P + O tokens (CALIBRATION.md). */
export function engineRequestRate(
  speed: DerivedSimSpeed["speed"],
  concurrency: number,
  promptTokens: number,
  outputTokens: number,
): number {
  const cycleMs =
    outputTokens * speed.fixedMs +
    concurrency * promptTokens * speed.prefillMsPerToken +
    outputTokens * concurrency * speed.decodeMsPerSeq;
  return (concurrency / cycleMs) * 1000;
}

/** Requests a derived profile's step costs are matched at (the example experiments' load). */
export const REFERENCE_CONCURRENCY = 32;

/** A reported figure, as sim/calibration-targets.json holds it (catalog ids resolved). */
export interface SimTarget {
  profile: string;
  model: CatalogModel;
  format: SpeedInput["format"];
  gpu: Gpu;
  stack: string;
  requests: number;
  totalTokPerS?: number;
  promptTokens?: number;
  completionTokens?: number;
}

const input = (
  model: CatalogModel,
  format: SpeedInput["format"],
  gpu: Gpu,
  p: number,
  o: number,
  c: number,
): SpeedInput => ({
  arch: model.arch,
  format,
  gpu,
  meanPromptTokens: p,
  meanOutputTokens: o,
  concurrency: c,
  enforceEager: false,
  kvElementBytes: kvElementBytes("auto"),
});

/** The vLLM targets with a throughput as batch-job observations (see the header). */
export function targetObservations(targets: readonly SimTarget[], memory: MemoryCalibration): SpeedObservation[] {
  return targets.flatMap((t) => {
    if (t.stack !== "vllm" || !t.totalTokPerS || !t.promptTokens || !t.completionTokens) return [];
    const tokens = { meanPromptTokens: t.promptTokens, meanOutputTokens: t.completionTokens };
    const target = { arch: t.model.arch, format: t.format, gpuMemoryGiB: t.gpu.memoryGiB };
    const c = fit(target, { ...tokens, concurrency: t.requests }, memory).concurrency.effective;
    if (c < 1) return [];
    return [
      {
        id: t.profile,
        model: t.model.id,
        gpu: t.gpu.id,
        backend: "vllm",
        input: input(t.model, t.format, t.gpu, t.promptTokens, t.completionTokens, c),
        measuredTotalTokPerS: t.totalTokPerS,
        source: "sim/calibration-targets.json",
        assumptions: [`all ${t.requests} requests submitted at once: vLLM runs ${c} at a time`],
      },
    ];
  });
}

/** The speed calibration of derived profiles. */
export function simCalibration(targets: readonly SimTarget[], memory: MemoryCalibration): Calibration {
  return calibrate(targetObservations(targets, memory));
}

export interface DerivedProfile extends DerivedSimSpeed {
  maxModelLen: number;
  calibration: CalibrationChoice;
  fit: FitResult;
  notes: string[];
}

/** Step costs, KV cache and max_model_len of a model in a format on a GPU (see the header); throws when it does not fit. */
export function deriveProfile(
  model: CatalogModel,
  format: SpeedInput["format"],
  gpu: Gpu,
  memory: MemoryCalibration,
  speed: Calibration,
  reference: { promptTokens: number; completionTokens: number },
): DerivedProfile {
  const tokens = { meanPromptTokens: reference.promptTokens, meanOutputTokens: reference.completionTokens };
  const target = { arch: model.arch, format, gpuMemoryGiB: gpu.memoryGiB };
  let fitted = fit(target, { ...tokens, concurrency: REFERENCE_CONCURRENCY }, memory);
  const notes: string[] = [];
  if (fitted.failure === "max-model-len") {
    notes.push(`max_model_len ${fitted.largestMaxModelLen} (the model's ${fitted.maxModelLen} does not start)`);
    fitted = fit(
      target,
      { ...tokens, concurrency: REFERENCE_CONCURRENCY, maxModelLen: fitted.largestMaxModelLen! },
      memory,
    );
  }
  if (fitted.verdict === "does not fit")
    throw new Error(`${model.id} in ${format.id} does not fit ${gpu.id}: ${fitted.reasons.join("; ")}`);
  const choice = calibrationFor(speed, gpu.id, "vllm");
  if (!choice) throw new Error("no vLLM calibration target to derive a simulator profile from");
  if (choice.basis === "other GPUs")
    notes.push(`${gpu.id} has no calibration target: η and τ from ${choice.from.join(", ")}`);
  const c = fitted.concurrency.effective;
  const derived = deriveSimSpeed(
    input(model, format, gpu, tokens.meanPromptTokens, tokens.meanOutputTokens, c),
    choice,
    fitted.memory.kvCacheGiB * GIB,
  );
  return { ...derived, maxModelLen: fitted.maxModelLen, calibration: choice, fit: fitted, notes };
}
