// The hardware catalogs: every entry validates, the architectures reproduce the parameter counts
// the model cards state, lookups name what is missing, and vLLM's start-up figures match the
// logs and the recorded experiment they were copied from.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  findFormat,
  findGpu,
  findModel,
  HARDWARE_DIR,
  loadCatalog,
  modelFromConfigFile,
  resolveWeights,
} from "../../data-loaders/hardware/catalog.ts";
import { parameterBreakdown } from "../../data-loaders/analysis/architecture.ts";
import { loadExperiments } from "../../data-loaders/experiment/load.ts";
import { parseStartupLog } from "../../data-loaders/server/startup-log.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";

const tmp = tempDir("catalog");
afterAll(() => tmp.cleanup());
const catalog = loadCatalog();

describe("the model catalog", () => {
  it("holds every model the users' reports name", () => {
    for (const name of [
      "meta-llama/Llama-3.2-1B-Instruct",
      "meta-llama/Llama-3.2-3B-Instruct",
      "google/gemma-3-1b-it",
      "google/gemma-3-4b-it",
      "google/gemma-3-12b-it",
      "Qwen/Qwen3-4B-Instruct-2507",
      "Qwen/Qwen3-4B",
      "Qwen/Qwen2.5-7B-Instruct",
      "Qwen/Qwen2.5-14B-Instruct",
      "allenai/OLMo-1B-hf",
      "allenai/OLMo-1B-0724-hf",
      "allenai/OLMo-7B-hf",
      "allenai/OLMo-2-1124-13B",
      "openai/gpt-oss-20b",
    ])
      expect(findModel(catalog, name).id).toBe(name);
  });

  it("gives every entry a source and reproduces its stated parameter count within 1%", () => {
    for (const m of catalog.models) {
      expect(m.source, m.id).toContain(m.id);
      const p = parameterBreakdown(m.arch);
      expect(Math.abs(p.total / m.parameters.total - 1), `${m.id}: ${p.total} vs ${m.parameters.stated}`).toBeLessThan(
        0.01,
      );
      if (m.parameters.active)
        expect(Math.abs(p.activePerToken / m.parameters.active - 1), `${m.id} active`).toBeLessThan(0.01);
    }
  });

  it("has the layouts the reports' models are known for", () => {
    const gemma1b = findModel(catalog, "gemma-3-1b").arch;
    expect(gemma1b.layerWindows.filter((w) => w === 512)).toHaveLength(22);
    expect(gemma1b.layerWindows.filter((w) => w === null)).toHaveLength(4);
    const gemma12b = findModel(catalog, "gemma-3-12b").arch;
    expect(gemma12b.layerWindows.filter((w) => w === 1024)).toHaveLength(40);
    const oss = findModel(catalog, "gpt-oss-20b").arch;
    expect(oss.moe).toEqual({ experts: 32, activeExperts: 4, expertIntermediateSize: 2880 });
    expect(oss.layerWindows.filter((w) => w === 128)).toHaveLength(12);
    expect(resolveWeights(catalog, findModel(catalog, "gpt-oss-20b")).format.id).toBe("mxfp4");
    expect(findModel(catalog, "olmo-7b").arch.checkpointDtype).toBe("float32");
    expect(resolveWeights(catalog, findModel(catalog, "olmo-7b")).notes[0]).toContain("served in 16 bits");
  });

  it("finds models by id, alias or repository name, and names the catalog when it cannot", () => {
    expect(findModel(catalog, "GEMMA-3-4B").id).toBe("google/gemma-3-4b-it");
    expect(findModel(catalog, "Llama-3.2-1B-Instruct").id).toBe("meta-llama/Llama-3.2-1B-Instruct");
    expect(() => findModel(catalog, "mistral-7b")).toThrow(
      /unknown model "mistral-7b": not in the model catalog \(data-loaders\/hardware\/models\.json\); known: .*give --config/,
    );
  });
});

describe("the GPU catalog", () => {
  it("has every GPU the issue names, each with a datasheet source", () => {
    const ids = catalog.gpus.map((g) => g.id);
    for (const id of [
      "rtx-4080",
      "rtx-4090",
      "rtx-5090",
      "l4",
      "l40s",
      "a10g",
      "a100-40gb",
      "a100-80gb",
      "h100-sxm",
      "h100-pcie",
      "h200",
    ])
      expect(ids).toContain(id);
    for (const g of catalog.gpus) expect(g.source.length, g.id).toBeGreaterThan(20);
  });

  it("recognises hardware descriptions, and refuses a card it does not have", () => {
    expect(findGpu(catalog, "NVIDIA GeForce RTX 4080 (16 GB)").id).toBe("rtx-4080");
    expect(findGpu(catalog, "NVIDIA A100-SXM4-80GB").id).toBe("a100-80gb");
    expect(findGpu(catalog, "NVIDIA A100-SXM4-40GB").id).toBe("a100-40gb");
    expect(findGpu(catalog, "NVIDIA H100 80GB HBM3").id).toBe("h100-sxm");
    expect(findGpu(catalog, "NVIDIA H100 PCIe").id).toBe("h100-pcie");
    expect(() => findGpu(catalog, "RTX 4080 SUPER")).toThrow(/unknown GPU "RTX 4080 SUPER": not in the GPU catalog/);
    for (const g of catalog.gpus) expect(findGpu(catalog, g.name).id, g.name).toBe(g.id);
  });

  it("gives bandwidths consistent with the memory interfaces the datasheets state", () => {
    // GDDR: Gbps per pin × bus width / 8.
    expect(findGpu(catalog, "rtx-4080").bandwidthGBps).toBeCloseTo((22.4 * 256) / 8, 6);
    expect(findGpu(catalog, "rtx-4090").bandwidthGBps).toBeCloseTo((21 * 384) / 8, 6);
    expect(findGpu(catalog, "rtx-5090").bandwidthGBps).toBeCloseTo((28 * 512) / 8, 6);
  });
});

describe("weight formats", () => {
  it("size what a model ships in, and refuse what they cannot size", () => {
    expect(findFormat(catalog, "GGUF-Q4_K_M").approximate).toBe(true);
    expect(() => findFormat(catalog, "nf4")).toThrow(/unknown quantisation "nf4": the catalog .* can size bf16, fp16/);
    expect(() => resolveWeights(catalog, findModel(catalog, "llama-3.2-1b"), "mxfp4")).toThrow(/has no experts/);
    expect(resolveWeights(catalog, findModel(catalog, "qwen2.5-32b-gptq-int4")).format.id).toBe("gptq");
    expect(resolveWeights(catalog, findModel(catalog, "llama-3.2-1b"), "awq").notes).toContain(
      "awq needs a checkpoint quantised that way (not meta-llama/Llama-3.2-1B-Instruct itself)",
    );
  });

  it("refuse a checkpoint quantisation the catalog cannot size unless a format is given", () => {
    const dir = join(tmp.dir, "bnb");
    mkdirSync(dir, { recursive: true });
    const llama = JSON.parse(readFileSync(join(HARDWARE_DIR, "models.json"), "utf8")).models[0].config;
    const config = { ...llama, quantization_config: { quant_method: "bitsandbytes", bits: 4 } };
    writeFileSync(join(dir, "config.json"), JSON.stringify(config));
    const model = modelFromConfigFile(join(dir, "config.json"));
    expect(model.id).toBe("bnb");
    expect(() => resolveWeights(catalog, model)).toThrow(
      /quant_method "bitsandbytes", 4 bits\) is a quantisation the catalog cannot size; known: .*Give --weights <format>/,
    );
    expect(resolveWeights(catalog, model, "int4").format.id).toBe("int4");
  });
});

describe("vLLM's start-up figures (vllm-memory.json)", () => {
  const entry = (id: string) => catalog.memory.find((m) => m.id === id)!;

  it("are the figures of the project's start-up logs", () => {
    const a100 = parseStartupLog(
      readFileSync(join(PROJECT, "test/fixtures/vllm/startup-log-0.9.0.1-v1-2025-06.txt"), "utf8"),
    );
    const e = entry("deepseek-r1-distill-qwen-1.5b@a100-40gb");
    expect([e.weightsGiB, e.kvCacheTokens, e.maxConcurrency, e.cudaGraphGiB, e.maxModelLen]).toEqual([
      a100.weights_gib,
      a100.kv_cache_tokens,
      a100.max_concurrency,
      a100.cuda_graph_gib,
      a100.max_concurrency_tokens_per_request,
    ]);
    const rtx5090 = parseStartupLog(
      readFileSync(join(PROJECT, "test/fixtures/vllm/startup-log-excerpts-0.21.1-2026-05.txt"), "utf8"),
    );
    const f = entry("qwen2.5-32b-gptq-int4@rtx-5090");
    expect([f.kvCacheTokens, f.maxConcurrency, f.cudaGraphGiB, f.maxModelLen]).toEqual([
      rtx5090.kv_cache_tokens,
      rtx5090.max_concurrency,
      rtx5090.cuda_graph_gib,
      rtx5090.max_concurrency_tokens_per_request,
    ]);
  });

  it("are the figures of the recorded Qwen 3 4B experiment", async () => {
    const load = await loadExperiments(join(PROJECT, "experiments"));
    const launch = load.recorded.find((r) => r.id === "recorded-qwen3-4b-rtx-4080-10")!.recorded.launch!;
    const e = entry("qwen3-4b@rtx-4080");
    expect([e.weightsGiB, e.kvCacheGiB, e.cudaGraphGiB]).toEqual([
      launch.weightsGib,
      launch.kvCacheGib,
      launch.cudaGraphGib,
    ]);
    expect(findModel(catalog, e.model).id).toBe(
      load.recorded.find((r) => r.id === "recorded-qwen3-4b-rtx-4080-10")!.recorded.model,
    );
  });
});

describe("a broken catalog file", () => {
  it("is refused with the file and field", () => {
    const dir = join(tmp.dir, "broken");
    cpSync(HARDWARE_DIR, dir, { recursive: true, filter: (src) => !src.endsWith(".ts") });
    const gpus = JSON.parse(readFileSync(join(dir, "gpus.json"), "utf8"));
    gpus.gpus[2].bandwidthGBps = -1;
    writeFileSync(join(dir, "gpus.json"), JSON.stringify(gpus));
    expect(() => loadCatalog(dir)).toThrow(/broken\/gpus\.json: gpus\[2\]\.bandwidthGBps: /);
    gpus.gpus[2].bandwidthGBps = 1792;
    writeFileSync(join(dir, "gpus.json"), JSON.stringify(gpus));
    const models = JSON.parse(readFileSync(join(dir, "models.json"), "utf8"));
    delete models.models[1].config.num_hidden_layers;
    writeFileSync(join(dir, "models.json"), JSON.stringify(models));
    expect(() => loadCatalog(dir)).toThrow(
      /broken\/models\.json: models\[1\]\.config\.num_hidden_layers: missing: this field sizes the model/,
    );
  });
});
