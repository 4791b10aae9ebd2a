import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { classifyStartFailure, cleanLine, parseStartupLog } from "../../data-loaders/server/startup-log.ts";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "../fixtures/vllm", name), "utf8");

describe("the settings the server runs with", () => {
  it("recorded logs: routes, the V0 config's prefix caching, the block size from the KV-cache lines", () => {
    const v1 = parseStartupLog(fixture("startup-log-0.9.0.1-v1-2025-06.txt"));
    expect(v1.routes).toHaveLength(25);
    expect(v1.routes).toContainEqual({ path: "/v1/chat/completions", methods: ["POST"] });
    expect(v1.routes[0]).toEqual({ path: "/openapi.json", methods: ["GET", "HEAD"] });
    // 1,131,008 tokens in 70688 blocks: 16 tokens per block.
    expect(v1).toMatchObject({ num_gpu_blocks: 70688, kv_block_size: 16 });
    expect(v1.prefix_caching).toEqual({ requested: null, effective: null, reason: null });
    const v0 = parseStartupLog(fixture("startup-log-0.9.2-v0-cpu-2025-07.txt"));
    expect(v0.routes).toHaveLength(26);
    // "enable_prefix_caching=None" in the engine's config line: off.
    expect(v0.prefix_caching).toEqual({ requested: null, effective: false, reason: null });
    expect(v0.kv_block_size).toBeNull();
  });

  it("what was asked for, and vLLM disabling it (lines in the wording of vLLM's source)", () => {
    const f = parseStartupLog(
      [
        "(APIServer pid=1) INFO 03-02 10:00:01 [utils.py:326] non-default args: {'model': 'ibm-granite/granite-4.0-h-small', 'enable_prefix_caching': True, 'block_size': 32}",
        "(APIServer pid=1) INFO 03-02 10:00:04 [config.py:310] Hybrid or mamba-based model detected: disabling prefix caching since it is not yet supported.",
        "(APIServer pid=1) INFO 03-02 10:00:04 [config.py:390] Setting attention block size to 400 tokens to ensure that attention page size is >= mamba page size.",
        "(EngineCore_DP0 pid=7) INFO 03-02 10:00:09 [core.py:77] Initializing a V1 LLM engine (v0.10.2) with config: model='ibm-granite/granite-4.0-h-small', enable_prefix_caching=False, chunked_prefill_enabled=True",
      ].join("\n"),
    );
    expect(f.prefix_caching).toEqual({
      requested: true,
      effective: false,
      reason: "Hybrid or mamba-based model detected: disabling prefix caching since it is not yet supported.",
    });
    // The block size vLLM set wins over the one asked for.
    expect(f.kv_block_size).toBe(400);
    const on = parseStartupLog(
      "INFO 03-02 10:00:09 [core.py:77] Initializing a V1 LLM engine (v0.10.2) with config: model='m', enable_prefix_caching=True, seed=0",
    );
    expect(on.prefix_caching.effective).toBe(true);
  });
});

describe("parseStartupLog on recorded logs", () => {
  it("V1 log of 2025-06 (0.9.0.1, Colab A100)", () => {
    const f = parseStartupLog(fixture("startup-log-0.9.0.1-v1-2025-06.txt"));
    expect(f).toMatchObject({
      version: null,
      weights_load_s: 1.16,
      weights_gib: 3.3466,
      model_load_s: 1.677846,
      torch_compile_s: 8.69,
      kv_cache_gib: null,
      kv_cache_tokens: 1_131_008,
      max_concurrency: 8.63,
      max_concurrency_tokens_per_request: 131_072,
      cuda_graph_gib: 0.45,
      cuda_graph_s: 31,
      init_engine_s: 47.64,
      listening: "http://0.0.0.0:8000",
      ready: true,
    });
  });

  it("V0 CPU log of 0.9.2: absent values stay null, never 0", () => {
    const f = parseStartupLog(fixture("startup-log-0.9.2-v0-cpu-2025-07.txt"));
    expect(f).toMatchObject({
      version: "0.9.2",
      weights_load_s: 1.28,
      weights_gib: null,
      model_load_s: null,
      torch_compile_s: null,
      kv_cache_gib: null,
      kv_cache_tokens: null,
      max_concurrency: 4.57,
      max_concurrency_tokens_per_request: 8192,
      cuda_graph_gib: null,
      init_engine_s: 0.66,
      listening: "http://0.0.0.0:8000",
      non_default_args: "{'model': 'Qwen/Qwen3-0.6B', 'max_model_len': 8192}",
      ready: true,
    });
  });

  it("0.21.1 excerpts with the (EngineCore pid=N) prefix, out of order", () => {
    const f = parseStartupLog(fixture("startup-log-excerpts-0.21.1-2026-05.txt"));
    expect(f).toMatchObject({
      version: null,
      torch_compile_s: 0.56,
      cuda_graph_s: 15,
      cuda_graph_gib: 0.95,
      kv_cache_tokens: 9584,
      max_concurrency: 2.34,
      max_concurrency_tokens_per_request: 4096,
      ready: false,
    });
  });

  it("newer wordings: 'memory', the plain version line, KV memory, colours and compose prefixes", () => {
    const f = parseStartupLog(
      [
        "(APIServer pid=1) INFO 02-12 19:49:01 [api_server.py:1900] vLLM server version 0.13.0, serving model google/gemma-3-4b-it",
        "vllm-1  | (Worker_TP0 pid=306) \x1b[32mINFO\x1b[0m 02-12 19:50:09 [gpu_worker.py:375] Available KV cache memory: 17.58 GiB",
        "INFO 02-12 19:49:40 [gpu_model_runner.py:2000] Model loading took 16.12 GiB memory and 31.5 seconds",
        "(EngineCore_DP0 pid=241) INFO 02-12 19:50:13 [core.py:259] init engine (profile, create kv cache, warmup model) took 143.64 s (compilation: 20.1 s)",
      ].join("\n"),
    );
    expect(f).toMatchObject({
      version: "0.13.0",
      kv_cache_gib: 17.58,
      weights_gib: 16.12,
      model_load_s: 31.5,
      init_engine_s: 143.64,
    });
  });

  it("cleanLine strips ANSI, compose and process prefixes", () => {
    expect(cleanLine("api-1  | (EngineCore pid=9) \x1b[1;36mINFO\x1b[0m x")).toBe("INFO x");
  });
});

describe("classifyStartFailure", () => {
  it("out of memory", () => {
    const f = classifyStartFailure(
      "INFO 10-12 14:03:20 [gpu_model_runner.py:1] Starting to load model x\n" +
        "ERROR 10-12 14:03:22 [core.py:700] EngineCore failed to start.\n" +
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 15.57 GiB of which 1.12 GiB is free.\n",
    );
    expect(f.kind).toBe("out_of_memory");
    expect(f.reason).toMatch(/^out of memory: torch.OutOfMemoryError: CUDA out of memory/);
  });

  it("KV cache does not fit is out of memory too", () => {
    const f = classifyStartFailure(
      "ERROR 01-01 00:00:00 [core.py:1] ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the engine.",
    );
    expect(f.kind).toBe("out_of_memory");
    expect(f.reason).toContain("No available memory for the cache blocks");
  });

  it("tokenizer or architecture error", () => {
    expect(
      classifyStartFailure("ValueError: Model architectures ['GptOssForCausalLM'] are not supported for now.").kind,
    ).toBe("model_unsupported");
    expect(
      classifyStartFailure("ValueError: Tokenizer class GptOssTokenizer does not exist or is not currently imported.")
        .kind,
    ).toBe("model_unsupported");
  });

  it("port taken", () => {
    const f = classifyStartFailure("ERROR 01-01 00:00:00 [api_server.py:1] OSError: [Errno 98] Address already in use");
    expect(f).toEqual({
      kind: "port_in_use",
      reason: "port already in use: OSError: [Errno 98] Address already in use",
    });
  });

  it("anything else is a crash with the last error line; a silent log that timed out is a timeout", () => {
    const f = classifyStartFailure(
      "INFO 01-01 00:00:00 [x.py:1] loading\nERROR 01-01 00:00:01 [core.py:1] EngineCore failed to start.\nRuntimeError: Engine core initialization failed.",
      { detail: "exit code 1" },
    );
    expect(f.kind).toBe("crash");
    expect(f.reason).toBe(
      "server crashed while loading: exit code 1: RuntimeError: Engine core initialization failed.",
    );
    expect(
      classifyStartFailure("INFO 01-01 00:00:00 [x.py:1] loading", {
        timedOut: true,
        detail: "no answer on /health within 2 s",
      }),
    ).toEqual({
      kind: "timeout",
      reason: "server not ready in time (no answer on /health within 2 s)",
    });
  });
});
