// Simulator speed parameters derived from the catalogs and the speed calibration, so that a
// model without a hand-calibrated profile still gets a plausible one.
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
import { KV_BLOCK_TOKENS, kvBytesPerSequence } from "./architecture.ts";
import { stepCosts, type SpeedCalibration, type SpeedInput } from "./roofline.ts";

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
