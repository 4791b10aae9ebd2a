// Parameter counts, weight bytes, KV bytes and FLOPs against hand-computed values for a dense
// model (Llama 3.2 1B), a sliding-window model with a vision tower (Gemma 3 4B) and a mixture of
// experts (GPT-OSS 20B).
import { describe, expect, it } from "vitest";
import {
  decodeWeightBytes,
  distinctExperts,
  kvBytesPerSequence,
  kvBytesPerToken,
  kvReadBytes,
  parameterBreakdown,
  prefillFlops,
  weightBytes,
} from "../../data-loaders/analysis/architecture.ts";
import { findFormat, findModel, loadCatalog } from "../../data-loaders/hardware/catalog.ts";

const catalog = loadCatalog();
const arch = (name: string) => findModel(catalog, name).arch;
const format = (id: string) => findFormat(catalog, id);

describe("dense: Llama 3.2 1B", () => {
  const a = arch("llama-3.2-1b");
  it("counts its parameters layer by layer", () => {
    // embedding 128,256 × 2,048 (tied: it is also the output layer); per layer q 2048², k and v
    // 2048 × 512, o 2048², MLP 3 × 2048 × 8192, two norms of 2048; a final norm.
    const embedding = 128_256 * 2_048;
    const perLayer = 2 * 2048 * 2048 + 2 * 2048 * 512 + 3 * 2048 * 8192 + 2 * 2048;
    const p = parameterBreakdown(a);
    expect(p.embedding).toBe(embedding);
    expect(p.outputLayer).toBe(0);
    expect(p.total).toBe(embedding + 16 * perLayer + 2048);
    expect(p.total).toBe(1_235_814_400);
    expect(p.activePerToken).toBe(p.total);
  });

  it("sizes weights per format", () => {
    expect(weightBytes(a, format("bf16")).total).toBe(1_235_814_400 * 2);
    // fp8 covers the decoder's projections and MLP; the (tied) embedding and norms stay 16-bit.
    const linear = 16 * (2 * 2048 * 2048 + 2 * 2048 * 512 + 3 * 2048 * 8192);
    const rest = 1_235_814_400 - linear;
    expect(weightBytes(a, format("fp8")).total).toBe(linear * 1 + rest * 2);
    // Q4_0 covers every matrix, embeddings included.
    expect(weightBytes(a, format("gguf-q4_0")).total).toBeCloseTo(
      (linear + 128_256 * 2_048) * (4.5 / 8) + (16 * 2 * 2048 + 2048) * 2,
      3,
    );
  });

  it("stores 2 × 8 KV heads × 64 × 2 bytes per token and layer, in 16-token blocks", () => {
    expect(kvBytesPerToken(a, 2)).toBe(2 * 8 * 64 * 2 * 16);
    expect(kvBytesPerSequence(a, 1096, 2)).toBe(Math.ceil(1096 / 16) * 16 * 32_768);
    expect(kvReadBytes(a, 150, 2)).toBe(150 * 32_768);
    expect(decodeWeightBytes(a, weightBytes(a, format("bf16")), 32)).toBe(1_235_814_400 * 2);
  });

  it("counts prefill FLOPs as matrices plus causal attention", () => {
    // 2 FLOPs per parameter and token, and 4 × 32 heads × 64 per attended token and layer;
    // 100 tokens attend 1 + 2 + … + 100 = 5,050 tokens per layer.
    expect(prefillFlops(a, 100)).toBe(2 * 1_235_814_400 * 100 + 4 * 32 * 64 * 16 * 5_050);
  });
});

describe("sliding window and vision tower: Gemma 3 4B", () => {
  const a = arch("gemma-3-4b");
  it("counts the text decoder, the SigLIP tower and the projector", () => {
    const perLayer = 2 * 2560 * 8 * 256 + 2 * 2560 * 4 * 256 + 3 * 2560 * 10240 + 4 * 2560 + 2 * 256; // q/k/v/o, MLP, 4 norms, q/k norms
    const text = 262_208 * 2560 + 34 * perLayer + 2560;
    const visionLayer = 4 * 1152 + 4 * (1152 * 1152 + 1152) + 2 * 1152 * 4304 + 4304 + 1152;
    const vision = 3 * 14 * 14 * 1152 + 1152 + 64 * 64 * 1152 + 27 * visionLayer + 2 * 1152 + 1152 * 2560 + 1152;
    const p = parameterBreakdown(a);
    expect(p.vision).toBe(vision);
    expect(p.total).toBe(text + vision);
    expect(p.total).toBe(4_300_079_472);
    expect(p.activePerToken).toBe(text);
  });

  it("caps the 29 sliding layers at their 1,024-token window", () => {
    const perTokenLayer = 2 * 4 * 256 * 2;
    // 5 global layers hold all 8,192 tokens; 29 local layers 1,024.
    expect(kvBytesPerSequence(a, 8192, 2)).toBe((5 * 8192 + 29 * 1024) * perTokenLayer);
    // A 1,096-token request: 1,104 tokens (69 blocks) in the global layers.
    expect(kvBytesPerSequence(a, 1096, 2)).toBe((5 * 1104 + 29 * 1024) * perTokenLayer);
    expect(kvBytesPerSequence(a, 500, 2)).toBe(34 * 512 * perTokenLayer);
    // Vision weights are loaded but not read by a decode step.
    const w = weightBytes(a, format("bf16"));
    expect(decodeWeightBytes(a, w, 1)).toBe(w.total - w.vision);
  });
});

describe("mixture of experts: GPT-OSS 20B", () => {
  const a = arch("gpt-oss-20b");
  const experts = 24 * 32 * 3 * 2880 * 2880;
  const attention = 24 * (2 * 2880 * 4096 + 2 * 2880 * 512);
  // per layer: q/k/v/o biases (4096 + 512 + 512 + 2880), 2 norms, 64 sinks, router 2880 × 32 + 32,
  // expert biases 32 × (2 × 2880 + 2880); plus the final norm.
  const small = 24 * (4096 + 1024 + 2880 + 2 * 2880 + 64 + 2880 * 32 + 32 + 32 * (5760 + 2880)) + 2880;
  const vocab = 201_088 * 2880;

  it("counts 20.9B parameters, 3.6B of them active per token", () => {
    const p = parameterBreakdown(a);
    expect([p.embedding, p.outputLayer, p.attention, p.experts, p.small]).toEqual([
      vocab,
      vocab,
      attention,
      experts,
      small,
    ]);
    expect(p.total).toBe(20_914_757_184);
    expect(p.activePerToken).toBe(attention + experts / 8 + small + vocab);
  });

  it("stores the experts in MXFP4 (4.25 bits) and everything else in bfloat16", () => {
    const w = weightBytes(a, format("mxfp4"));
    expect(w.experts).toBe(experts * (4.25 / 8));
    expect(w.total).toBe(experts * (4.25 / 8) + (20_914_757_184 - experts) * 2);
    expect(w.total).toBe(13_761_264_768);
  });

  it("reads only the experts the batch was routed to", () => {
    expect(distinctExperts(a.moe!, 1)).toBeCloseTo(4, 12);
    expect(distinctExperts(a.moe!, 32)).toBeCloseTo(32 * (1 - (28 / 32) ** 32), 12);
    const w = weightBytes(a, format("mxfp4"));
    const base = (attention + small) * 2 + vocab * 2;
    expect(decodeWeightBytes(a, w, 1)).toBeCloseTo(base + (experts * (4.25 / 8) * 4) / 32, 3);
    expect(decodeWeightBytes(a, w, 1)).toBeCloseTo(3_719_695_488, 3);
  });

  it("keeps 128 tokens in the 12 sliding layers", () => {
    expect(kvBytesPerSequence(a, 131_072, 2)).toBe((12 * 131_072 + 12 * 128) * 2 * 8 * 64 * 2);
    expect(kvReadBytes(a, 1000, 1)).toBe((12 * 1000 + 12 * 128) * 2 * 8 * 64);
  });
});
