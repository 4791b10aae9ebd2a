import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cacheConfig,
  fetchServerFacts,
  modelFacts,
  versionFromFingerprint,
  withFingerprint,
} from "../../data-loaders/server/facts.ts";
import { startSimulator, type Simulator } from "../../data-loaders/sim/simulator.ts";
import { VLLM_VERSION } from "../../data-loaders/sim/chunks.ts";

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, "../fixtures/vllm", name), "utf8");

describe("modelFacts on recorded /v1/models bodies", () => {
  it.each([
    ["models-0.9.2-2025-07.json", "Qwen/Qwen3-0.6B", 8192],
    ["models-2026-05.json", "swiss-ai/Apertus-8B-Instruct-2509", 65536],
    ["models-2026-09.json", "Qwen/Qwen2.5-7B-Instruct", 32768],
  ])("%s → root %s, max_model_len %d", (file, root, maxModelLen) => {
    expect(modelFacts(JSON.parse(fixture(file)))).toEqual({ root, max_model_len: maxModelLen, adapter: null });
  });

  it("models-0.9.2-lora-2025-07.json: an experiment on the adapter gets the base model's facts and the adapter", () => {
    const body = JSON.parse(fixture("models-0.9.2-lora-2025-07.json"));
    // The adapter card has max_model_len null: the context length is its parent's.
    expect(modelFacts(body, "phh/Qwen3-0.6B-TLDR-Lora")).toEqual({
      root: "Qwen/Qwen3-0.6B",
      max_model_len: 8192,
      adapter: { name: "phh/Qwen3-0.6B-TLDR-Lora", path: "phh/Qwen3-0.6B-TLDR-Lora", base_model: "Qwen/Qwen3-0.6B" },
    });
    expect(modelFacts(body, "Qwen/Qwen3-0.6B")).toEqual({
      root: "Qwen/Qwen3-0.6B",
      max_model_len: 8192,
      adapter: null,
    });
  });

  it("takes a LoRA adapter's facts from its parent card and picks the card by model id", () => {
    const body = {
      data: [
        { id: "base", root: "org/base-7b", parent: null, max_model_len: 4096 },
        { id: "sql-lora", root: "/adapters/sql", parent: "base", max_model_len: null },
        { id: "other", root: "org/other", parent: null, max_model_len: 2048 },
        { id: "orphan-lora", root: "/adapters/o", parent: "gone", max_model_len: null },
      ],
    };
    const sql = { name: "sql-lora", path: "/adapters/sql", base_model: "base" };
    expect(modelFacts(body, "sql-lora")).toEqual({ root: "org/base-7b", max_model_len: 4096, adapter: sql });
    expect(modelFacts(body, "other")).toEqual({ root: "org/other", max_model_len: 2048, adapter: null });
    expect(modelFacts(body, "unknown")).toEqual({ root: "org/base-7b", max_model_len: 4096, adapter: null });
    // A parent the list does not hold: what is known of the adapter, nothing made up.
    expect(modelFacts(body, "orphan-lora")).toEqual({
      root: null,
      max_model_len: null,
      adapter: { name: "orphan-lora", path: "/adapters/o", base_model: "gone" },
    });
  });

  it("is null for what a server does not report", () => {
    const none = { root: null, max_model_len: null, adapter: null };
    expect(modelFacts({ object: "list", data: [{ id: "llama3" }] })).toEqual(none);
    expect(modelFacts({ data: [] })).toEqual(none);
    expect(modelFacts("not json")).toEqual(none);
  });
  it("reads cache_config_info labels from the recorded /metrics bodies", () => {
    expect(cacheConfig(fixture("metrics-0.28.txt"))).toMatchObject({
      kv_cache_size_tokens: "141994",
      _block_size_resolved: "True",
      engine: "0",
    });
    expect(cacheConfig(fixture("metrics-0.9.2-v0-2025-07.txt"))).toMatchObject({
      block_size: "16",
      num_gpu_blocks: "2340",
    });
    expect(cacheConfig("vllm:num_requests_running 0\n")).toBeNull();
    expect(cacheConfig("<html>not metrics</html>")).toBeNull();
  });
});

describe("the version from system_fingerprint", () => {
  it("reads vLLM's fingerprints (recorded: 0.21.0 and 0.28.0 streams), and no other", () => {
    expect(versionFromFingerprint("vllm-0.21.0-d9f6bf25")).toBe("0.21.0");
    expect(versionFromFingerprint("vllm-0.28.0-54757788")).toBe("0.28.0");
    // With a parallelism part, and a development build's version.
    expect(versionFromFingerprint("vllm-0.28.0-tp2-de1ecaf1")).toBe("0.28.0");
    expect(versionFromFingerprint("vllm-0.21.1rc1.dev76+ga2c8fc665-9f0e1d2c")).toBe("0.21.1rc1.dev76+ga2c8fc665");
    expect(versionFromFingerprint("fp_3b956da36b")).toBeNull(); // OpenAI
    expect(versionFromFingerprint("b6119-cd6983d56")).toBeNull(); // llama.cpp
    expect(versionFromFingerprint(null)).toBeNull();
  });

  it("fills the version only when /version did not answer, and keeps the fingerprint", () => {
    const facts = { version: null, root: null, max_model_len: null, cache_config: null };
    expect(withFingerprint(facts, "vllm-0.28.0-54757788")).toEqual({
      ...facts,
      version: "0.28.0",
      version_source: "system_fingerprint",
      system_fingerprint: "vllm-0.28.0-54757788",
    });
    const known = { ...facts, version: "0.28.1", version_source: "version" as const };
    expect(withFingerprint(known, "vllm-0.28.0-54757788")).toEqual({
      ...known,
      system_fingerprint: "vllm-0.28.0-54757788",
    });
    expect(withFingerprint(facts, null)).toBe(facts);
  });
});

describe("fetchServerFacts", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ profile: "gemma-3-4b@rtx-4080", speedup: 100, apiKey: "k-123" });
  });
  afterAll(() => sim.close());

  it("reads version, model card and cache config from the simulator (with its API key)", async () => {
    const facts = await fetchServerFacts(sim.url + "/v1/", "k-123");
    expect(facts.version).toBe(VLLM_VERSION);
    expect(facts.version_source).toBe("version");
    expect(facts.root).toBe(sim.model);
    expect(facts.max_model_len).toBe(sim.profile.maxModelLen);
    expect(facts.cache_config).toMatchObject({ block_size: String(sim.profile.blockSize), engine: "0" });
    expect(Number(facts.cache_config!.kv_cache_size_tokens)).toBeGreaterThan(0);
  });

  it("is all null for a server without these routes, and for no server at all", async () => {
    const bare = createServer((_req, res) => res.writeHead(404).end("404 page not found"));
    await new Promise<void>((r) => bare.listen(0, "127.0.0.1", r));
    const port = (bare.address() as { port: number }).port;
    const none = { version: null, root: null, max_model_len: null, cache_config: null };
    try {
      expect(await fetchServerFacts(`http://127.0.0.1:${port}`)).toEqual(none);
    } finally {
      await new Promise((r) => bare.close(r));
    }
    expect(await fetchServerFacts(`http://127.0.0.1:${port}`, undefined, { timeoutMs: 2000 })).toEqual(none);
  });
});
