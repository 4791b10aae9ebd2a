// A Hugging Face `config.json` read into the architecture facts the fit and speed models use
// (layers, widths, heads, attention layout, experts, vision tower, checkpoint dtype and
// quantisation). The model catalog (models.json) stores each model's config.json values and goes
// through the same reader, so a model given as `--config path/config.json` is treated exactly
// like a catalog entry.
//
// What is read, per `model_type` (the layouts the tracker knows; any other type is refused,
// because norms, biases and attention layout change the parameter count):
//   llama, mistral, qwen2, qwen3, qwen3_moe, gemma3_text (and gemma3 with text_config +
//   vision_config), olmo, olmo2, gpt_oss, mixtral.
// Fields that size the model (hidden_size, num_hidden_layers, num_attention_heads, vocab_size,
// intermediate_size or the expert fields, max_position_embeddings) must be present: a missing one
// is an error naming it. Only fields that Transformers itself fills in when config.json leaves
// them out take a default, and every default used is listed in `defaultsApplied` (shown with the
// plan): num_key_value_heads = num_attention_heads, head_dim = hidden_size / num_attention_heads
// (or the config class's fixed default), tie_word_embeddings and attention_bias = the config
// class's default, a missing torch_dtype = float32 (which vLLM serves in 16 bits).
import { readFileSync } from "node:fs";
import { z } from "zod";
import { SpecError, specErrorsFromZod } from "../experiment/errors.ts";

const positive = () => z.number().int().positive();

const textFields = {
  model_type: z.string().optional(),
  architectures: z.array(z.string()).optional(),
  hidden_size: positive().optional(),
  intermediate_size: positive().optional(),
  moe_intermediate_size: positive().optional(),
  num_hidden_layers: positive().optional(),
  num_attention_heads: positive().optional(),
  num_key_value_heads: positive().optional(),
  head_dim: positive().nullable().optional(),
  vocab_size: positive().optional(),
  max_position_embeddings: positive().optional(),
  tie_word_embeddings: z.boolean().optional(),
  attention_bias: z.boolean().optional(),
  sliding_window: positive().nullable().optional(),
  sliding_window_pattern: positive().optional(),
  use_sliding_window: z.boolean().optional(),
  max_window_layers: z.number().int().min(0).optional(),
  layer_types: z.array(z.string()).optional(),
  num_local_experts: positive().optional(),
  num_experts: positive().optional(),
  num_experts_per_tok: positive().optional(),
  experts_per_token: positive().optional(),
  decoder_sparse_step: positive().optional(),
  mlp_only_layers: z.array(z.number().int().min(0)).optional(),
  torch_dtype: z.string().nullable().optional(),
  dtype: z.string().nullable().optional(),
  quantization_config: z.looseObject({ quant_method: z.string(), bits: z.number().optional() }).optional(),
};

const visionSchema = z.looseObject({
  model_type: z.string().optional(),
  hidden_size: positive(),
  intermediate_size: positive(),
  num_hidden_layers: positive(),
  patch_size: positive(),
  image_size: positive(),
  num_channels: positive().optional(),
});

/** The part of a config.json the tracker reads; every other field is ignored. */
export const hfConfigSchema = z.looseObject({
  ...textFields,
  text_config: z.looseObject(textFields).optional(),
  vision_config: visionSchema.optional(),
});
export type HfConfig = z.infer<typeof hfConfigSchema>;

export type CheckpointDtype = "bfloat16" | "float16" | "float32";

export interface ModelLayout {
  /** Biases on the attention projections: none, q/k/v only (Qwen 2), or q/k/v/o. */
  attentionBias: "none" | "qkv" | "qkvo";
  /** RMSNorm on queries and keys: none, per head (head_dim weights each), or over the whole projection (OLMo 2). */
  qkNorm: "none" | "per-head" | "full";
  /** Norm weight vectors of hidden_size per layer (OLMo's layer norm has none). */
  normsPerLayer: number;
  finalNorm: boolean;
  /** One learned attention-sink logit per head and layer (gpt-oss). */
  attentionSinks: boolean;
  /** Biases on the expert projections and the router (gpt-oss). */
  expertBias: boolean;
  routerBias: boolean;
}

export interface VisionTower {
  kind: "siglip";
  hiddenSize: number;
  intermediateSize: number;
  layers: number;
  patchSize: number;
  imageSize: number;
  channels: number;
}

/** A model's architecture as the fit and speed models need it. */
export interface ModelArch {
  modelType: string;
  architecture: string | null;
  hiddenSize: number;
  layers: number;
  attentionHeads: number;
  kvHeads: number;
  headDim: number;
  vocabSize: number;
  maxPositions: number;
  /** Dense MLP width (0 for a mixture-of-experts model). */
  intermediateSize: number;
  tieWordEmbeddings: boolean;
  /** Per layer: the sliding-window length in tokens, or null for full attention. */
  layerWindows: (number | null)[];
  moe: { experts: number; activeExperts: number; expertIntermediateSize: number } | null;
  layout: ModelLayout;
  vision: VisionTower | null;
  checkpointDtype: CheckpointDtype;
  /** quantization_config of the checkpoint, when it has one. */
  quantization: { method: string; bits: number | null } | null;
  /** Fields config.json left out and that took their Transformers default (listed with the plan). */
  defaultsApplied: string[];
}

interface Traits {
  layout: Omit<ModelLayout, "attentionBias"> & { attentionBias: "none" | "qkv" | "config" };
  tieDefault: boolean;
  /** head_dim when config.json leaves it out: a fixed class default, or hidden_size / heads. */
  headDimDefault: number | "hidden/heads";
  sliding: "none" | "gemma3" | "mistral" | "qwen2" | "layer-types";
  moe: boolean;
}

const PLAIN = {
  qkNorm: "none",
  normsPerLayer: 2,
  finalNorm: true,
  attentionSinks: false,
  expertBias: false,
  routerBias: false,
} as const;

// What each config class implies beyond its fields (Transformers' modelling code for the type).
const TRAITS: Record<string, Traits> = {
  llama: {
    layout: { ...PLAIN, attentionBias: "config" },
    tieDefault: false,
    headDimDefault: "hidden/heads",
    sliding: "none",
    moe: false,
  },
  mistral: {
    layout: { ...PLAIN, attentionBias: "none" },
    tieDefault: false,
    headDimDefault: "hidden/heads",
    sliding: "mistral",
    moe: false,
  },
  qwen2: {
    layout: { ...PLAIN, attentionBias: "qkv" },
    tieDefault: false,
    headDimDefault: "hidden/heads",
    sliding: "qwen2",
    moe: false,
  },
  qwen3: {
    layout: { ...PLAIN, attentionBias: "config", qkNorm: "per-head" },
    tieDefault: false,
    headDimDefault: 128,
    sliding: "qwen2",
    moe: false,
  },
  qwen3_moe: {
    layout: { ...PLAIN, attentionBias: "config", qkNorm: "per-head" },
    tieDefault: false,
    headDimDefault: 128,
    sliding: "qwen2",
    moe: true,
  },
  gemma3_text: {
    layout: { ...PLAIN, attentionBias: "config", qkNorm: "per-head", normsPerLayer: 4 },
    tieDefault: true,
    headDimDefault: 256,
    sliding: "gemma3",
    moe: false,
  },
  olmo: {
    layout: { ...PLAIN, attentionBias: "config", normsPerLayer: 0, finalNorm: false },
    tieDefault: false,
    headDimDefault: "hidden/heads",
    sliding: "none",
    moe: false,
  },
  olmo2: {
    layout: { ...PLAIN, attentionBias: "config", qkNorm: "full" },
    tieDefault: false,
    headDimDefault: "hidden/heads",
    sliding: "none",
    moe: false,
  },
  gpt_oss: {
    layout: { ...PLAIN, attentionBias: "config", attentionSinks: true, expertBias: true, routerBias: true },
    tieDefault: false,
    headDimDefault: 64,
    sliding: "layer-types",
    moe: true,
  },
  mixtral: {
    layout: { ...PLAIN, attentionBias: "none" },
    tieDefault: false,
    headDimDefault: "hidden/heads",
    sliding: "mistral",
    moe: true,
  },
};

export const KNOWN_MODEL_TYPES = Object.keys(TRAITS);

type TextConfig = z.infer<z.ZodObject<typeof textFields>>;

/** Reads and validates a config.json file (errors name the file and field). */
export function readHfConfigFile(path: string): ModelArch {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new SpecError(path, "", `cannot read a JSON config: ${(e as Error).message}`);
  }
  return modelArchFromConfig(raw, path);
}

/** Turns config.json values into a ModelArch; `file` names the source in errors. */
export function modelArchFromConfig(raw: unknown, file: string, field = ""): ModelArch {
  const parsed = hfConfigSchema.safeParse(raw);
  if (!parsed.success) throw specErrorsFromZod(file, parsed.error.issues, "config", field ? [field] : [])[0]!;
  const outer = parsed.data;
  const text: TextConfig = outer.text_config
    ? { ...outer.text_config, model_type: outer.text_config.model_type ?? `${outer.model_type}_text` }
    : outer;
  const at = (name: string) => (field ? `${field}.` : "") + (outer.text_config ? `text_config.${name}` : name);
  const modelType = text.model_type;
  if (!modelType) throw new SpecError(file, at("model_type"), "missing: the tracker needs it to know the layout");
  const traits = TRAITS[modelType];
  if (!traits)
    throw new SpecError(
      file,
      at("model_type"),
      `"${modelType}": its layout (norms, biases, attention) is not known to the tracker; known: ${KNOWN_MODEL_TYPES.join(", ")}`,
    );
  return buildArch(outer, text, traits, { file, at, modelType });
}

interface Where {
  file: string;
  at: (name: string) => string;
  modelType: string;
}

function buildArch(outer: HfConfig, text: TextConfig, traits: Traits, where: Where): ModelArch {
  const defaults: string[] = [];
  const need = requireFields(text, traits, where);
  const heads = need.num_attention_heads;
  const kvHeads =
    text.num_key_value_heads ?? defaulted(defaults, "num_key_value_heads", heads, "= num_attention_heads");
  const headDim =
    text.head_dim ??
    (traits.headDimDefault === "hidden/heads"
      ? defaulted(defaults, "head_dim", need.hidden_size / heads, "= hidden_size / num_attention_heads")
      : defaulted(defaults, "head_dim", traits.headDimDefault, `the ${where.modelType} default`));
  const tie =
    text.tie_word_embeddings ??
    outer.tie_word_embeddings ??
    defaulted(defaults, "tie_word_embeddings", traits.tieDefault, `the ${where.modelType} default`);
  const bias = attentionBias(traits, text, defaults, where.modelType);
  const moe = traits.moe ? readMoe(text, where) : null;
  return {
    modelType: where.modelType,
    architecture: (outer.architectures ?? text.architectures)?.[0] ?? null,
    hiddenSize: need.hidden_size,
    layers: need.num_hidden_layers,
    attentionHeads: heads,
    kvHeads,
    headDim,
    vocabSize: need.vocab_size,
    maxPositions: need.max_position_embeddings,
    intermediateSize: moe ? 0 : need.intermediate_size,
    tieWordEmbeddings: tie,
    layerWindows: layerWindows(text, traits, need.num_hidden_layers, defaults, where),
    moe,
    layout: { ...traits.layout, attentionBias: bias },
    vision: outer.vision_config ? readVision(outer.vision_config) : null,
    checkpointDtype: checkpointDtype(outer, text, defaults, where),
    quantization: readQuantization(outer.quantization_config ?? text.quantization_config),
    defaultsApplied: defaults,
  };
}

function defaulted<T>(defaults: string[], name: string, value: T, why: string): T {
  defaults.push(`${name} = ${String(value)} (not in config.json: ${why})`);
  return value;
}

const SIZING = [
  "hidden_size",
  "num_hidden_layers",
  "num_attention_heads",
  "vocab_size",
  "max_position_embeddings",
  "intermediate_size",
] as const;

type Sized = Required<Pick<TextConfig, (typeof SIZING)[number]>> & TextConfig;

function requireFields(text: TextConfig, traits: Traits, where: Where): Sized {
  // A mixture of experts sizes its experts with its own fields (readMoe).
  const sizing = SIZING.filter((name) => !(traits.moe && name === "intermediate_size"));
  const missing = sizing.filter((name) => text[name] === undefined);
  if (missing.length)
    throw new SpecError(
      where.file,
      missing.map(where.at).join(", "),
      missing.length === 1
        ? "missing: this field sizes the model and has no default"
        : "missing: these fields size the model and have no default",
    );
  return text as Sized;
}

function attentionBias(
  traits: Traits,
  text: TextConfig,
  defaults: string[],
  modelType: string,
): ModelLayout["attentionBias"] {
  if (traits.layout.attentionBias !== "config") return traits.layout.attentionBias;
  const on = text.attention_bias ?? defaulted(defaults, "attention_bias", false, `the ${modelType} default`);
  return on ? "qkvo" : "none";
}

function readMoe(text: TextConfig, where: Where): NonNullable<ModelArch["moe"]> {
  const experts = text.num_local_experts ?? text.num_experts;
  const active = text.num_experts_per_tok ?? text.experts_per_token;
  const width = text.moe_intermediate_size ?? text.intermediate_size;
  const missing = [
    experts === undefined ? "num_local_experts (or num_experts)" : null,
    active === undefined ? "num_experts_per_tok" : null,
    width === undefined ? "moe_intermediate_size (or intermediate_size)" : null,
  ].filter((m): m is string => m !== null);
  if (missing.length)
    throw new SpecError(where.file, missing.map(where.at).join(", "), "missing: a mixture-of-experts model needs them");
  if ((text.decoder_sparse_step ?? 1) !== 1 || (text.mlp_only_layers ?? []).length > 0)
    throw new SpecError(
      where.file,
      where.at("mlp_only_layers"),
      "models that mix dense and expert layers are not modelled",
    );
  if (active! > experts!)
    throw new SpecError(where.file, where.at("num_experts_per_tok"), `${active} is more than the ${experts} experts`);
  return { experts: experts!, activeExperts: active!, expertIntermediateSize: width! };
}

function layerWindows(
  text: TextConfig,
  traits: Traits,
  layers: number,
  defaults: string[],
  where: Where,
): (number | null)[] {
  const window = text.sliding_window ?? null;
  if (text.layer_types) {
    if (text.layer_types.length !== layers)
      throw new SpecError(
        where.file,
        where.at("layer_types"),
        `has ${text.layer_types.length} entries for ${layers} layers`,
      );
    if (text.layer_types.some((t) => t === "sliding_attention") && window === null)
      throw new SpecError(where.file, where.at("sliding_window"), "missing: layer_types has sliding-attention layers");
    return text.layer_types.map((t) => (t === "sliding_attention" ? window : null));
  }
  switch (traits.sliding) {
    case "none":
      return Array(layers).fill(null);
    case "mistral":
      return Array(layers).fill(window);
    case "qwen2": {
      // Qwen 2/3: the sliding window applies only with use_sliding_window, to layers from max_window_layers on.
      if (!text.use_sliding_window || window === null) return Array(layers).fill(null);
      const from = text.max_window_layers ?? layers;
      return Array.from({ length: layers }, (_, i) => (i >= from ? window : null));
    }
    case "gemma3": {
      if (window === null)
        throw new SpecError(
          where.file,
          where.at("sliding_window"),
          "missing: Gemma 3 alternates local and global layers",
        );
      const every =
        text.sliding_window_pattern ?? defaulted(defaults, "sliding_window_pattern", 6, "the gemma3 default");
      // Every `every`-th layer (1-based) attends globally, the others within the window.
      return Array.from({ length: layers }, (_, i) => ((i + 1) % every === 0 ? null : window));
    }
    case "layer-types":
      throw new SpecError(
        where.file,
        where.at("layer_types"),
        `missing: ${where.modelType} lists its attention type per layer`,
      );
  }
}

function readVision(v: z.infer<typeof visionSchema>): VisionTower {
  return {
    kind: "siglip",
    hiddenSize: v.hidden_size,
    intermediateSize: v.intermediate_size,
    layers: v.num_hidden_layers,
    patchSize: v.patch_size,
    imageSize: v.image_size,
    channels: v.num_channels ?? 3,
  };
}

function checkpointDtype(outer: HfConfig, text: TextConfig, defaults: string[], where: Where): CheckpointDtype {
  const value = outer.torch_dtype ?? outer.dtype ?? text.torch_dtype ?? text.dtype;
  if (value === undefined || value === null)
    return defaulted(defaults, "torch_dtype", "float32", "Transformers' default; vLLM serves it in 16 bits");
  if (value === "bfloat16" || value === "float16" || value === "float32") return value;
  throw new SpecError(where.file, "torch_dtype", `"${value}": expected bfloat16, float16 or float32`);
}

function readQuantization(q: TextConfig["quantization_config"]): ModelArch["quantization"] {
  return q ? { method: q.quant_method, bits: q.bits ?? null } : null;
}
