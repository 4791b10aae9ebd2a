// The memory fit against hand-computed values for a dense, a sliding-window and a mixture-of-
// experts model, and against what vLLM itself reported (the start-up logs the project holds and
// the users' Qwen 3 4B breakdown).
import { describe, expect, it } from "vitest";
import { calibrateMemory, fit, type MemoryCalibration } from "../../data-loaders/analysis/fit.ts";
import { memoryPoints } from "../../data-loaders/analysis/observations.ts";
import { findGpu, findModel, loadCatalog, resolveWeights } from "../../data-loaders/hardware/catalog.ts";

const catalog = loadCatalog();
const GIB = 2 ** 30;
/** A fixed calibration, so the arithmetic below does not depend on the calibration data. */
const CAL: MemoryCalibration = {
  overheadGiB: 2.5,
  overheadFrom: ["test"],
  cudaGraphGiBPerLayer: 0.02,
  graphsFrom: ["test"],
};
const WORKLOAD = { concurrency: 32, meanPromptTokens: 788, meanOutputTokens: 308 };

function target(model: string, gpu: string, weights?: string) {
  const m = findModel(catalog, model);
  return {
    arch: m.arch,
    format: resolveWeights(catalog, m, weights).format,
    gpuMemoryGiB: findGpu(catalog, gpu).memoryGiB,
  };
}

describe("dense: Llama 3.2 1B on an RTX 4080 16 GB", () => {
  const r = fit(target("llama-3.2-1b", "rtx-4080"), { ...WORKLOAD, maxModelLen: 8192 }, CAL);
  // budget 0.9 × 16 = 14.4 GiB; weights 1,235,814,400 × 2 bytes; KV = budget − weights − 2.5.
  const weightsGiB = (1_235_814_400 * 2) / GIB;
  const kvGiB = 14.4 - weightsGiB - 2.5;
  // 2 × 8 KV heads × 64 × 2 bytes × 16 layers = 32,768 bytes per token.
  const perMaxLen = 8192 * 32_768;
  const perRequest = 1104 * 32_768; // 1,096 tokens in 69 blocks of 16

  it("sizes the memory", () => {
    expect(r.memory.budgetGiB).toBeCloseTo(14.4, 12);
    expect(r.memory.weightsGiB).toBeCloseTo(weightsGiB, 12);
    expect(r.memory.kvCacheGiB).toBeCloseTo(kvGiB, 12);
    expect(r.memory.cudaGraphGiB).toBeCloseTo(16 * 0.02, 12);
    expect(r.memory.inUseGiB).toBeCloseTo(14.4 + 0.32, 12);
    expect(r.kv.bytesPerTokenAllLayers).toBe(32_768);
    expect(r.kv.capacityTokens).toBe(Math.floor((kvGiB * GIB) / (32_768 * 16)) * 16);
  });

  it("gives vLLM's maximum concurrency and the job's", () => {
    expect(r.kv.bytesPerMaxModelLen).toBe(perMaxLen);
    expect(r.maxConcurrencyAtMaxModelLen).toBeCloseTo((kvGiB * GIB) / perMaxLen, 9);
    expect(r.maxConcurrencyAtMeanTokens).toBeCloseTo((kvGiB * GIB) / perRequest, 9);
    expect(r.concurrency).toEqual({ requested: 32, effective: 32, limitedBy: "client" });
    expect(r.verdict).toBe("fits");
    expect(r.marginGiB).toBeCloseTo(kvGiB - (32 * perRequest) / GIB, 9);
  });

  it("limits the concurrency to max_num_seqs", () => {
    const big = fit(target("llama-3.2-1b", "rtx-4080"), { ...WORKLOAD, concurrency: 1000 }, CAL);
    expect(big.concurrency).toEqual({ requested: 1000, effective: 256, limitedBy: "max_num_seqs" });
    // The memory verdict is for the 256 that run: 256 mean requests take 8.63 GiB of 9.60.
    expect(big.verdict).toBe("fits");
    expect(big.marginGiB).toBeCloseTo(kvGiB - (256 * perRequest) / GIB, 9);
  });
});

describe("sliding window: Gemma 3 4B on an RTX 4080 16 GB", () => {
  const r = fit(target("gemma-3-4b", "rtx-4080"), { ...WORKLOAD, maxModelLen: 8192 }, CAL);
  const kvGiB = 14.4 - (4_300_079_472 * 2) / GIB - 2.5;
  const perTokenLayer = 2 * 4 * 256 * 2;
  // 5 global layers hold the whole sequence, the 29 local layers at most 1,024 tokens.
  const perRequest = (5 * 1104 + 29 * 1024) * perTokenLayer;

  it("holds fewer mean requests than the concurrency: tight, capped at what the cache holds", () => {
    expect(r.memory.kvCacheGiB).toBeCloseTo(kvGiB, 12);
    expect(r.kv.bytesPerMaxModelLen).toBe((5 * 8192 + 29 * 1024) * perTokenLayer);
    expect(r.maxConcurrencyAtMeanTokens).toBeCloseTo((kvGiB * GIB) / perRequest, 9);
    expect(Math.floor(r.maxConcurrencyAtMeanTokens)).toBe(28);
    expect(r.concurrency).toEqual({ requested: 32, effective: 28, limitedBy: "kv-cache" });
    expect(r.verdict).toBe("tight");
    expect(r.failure).toBeNull();
    expect(r.reasons.join(" ")).toMatch(/fewer than the concurrency 32: requests wait for KV-cache space/);
  });

  it("without the windows would hold fewer still", () => {
    const full = (34 * 1104 * perTokenLayer) / GIB;
    expect(r.kv.bytesPerMeanRequest / GIB).toBeLessThan(full);
  });
});

describe("mixture of experts: GPT-OSS 20B", () => {
  it("fits an H100 SXM with room for 18.9 sequences of its full 131,072 tokens", () => {
    const r = fit(target("gpt-oss-20b", "h100-sxm"), WORKLOAD, CAL);
    const kvGiB = 72 - 13_761_264_768 / GIB - 2.5;
    const perMaxLen = (12 * 131_072 + 12 * 128) * 2 * 8 * 64 * 2;
    const perRequest = (12 * 1104 + 12 * 128) * 2048;
    expect(r.maxModelLen).toBe(131_072);
    expect(r.memory.weightsGiB).toBeCloseTo(13_761_264_768 / GIB, 12);
    expect(r.maxConcurrencyAtMaxModelLen).toBeCloseTo((kvGiB * GIB) / perMaxLen, 9);
    expect(r.maxConcurrencyAtMaxModelLen).toBeCloseTo(18.875, 2);
    expect(r.maxConcurrencyAtMeanTokens).toBeCloseTo((kvGiB * GIB) / perRequest, 6);
    expect(r.verdict).toBe("fits");
    expect(r.memory.cudaGraphGiB).toBeCloseTo(24 * 0.02, 12);
  });

  it("does not fit an RTX 4080: its 12.8 GiB of weights and the overhead exceed the budget", () => {
    const r = fit(target("gpt-oss-20b", "rtx-4080"), WORKLOAD, CAL);
    expect(r.memory.kvCacheGiB).toBeCloseTo(14.4 - 13_761_264_768 / GIB - 2.5, 12);
    expect(r.verdict).toBe("does not fit");
    expect(r.failure).toBe("no-kv-cache");
    expect(r.concurrency.effective).toBe(0);
    expect(r.largestMaxModelLen).toBeNull();
    expect(r.reasons[0]).toMatch(/weights 12\.82 GiB \+ runtime overhead 2\.50 GiB exceed the budget 14\.40 GiB/);
  });
});

describe("max_model_len", () => {
  it("that needs more KV cache than there is does not start, and the longest that does is given", () => {
    const t = target("qwen3-4b-instruct-2507", "rtx-4080");
    const r = fit(t, WORKLOAD, CAL);
    expect(r.maxModelLen).toBe(262_144);
    expect(r.failure).toBe("max-model-len");
    expect(r.reasons[0]).toMatch(/cannot hold one sequence of max_model_len 262,144 .*vLLM refuses to start/);
    const longest = r.largestMaxModelLen!;
    const kvBytes = r.memory.kvCacheGiB * GIB;
    // 147,456 bytes per token (2 × 8 × 128 × 2 × 36 layers) in 16-token blocks.
    expect(Math.ceil(longest / 16) * 16 * 147_456).toBeLessThanOrEqual(kvBytes);
    expect(Math.ceil((longest + 16) / 16) * 16 * 147_456).toBeGreaterThan(kvBytes);
    expect(fit(t, { ...WORKLOAD, maxModelLen: longest }, CAL).failure).toBeNull();
  });

  it("above the model's maximum, and other bad settings, are refused", () => {
    const t = target("olmo-1b", "rtx-4080");
    expect(() => fit(t, { ...WORKLOAD, maxModelLen: 4096 }, CAL)).toThrow(
      /above the model's max_position_embeddings 2048/,
    );
    expect(() => fit(t, { ...WORKLOAD, gpuMemoryUtilization: 1.2 }, CAL)).toThrow(
      /gpu_memory_utilization must be in \(0, 1\]/,
    );
    expect(() => fit(t, { ...WORKLOAD, concurrency: 0 }, CAL)).toThrow(/concurrency must be a whole number ≥ 1/);
  });
});

describe("against vLLM's own figures", () => {
  const cal = calibrateMemory(memoryPoints(catalog));

  it("calibrates the overhead on the A100 log and reproduces its KV tokens and concurrency", () => {
    // The overhead is calibrated on this log, so this checks the arithmetic end to end:
    // 1,131,008 tokens × 28,672 bytes (2 × 2 KV heads × 128 × 2 × 28 layers), 8.63× at 131,072.
    const r = fit(target("deepseek-r1-distill-qwen-1.5b", "a100-40gb"), { ...WORKLOAD, maxModelLen: 131_072 }, cal);
    expect(r.kv.bytesPerTokenAllLayers).toBe(28_672);
    expect(Math.abs(r.kv.capacityTokens - 1_131_008)).toBeLessThanOrEqual(16);
    expect(r.maxConcurrencyAtMaxModelLen).toBeCloseTo(8.63, 2);
    expect(cal.overheadGiB).toBeCloseTo(0.9 * 40 - 3.31 - (1_131_008 * 28_672) / GIB, 1);
    // vLLM logged 3.3466 GiB for the weights: 1.1% above parameters × 2 bytes (buffers).
    expect(r.memory.weightsGiB / 3.3466 - 1).toBeCloseTo(-0.011, 3);
  });

  it("puts CUDA graphs within 15% of each log's figure", () => {
    const graphs = (model: string, gpu: string) =>
      fit(target(model, gpu), { ...WORKLOAD, maxModelLen: 4096 }, cal).memory.cudaGraphGiB;
    expect(graphs("deepseek-r1-distill-qwen-1.5b", "a100-40gb") / 0.45 - 1).toBeLessThan(0.15);
    expect(Math.abs(graphs("qwen2.5-32b-gptq-int4", "rtx-5090") / 0.95 - 1)).toBeLessThan(0.15);
    expect(Math.abs(graphs("qwen3-4b", "rtx-4080") / 0.7 - 1)).toBeLessThan(0.15);
  });

  it("comes close to the users' Qwen 3 4B breakdown (7.6 GB weights, ~2 GB KV, ~0.7 GB graphs, ~11 GB) at gpu_util 0.8", () => {
    const r = fit(target("qwen3-4b", "rtx-4080"), { ...WORKLOAD, gpuMemoryUtilization: 0.8, maxModelLen: 8192 }, cal);
    expect(Math.abs(r.memory.weightsGiB / 7.6 - 1)).toBeLessThan(0.03);
    // The report rounds the KV cache to "~2 GB"; the fit gives 2.8 GiB.
    expect(Math.abs(r.memory.kvCacheGiB - 2)).toBeLessThan(1);
    expect(Math.abs(r.memory.cudaGraphGiB - 0.7)).toBeLessThan(0.15);
    // The report's total is "model + KV cache + CUDA graphs".
    expect(Math.abs(r.memory.weightsGiB + r.memory.kvCacheGiB + r.memory.cudaGraphGiB - 11)).toBeLessThan(1);
  });

  it("needs a start-up figure to calibrate on", () => {
    expect(() => calibrateMemory([])).toThrow(/no vLLM start-up figure to calibrate the runtime overhead on/);
  });
});
