// Sizes that follow from a model's architecture (data-loaders/hardware/hf-config.ts): parameter
// counts, weight bytes in a given format, KV-cache bytes, and the bytes and FLOPs of one forward
// pass. The fit (fit.ts) and speed (roofline.ts) models are built on these.
//
// Parameters (H = hidden size, L = layers, A = attention heads, K = KV heads, d = head dim,
// V = vocabulary, I = MLP width; E experts of width I_e, k active per token):
//   embedding            V·H                       (the output layer is the same matrix when tied)
//   output layer         V·H, or 0 when tied
//   attention per layer  H·A·d (q) + 2·H·K·d (k, v) + A·d·H (o)
//   MLP per layer        3·H·I (gate, up, down), or E·3·H·I_e for the experts
//   small per layer      biases (q/k/v[/o]), q/k norms (2·d per head, or (A+K)·d over the whole
//                        projection), norms (n·H), attention sinks (A), router (H·E [+E]), expert
//                        biases (E·(2·I_e + H)); plus the final norm (H)
//   vision               SigLIP tower: patch embedding (C·p²·H_v + H_v), positions ((S/p)²·H_v),
//                        per layer 2 layer norms (4·H_v) + 4 attention projections with bias
//                        (4·(H_v² + H_v)) + MLP (2·H_v·I_v + I_v + H_v), a final layer norm (2·H_v);
//                        Gemma 3's projector H_v·H + its norm H_v
//   active per token     everything a token multiplies: attention + MLP (k/E of the experts) +
//                        small + output layer (the input embedding is a lookup, not a product)
// Weight bytes: a format's bits per weight (quantizations.json) apply to its scope: "all" = the
// decoder's matrices and the embeddings, "linear" = the decoder's projection and MLP matrices,
// "experts" = the expert matrices; everything else (norms, biases, router, vision) stays 16-bit.
// KV cache: 2 (K and V) · K · d · bytes per element per token and layer; a sliding-window layer
// holds at most its window of tokens. vLLM allocates blocks of 16 tokens per layer.
// One decode step of B sequences reads every weight it multiplies once: the non-expert weights,
// the output layer and, for a mixture of experts, the experts any of the B tokens was routed to —
// E·(1 − (1 − k/E)^B) of them per layer, assuming uniform routing — plus each sequence's KV cache.
// FLOPs: 2 per multiply-add: 2·(active parameters) per token, plus attention 4·A·d per layer and
// attended token (scores and the weighted sum); a prompt of P tokens attends 1 + 2 + … + P tokens
// per full layer (P·(P+1)/2), a sliding layer at most its window per token.
import type { ModelArch } from "../hardware/hf-config.ts";

/** vLLM's KV-cache block size (tokens per block). */
export const KV_BLOCK_TOKENS = 16;
export const GIB = 1024 ** 3;

export interface ParameterBreakdown {
  embedding: number;
  /** 0 when the output layer is tied to the embedding. */
  outputLayer: number;
  attention: number;
  mlp: number;
  experts: number;
  /** Biases, norm weights, attention sinks and the router. */
  small: number;
  vision: number;
  total: number;
  /** Parameters one token multiplies (see the header). */
  activePerToken: number;
}

export function parameterBreakdown(arch: ModelArch): ParameterBreakdown {
  const { hiddenSize: h, layers, attentionHeads: a, kvHeads: k, headDim: d, vocabSize: v } = arch;
  const embedding = v * h;
  const outputLayer = arch.tieWordEmbeddings ? 0 : v * h;
  const attention = layers * (2 * h * a * d + 2 * h * k * d);
  const mlp = layers * 3 * h * arch.intermediateSize;
  const moe = arch.moe;
  const experts = moe ? layers * moe.experts * 3 * h * moe.expertIntermediateSize : 0;
  const small = layers * smallPerLayer(arch) + (arch.layout.finalNorm ? h : 0);
  const vision = visionParameters(arch);
  const activeExperts = moe ? (experts * moe.activeExperts) / moe.experts : 0;
  const output = arch.tieWordEmbeddings ? embedding : outputLayer;
  return {
    embedding,
    outputLayer,
    attention,
    mlp,
    experts,
    small,
    vision,
    total: embedding + outputLayer + attention + mlp + experts + small + vision,
    activePerToken: attention + mlp + activeExperts + small + output,
  };
}

function smallPerLayer(arch: ModelArch): number {
  const { hiddenSize: h, attentionHeads: a, kvHeads: k, headDim: d, layout } = arch;
  const qkv = a * d + 2 * k * d;
  const bias = layout.attentionBias === "qkv" ? qkv : layout.attentionBias === "qkvo" ? qkv + h : 0;
  const qkNorm = layout.qkNorm === "per-head" ? 2 * d : layout.qkNorm === "full" ? a * d + k * d : 0;
  const sinks = layout.attentionSinks ? a : 0;
  const moe = arch.moe;
  const router = moe ? h * moe.experts + (layout.routerBias ? moe.experts : 0) : 0;
  const expertBias = moe && layout.expertBias ? moe.experts * (2 * moe.expertIntermediateSize + h) : 0;
  return bias + qkNorm + layout.normsPerLayer * h + sinks + router + expertBias;
}

function visionParameters(arch: ModelArch): number {
  const t = arch.vision;
  if (!t) return 0;
  const hv = t.hiddenSize;
  const patches = (t.imageSize / t.patchSize) ** 2;
  const embeddings = t.channels * t.patchSize ** 2 * hv + hv + patches * hv;
  const layer = 4 * hv + 4 * (hv * hv + hv) + 2 * hv * t.intermediateSize + t.intermediateSize + hv;
  const projector = hv * arch.hiddenSize + hv;
  return embeddings + t.layers * layer + 2 * hv + projector;
}

/** How a weight format stores parameters (a quantizations.json entry). */
export interface WeightFormatSpec {
  id: string;
  bitsPerWeight: number;
  scope: "all" | "linear" | "experts";
}

export interface WeightBytes {
  /** Everything loaded on the GPU. */
  total: number;
  embedding: number;
  outputLayer: number;
  /** Attention and dense-MLP matrices plus the small parameters (read by every decode step). */
  dense: number;
  experts: number;
  vision: number;
}

const SIXTEEN_BITS = 2;

export function weightBytes(arch: ModelArch, format: WeightFormatSpec): WeightBytes {
  const p = parameterBreakdown(arch);
  const bytes = format.bitsPerWeight / 8;
  const inScope = (part: "embedding" | "linear" | "experts") =>
    format.scope === "all" || (format.scope === "linear" && part !== "embedding") || format.scope === part
      ? bytes
      : SIXTEEN_BITS;
  const embedding = p.embedding * inScope("embedding");
  const outputLayer = p.outputLayer * inScope("embedding");
  const dense = (p.attention + p.mlp) * inScope("linear") + p.small * SIXTEEN_BITS;
  const experts = p.experts * inScope("experts");
  const vision = p.vision * SIXTEEN_BITS;
  return { total: embedding + outputLayer + dense + experts + vision, embedding, outputLayer, dense, experts, vision };
}

/** Expected distinct experts per layer that B tokens are routed to (uniform routing). */
export function distinctExperts(moe: NonNullable<ModelArch["moe"]>, batch: number): number {
  return moe.experts * (1 - (1 - moe.activeExperts / moe.experts) ** batch);
}

/** Weight bytes one decode step of `batch` sequences reads (see the header). */
export function decodeWeightBytes(arch: ModelArch, w: WeightBytes, batch: number): number {
  const output = arch.tieWordEmbeddings ? w.embedding : w.outputLayer;
  const experts = arch.moe ? (w.experts * distinctExperts(arch.moe, batch)) / arch.moe.experts : 0;
  return w.dense + output + experts;
}

/** KV bytes of one token in one layer: K and V, each kvHeads × headDim elements. */
export function kvBytesPerTokenLayer(arch: ModelArch, bytesPerElement: number): number {
  return 2 * arch.kvHeads * arch.headDim * bytesPerElement;
}

/** KV bytes of one token in every layer (what a full-attention model stores per token). */
export function kvBytesPerToken(arch: ModelArch, bytesPerElement: number): number {
  return kvBytesPerTokenLayer(arch, bytesPerElement) * arch.layers;
}

/** Tokens a layer keeps for a sequence of `tokens` (capped at its window). */
function keptTokens(window: number | null, tokens: number): number {
  return window === null ? tokens : Math.min(tokens, window);
}

/** KV bytes a sequence of `tokens` occupies, in whole 16-token blocks per layer (as vLLM allocates). */
export function kvBytesPerSequence(arch: ModelArch, tokens: number, bytesPerElement: number): number {
  const perToken = kvBytesPerTokenLayer(arch, bytesPerElement);
  let blocks = 0;
  for (const window of arch.layerWindows) blocks += Math.ceil(keptTokens(window, tokens) / KV_BLOCK_TOKENS);
  return blocks * KV_BLOCK_TOKENS * perToken;
}

/** KV bytes one decode step reads for a sequence holding `context` tokens (no block rounding). */
export function kvReadBytes(arch: ModelArch, context: number, bytesPerElement: number): number {
  const perToken = kvBytesPerTokenLayer(arch, bytesPerElement);
  let tokens = 0;
  for (const window of arch.layerWindows) tokens += keptTokens(window, context);
  return tokens * perToken;
}

/** FLOPs of one token's attention over `context` tokens, all layers. */
export function attentionFlops(arch: ModelArch, context: number): number {
  let tokens = 0;
  for (const window of arch.layerWindows) tokens += keptTokens(window, context);
  return 4 * arch.attentionHeads * arch.headDim * tokens;
}

/** FLOPs of prefilling a prompt of `prompt` tokens: matrices plus causal attention. */
export function prefillFlops(arch: ModelArch, prompt: number): number {
  const active = parameterBreakdown(arch).activePerToken;
  let attended = 0;
  for (const window of arch.layerWindows) {
    const w = window === null ? prompt : Math.min(window, prompt);
    // Tokens 1..w attend to themselves and everything before; later ones to the last w.
    attended += (w * (w + 1)) / 2 + (prompt - w) * w;
  }
  return 2 * active * prompt + 4 * arch.attentionHeads * arch.headDim * attended;
}
