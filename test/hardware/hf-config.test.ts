// Reading a Hugging Face config.json: what sizes the model must be there, defaults are labelled,
// attention layouts (sliding windows, layer types) and experts are read per model_type.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { modelArchFromConfig, readHfConfigFile } from "../../data-loaders/hardware/hf-config.ts";
import { SpecError } from "../../data-loaders/experiment/errors.ts";
import { tempDir } from "../helpers/temp.ts";

const tmp = tempDir("hf-config");
afterAll(() => tmp.cleanup());

const LLAMA = {
  model_type: "llama",
  architectures: ["LlamaForCausalLM"],
  hidden_size: 2048,
  intermediate_size: 8192,
  num_hidden_layers: 16,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  head_dim: 64,
  vocab_size: 128256,
  max_position_embeddings: 131072,
  tie_word_embeddings: true,
  attention_bias: false,
  torch_dtype: "bfloat16",
};

function error(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return e as SpecError;
  }
  throw new Error("expected an error");
}

describe("config.json → architecture", () => {
  it("reads a dense model's sizes, with nothing defaulted when config.json has every field", () => {
    const a = modelArchFromConfig(LLAMA, "config.json");
    expect(a).toMatchObject({
      modelType: "llama",
      architecture: "LlamaForCausalLM",
      hiddenSize: 2048,
      layers: 16,
      attentionHeads: 32,
      kvHeads: 8,
      headDim: 64,
      vocabSize: 128256,
      maxPositions: 131072,
      intermediateSize: 8192,
      tieWordEmbeddings: true,
      moe: null,
      vision: null,
      checkpointDtype: "bfloat16",
      quantization: null,
      defaultsApplied: [],
    });
    expect(a.layerWindows).toEqual(Array(16).fill(null));
    expect(a.layout).toEqual({
      attentionBias: "none",
      qkNorm: "none",
      normsPerLayer: 2,
      finalNorm: true,
      attentionSinks: false,
      expertBias: false,
      routerBias: false,
    });
  });

  it("names every missing field that sizes the model", () => {
    const { hidden_size: _h, vocab_size: _v, ...rest } = LLAMA;
    const e = error(() => modelArchFromConfig(rest, "my/config.json"));
    expect(e.message).toBe(
      "my/config.json: hidden_size, vocab_size: missing: these fields size the model and have no default",
    );
  });

  it("labels every Transformers default it fills in", () => {
    const {
      num_key_value_heads: _k,
      head_dim: _d,
      tie_word_embeddings: _t,
      attention_bias: _b,
      torch_dtype: _x,
      ...rest
    } = LLAMA;
    const a = modelArchFromConfig(rest, "config.json");
    expect(a.kvHeads).toBe(32);
    expect(a.headDim).toBe(64);
    expect(a.tieWordEmbeddings).toBe(false);
    expect(a.checkpointDtype).toBe("float32");
    expect(a.defaultsApplied).toEqual([
      "num_key_value_heads = 32 (not in config.json: = num_attention_heads)",
      "head_dim = 64 (not in config.json: = hidden_size / num_attention_heads)",
      "tie_word_embeddings = false (not in config.json: the llama default)",
      "attention_bias = false (not in config.json: the llama default)",
      "torch_dtype = float32 (not in config.json: Transformers' default; vLLM serves it in 16 bits)",
    ]);
  });

  it("refuses a model_type whose layout it does not know", () => {
    const e = error(() => modelArchFromConfig({ ...LLAMA, model_type: "falcon" }, "config.json"));
    expect(e.field).toBe("model_type");
    expect(e.message).toContain(
      '"falcon": its layout (norms, biases, attention) is not known to the tracker; known: llama',
    );
  });

  it("reads Gemma 3's text_config and vision_config, every 6th layer global", () => {
    const a = modelArchFromConfig(
      {
        model_type: "gemma3",
        architectures: ["Gemma3ForConditionalGeneration"],
        torch_dtype: "bfloat16",
        text_config: {
          hidden_size: 2560,
          intermediate_size: 10240,
          num_hidden_layers: 12,
          num_attention_heads: 8,
          num_key_value_heads: 4,
          head_dim: 256,
          vocab_size: 262208,
          max_position_embeddings: 131072,
          sliding_window: 1024,
          sliding_window_pattern: 6,
          tie_word_embeddings: true,
          attention_bias: false,
        },
        vision_config: {
          hidden_size: 1152,
          intermediate_size: 4304,
          num_hidden_layers: 27,
          patch_size: 14,
          image_size: 896,
        },
      },
      "config.json",
    );
    expect(a.modelType).toBe("gemma3_text");
    expect(a.layerWindows).toEqual([1024, 1024, 1024, 1024, 1024, null, 1024, 1024, 1024, 1024, 1024, null]);
    expect(a.layout).toMatchObject({ qkNorm: "per-head", normsPerLayer: 4 });
    expect(a.vision).toEqual({
      kind: "siglip",
      hiddenSize: 1152,
      intermediateSize: 4304,
      layers: 27,
      patchSize: 14,
      imageSize: 896,
      channels: 3,
    });
  });

  it("names a missing field inside text_config with its path", () => {
    const e = error(() =>
      modelArchFromConfig({ model_type: "gemma3", text_config: { hidden_size: 1 } }, "models.json", "models[3].config"),
    );
    expect(e.field).toContain("models[3].config.text_config.num_hidden_layers");
  });

  it("reads gpt-oss's experts and per-layer attention types", () => {
    const a = modelArchFromConfig(
      {
        ...LLAMA,
        model_type: "gpt_oss",
        num_hidden_layers: 4,
        intermediate_size: 2880,
        num_local_experts: 32,
        num_experts_per_tok: 4,
        sliding_window: 128,
        layer_types: ["sliding_attention", "full_attention", "sliding_attention", "full_attention"],
        attention_bias: true,
        quantization_config: { quant_method: "mxfp4" },
      },
      "config.json",
    );
    expect(a.moe).toEqual({ experts: 32, activeExperts: 4, expertIntermediateSize: 2880 });
    expect(a.intermediateSize).toBe(0);
    expect(a.layerWindows).toEqual([128, null, 128, null]);
    expect(a.layout).toMatchObject({ attentionBias: "qkvo", attentionSinks: true, expertBias: true, routerBias: true });
    expect(a.quantization).toEqual({ method: "mxfp4", bits: null });
  });

  it("refuses inconsistent layer types and a mixture of experts without its expert fields", () => {
    expect(
      error(() => modelArchFromConfig({ ...LLAMA, num_hidden_layers: 2, layer_types: ["full_attention"] }, "c.json"))
        .message,
    ).toContain("layer_types: has 1 entries for 2 layers");
    expect(error(() => modelArchFromConfig({ ...LLAMA, model_type: "mixtral" }, "c.json")).message).toContain(
      "num_local_experts (or num_experts), num_experts_per_tok",
    );
  });

  it("applies Qwen's sliding window only when use_sliding_window is on, from max_window_layers", () => {
    const qwen = { ...LLAMA, model_type: "qwen2", num_hidden_layers: 4, sliding_window: 4096 };
    expect(modelArchFromConfig({ ...qwen, use_sliding_window: false }, "c.json").layerWindows).toEqual([
      null,
      null,
      null,
      null,
    ]);
    expect(
      modelArchFromConfig({ ...qwen, use_sliding_window: true, max_window_layers: 2 }, "c.json").layerWindows,
    ).toEqual([null, null, 4096, 4096]);
    expect(modelArchFromConfig(qwen, "c.json").layout.attentionBias).toBe("qkv");
  });

  it("reads a file and names it when it is not JSON or not a config", () => {
    const good = join(tmp.dir, "config.json");
    writeFileSync(good, JSON.stringify(LLAMA));
    expect(readHfConfigFile(good).hiddenSize).toBe(2048);
    const bad = join(tmp.dir, "bad.json");
    writeFileSync(bad, "{ not json");
    expect(error(() => readHfConfigFile(bad)).message).toMatch(/bad\.json: cannot read a JSON config/);
    const wrong = join(tmp.dir, "wrong.json");
    writeFileSync(wrong, JSON.stringify({ ...LLAMA, hidden_size: "2048" }));
    expect(error(() => readHfConfigFile(wrong)).message).toMatch(/wrong\.json: hidden_size: /);
  });
});
