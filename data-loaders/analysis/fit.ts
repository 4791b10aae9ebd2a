// Will a model fit a GPU under vLLM, and how many requests can it hold at once?
//
// vLLM sizes its KV cache at start-up: it profiles one forward pass, then gives the KV cache
// whatever is left of gpu_memory_utilization × the card's memory:
//   budget     = gpu_memory_utilization × GPU memory (GiB, the catalog's figure)
//   weights    = parameters × bytes per weight in the format (architecture.ts)
//   overhead   = activations of the profiling pass, CUDA context, cuBLAS/NCCL workspaces and
//                what the driver keeps: one constant, calibrated on vLLM's own start-up logs
//                (vllm-memory.json): overhead = budget − weights − KV tokens × KV bytes per token
//   KV cache   = budget − weights − overhead
//   CUDA graphs are captured after the KV cache is allocated, outside the budget (as in the vLLM
//                versions of the project's logs): graphs = layers × GiB per layer, the mean of
//                cudaGraphGiB / layers over the start-up figures (piecewise CUDA graphs are
//                captured per layer); 0 with enforce_eager.
// KV bytes per sequence of n tokens: Σ over layers of 2 × KV heads × head dim × bytes per
// element × min(n, the layer's window), in 16-token blocks (architecture.ts). Then
//   max concurrency at max_model_len = KV cache / bytes of one max_model_len sequence (vLLM's
//     "Maximum concurrency for N tokens per request"); below 1 vLLM refuses to start;
//   max concurrency at the workload = KV cache / bytes of a mean request (prompt + output tokens);
//   effective concurrency = min(requested, max_num_seqs, ⌊max concurrency at the workload⌋).
// Verdict:
//   does not fit — no room for a KV cache, or not one max_model_len sequence fits (vLLM's start-up
//     check), or budget + CUDA graphs exceed the card;
//   tight — it starts, but the KV cache holds fewer mean requests than the requested concurrency
//     (up to max_num_seqs; requests wait, throughput is capped), or the margin is under 10% of the
//     KV cache;
//   fits — otherwise.
//   margin = KV cache − max(one max_model_len sequence, min(concurrency, max_num_seqs) × a mean
//     request), GiB.
// Not modelled: a multimodal model's encoder activations during profiling (its weights are
// counted), LoRA adapters, speculative decoding, more than one GPU.
import type { ModelArch } from "../hardware/hf-config.ts";
import {
  GIB,
  KV_BLOCK_TOKENS,
  kvBytesPerSequence,
  kvBytesPerToken,
  weightBytes,
  type WeightFormatSpec,
} from "./architecture.ts";

/** vLLM's defaults where a setting is not given. */
export const VLLM_DEFAULTS = { gpuMemoryUtilization: 0.9, maxNumSeqs: 256 } as const;
/** A margin below this share of the KV cache makes a fit "tight". */
export const TIGHT_MARGIN = 0.1;

export type KvCacheDtype = "auto" | "fp8";

/** Bytes per KV-cache element: the served 16-bit dtype, or 1 with --kv-cache-dtype fp8. */
export function kvElementBytes(kvCacheDtype: KvCacheDtype): number {
  return kvCacheDtype === "fp8" ? 1 : 2;
}

export interface MemoryCalibration {
  /** Runtime overhead inside the budget, GiB. */
  overheadGiB: number;
  overheadFrom: string[];
  /** CUDA-graph memory per layer, GiB. */
  cudaGraphGiBPerLayer: number;
  graphsFrom: string[];
}

/** A vLLM start-up figure, resolved against the catalogs. */
export interface MemoryPoint {
  id: string;
  arch: ModelArch;
  format: WeightFormatSpec;
  gpuMemoryGiB: number;
  gpuMemoryUtilization: number | null;
  kvCacheDtype: KvCacheDtype;
  kvCacheTokens: number | null;
  kvCacheGiB: number | null;
  cudaGraphGiB: number | null;
  useForOverhead: boolean;
}

/** The overhead implied by one start-up figure: budget − our weights − vLLM's KV cache (GiB). */
export function impliedOverheadGiB(p: MemoryPoint): number | null {
  if (p.gpuMemoryUtilization === null) return null;
  const kvGiB =
    p.kvCacheTokens !== null
      ? (p.kvCacheTokens * kvBytesPerToken(p.arch, kvElementBytes(p.kvCacheDtype))) / GIB
      : p.kvCacheGiB;
  if (kvGiB === null) return null;
  return p.gpuMemoryUtilization * p.gpuMemoryGiB - weightBytes(p.arch, p.format).total / GIB - kvGiB;
}

/** Overhead = mean implied overhead of the points marked for it; graphs = mean GiB per layer. */
export function calibrateMemory(points: readonly MemoryPoint[]): MemoryCalibration {
  const overheads = points
    .filter((p) => p.useForOverhead && p.arch.layerWindows.every((w) => w === null))
    .map((p) => ({ id: p.id, gib: impliedOverheadGiB(p) }))
    .filter((o): o is { id: string; gib: number } => o.gib !== null);
  const graphs = points.filter((p) => p.cudaGraphGiB !== null);
  if (!overheads.length) throw new Error("no vLLM start-up figure to calibrate the runtime overhead on");
  if (!graphs.length) throw new Error("no vLLM start-up figure with CUDA-graph memory");
  return {
    overheadGiB: overheads.reduce((s, o) => s + o.gib, 0) / overheads.length,
    overheadFrom: overheads.map((o) => o.id),
    cudaGraphGiBPerLayer: graphs.reduce((s, p) => s + p.cudaGraphGiB! / p.arch.layers, 0) / graphs.length,
    graphsFrom: graphs.map((p) => p.id),
  };
}

export interface FitOptions {
  gpuMemoryUtilization?: number;
  /** Default: the model's max_position_embeddings (vLLM's default). */
  maxModelLen?: number;
  kvCacheDtype?: KvCacheDtype;
  enforceEager?: boolean;
  maxNumSeqs?: number;
  /** Concurrent requests the client keeps in flight. */
  concurrency: number;
  meanPromptTokens: number;
  meanOutputTokens: number;
}

export type Verdict = "fits" | "tight" | "does not fit";

export interface FitResult {
  gpuMemoryUtilization: number;
  maxModelLen: number;
  kvCacheDtype: KvCacheDtype;
  enforceEager: boolean;
  maxNumSeqs: number;
  memory: {
    cardGiB: number;
    budgetGiB: number;
    weightsGiB: number;
    overheadGiB: number;
    /** Negative when the weights and overhead alone exceed the budget. */
    kvCacheGiB: number;
    cudaGraphGiB: number;
    /** budget + CUDA graphs: what the server holds once ready. */
    inUseGiB: number;
  };
  kv: {
    bytesPerTokenAllLayers: number;
    bytesPerMaxModelLen: number;
    bytesPerMeanRequest: number;
    /** KV cache / bytes per token of all layers, in whole blocks (vLLM's "GPU KV cache size" for full-attention models). */
    capacityTokens: number;
  };
  maxConcurrencyAtMaxModelLen: number;
  maxConcurrencyAtMeanTokens: number;
  concurrency: { requested: number; effective: number; limitedBy: "client" | "kv-cache" | "max_num_seqs" };
  verdict: Verdict;
  /** Why it does not fit: no room for a KV cache, max_model_len too long, or the CUDA graphs overflow the card. */
  failure: "no-kv-cache" | "max-model-len" | "cuda-graphs" | null;
  marginGiB: number;
  reasons: string[];
  /** Longest max_model_len whose sequence fits the KV cache (null when none does). */
  largestMaxModelLen: number | null;
}

export interface FitTarget {
  arch: ModelArch;
  format: WeightFormatSpec;
  gpuMemoryGiB: number;
}

export function fit(target: FitTarget, opts: FitOptions, cal: MemoryCalibration): FitResult {
  const settings = {
    gpuMemoryUtilization: opts.gpuMemoryUtilization ?? VLLM_DEFAULTS.gpuMemoryUtilization,
    maxModelLen: opts.maxModelLen ?? target.arch.maxPositions,
    kvCacheDtype: opts.kvCacheDtype ?? "auto",
    enforceEager: opts.enforceEager ?? false,
    maxNumSeqs: opts.maxNumSeqs ?? VLLM_DEFAULTS.maxNumSeqs,
  };
  checkOptions(target, opts, settings);
  const memory = memoryBudget(target, settings, cal);
  const element = kvElementBytes(settings.kvCacheDtype);
  const kvBytes = Math.max(0, memory.kvCacheGiB) * GIB;
  const perToken = kvBytesPerToken(target.arch, element);
  const kv = {
    bytesPerTokenAllLayers: perToken,
    bytesPerMaxModelLen: kvBytesPerSequence(target.arch, settings.maxModelLen, element),
    bytesPerMeanRequest: kvBytesPerSequence(target.arch, opts.meanPromptTokens + opts.meanOutputTokens, element),
    capacityTokens: Math.floor(kvBytes / (perToken * KV_BLOCK_TOKENS)) * KV_BLOCK_TOKENS,
  };
  const atMax = kvBytes / kv.bytesPerMaxModelLen;
  const atMean = kvBytes / kv.bytesPerMeanRequest;
  const concurrency = effectiveConcurrency(opts.concurrency, settings.maxNumSeqs, atMean);
  // Requests beyond max_num_seqs wait whatever the memory: the memory verdict is for those that run.
  const running = Math.min(opts.concurrency, settings.maxNumSeqs);
  const judged = judge(memory, kv, atMax, atMean, running, settings.maxModelLen);
  const largest = largestMaxModelLen(target.arch, kvBytes, element);
  // A cache too small for even one block per layer cannot be fixed by a shorter max_model_len.
  if (judged.failure === "max-model-len" && largest === null) judged.failure = "no-kv-cache";
  return {
    ...settings,
    memory,
    kv,
    maxConcurrencyAtMaxModelLen: atMax,
    maxConcurrencyAtMeanTokens: atMean,
    concurrency,
    ...judged,
    largestMaxModelLen: largest,
  };
}

function checkOptions(
  target: FitTarget,
  opts: FitOptions,
  s: { gpuMemoryUtilization: number; maxModelLen: number; maxNumSeqs: number },
): void {
  if (!(s.gpuMemoryUtilization > 0 && s.gpuMemoryUtilization <= 1))
    throw new RangeError(`gpu_memory_utilization must be in (0, 1], got ${s.gpuMemoryUtilization}`);
  if (!Number.isInteger(s.maxModelLen) || s.maxModelLen < 1)
    throw new RangeError(`max_model_len must be a whole number ≥ 1, got ${s.maxModelLen}`);
  if (s.maxModelLen > target.arch.maxPositions)
    throw new RangeError(
      `max_model_len ${s.maxModelLen} is above the model's max_position_embeddings ${target.arch.maxPositions} (vLLM refuses it)`,
    );
  if (!(opts.concurrency >= 1) || !Number.isInteger(opts.concurrency))
    throw new RangeError(`concurrency must be a whole number ≥ 1, got ${opts.concurrency}`);
  if (!(opts.meanPromptTokens >= 1) || !(opts.meanOutputTokens >= 1))
    throw new RangeError(
      `mean prompt and output tokens must be ≥ 1, got ${opts.meanPromptTokens} and ${opts.meanOutputTokens}`,
    );
  if (!Number.isInteger(s.maxNumSeqs) || s.maxNumSeqs < 1)
    throw new RangeError(`max_num_seqs must be a whole number ≥ 1, got ${s.maxNumSeqs}`);
}

function memoryBudget(
  target: FitTarget,
  s: { gpuMemoryUtilization: number; enforceEager: boolean },
  cal: MemoryCalibration,
): FitResult["memory"] {
  const budgetGiB = s.gpuMemoryUtilization * target.gpuMemoryGiB;
  const weightsGiB = weightBytes(target.arch, target.format).total / GIB;
  const cudaGraphGiB = s.enforceEager ? 0 : cal.cudaGraphGiBPerLayer * target.arch.layers;
  return {
    cardGiB: target.gpuMemoryGiB,
    budgetGiB,
    weightsGiB,
    overheadGiB: cal.overheadGiB,
    kvCacheGiB: budgetGiB - weightsGiB - cal.overheadGiB,
    cudaGraphGiB,
    inUseGiB: budgetGiB + cudaGraphGiB,
  };
}

function effectiveConcurrency(requested: number, maxNumSeqs: number, atMean: number): FitResult["concurrency"] {
  const kvLimit = Math.floor(atMean);
  const effective = Math.min(requested, maxNumSeqs, kvLimit);
  const limitedBy = effective === requested ? "client" : effective === kvLimit ? "kv-cache" : "max_num_seqs";
  return { requested, effective: Math.max(0, effective), limitedBy };
}

const gib = (bytes: number) => `${(bytes / GIB).toFixed(2)} GiB`;
const times = (x: number) => `${x.toFixed(2)}×`;

function judge(
  memory: FitResult["memory"],
  kv: FitResult["kv"],
  atMax: number,
  atMean: number,
  concurrency: number,
  maxModelLen: number,
): Pick<FitResult, "verdict" | "failure" | "marginGiB" | "reasons"> {
  const kvBytes = Math.max(0, memory.kvCacheGiB) * GIB;
  const needed = Math.max(kv.bytesPerMaxModelLen, concurrency * kv.bytesPerMeanRequest);
  const marginGiB = (kvBytes - needed) / GIB;
  const notFit = (failure: NonNullable<FitResult["failure"]>, reason: string) => ({
    verdict: "does not fit" as const,
    failure,
    marginGiB,
    reasons: [reason],
  });
  if (memory.kvCacheGiB <= 0)
    return notFit(
      "no-kv-cache",
      `weights ${memory.weightsGiB.toFixed(2)} GiB + runtime overhead ${memory.overheadGiB.toFixed(2)} GiB exceed the budget ${memory.budgetGiB.toFixed(2)} GiB: no room for a KV cache`,
    );
  if (atMax < 1)
    return notFit(
      "max-model-len",
      `the KV cache (${gib(kvBytes)}) cannot hold one sequence of max_model_len ${maxModelLen.toLocaleString("en-US")} (${gib(kv.bytesPerMaxModelLen)}): vLLM refuses to start`,
    );
  if (memory.inUseGiB > memory.cardGiB)
    return notFit(
      "cuda-graphs",
      `budget ${memory.budgetGiB.toFixed(2)} GiB + CUDA graphs ${memory.cudaGraphGiB.toFixed(2)} GiB exceed the card's ${memory.cardGiB} GiB: lower gpu_memory_utilization or use enforce_eager`,
    );
  const reasons = [
    `the KV cache (${gib(kvBytes)}) holds ${times(atMax)} max_model_len sequences and ${times(atMean)} mean requests`,
  ];
  if (atMean < concurrency) {
    reasons.push(
      `fewer than the concurrency ${concurrency}: requests wait for KV-cache space and throughput is capped at ${Math.floor(atMean)} at once`,
    );
    return { verdict: "tight", failure: null, marginGiB, reasons };
  }
  if (marginGiB < TIGHT_MARGIN * (kvBytes / GIB)) {
    reasons.push(`the margin (${marginGiB.toFixed(2)} GiB) is under ${TIGHT_MARGIN * 100}% of the KV cache`);
    return { verdict: "tight", failure: null, marginGiB, reasons };
  }
  return { verdict: "fits", failure: null, marginGiB, reasons };
}

/** The longest sequence (tokens) whose KV bytes fit in `kvBytes`, up to the model's maximum. */
function largestMaxModelLen(arch: ModelArch, kvBytes: number, element: number): number | null {
  if (kvBytesPerSequence(arch, 1, element) > kvBytes) return null;
  let lo = 1;
  let hi = arch.maxPositions;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (kvBytesPerSequence(arch, mid, element) <= kvBytes) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
