import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { launchSchema } from "../../data-loaders/experiment/schema.ts";
import { freePort } from "../../data-loaders/server/http.ts";
import { argsToFlags, describeEnv, launchServer, StartFailed } from "../../data-loaders/server/launch.ts";
import { startTelemetry } from "../../data-loaders/server/telemetry.ts";
import { tempDir } from "../helpers/temp.ts";

const VLLM = join(import.meta.dirname, "stand-in/vllm");
const MODEL = "meta-llama/Llama-3.2-1B-Instruct";
const tmp = tempDir("launch");
afterAll(() => tmp.cleanup());

const spec = (mode: string, over: Record<string, unknown> = {}) =>
  launchSchema.parse({
    command: VLLM,
    model: MODEL,
    args: { "--gpu-memory-utilization": 0.9, "--enforce-eager": true },
    env: { FAKE_VLLM_MODE: mode, FAKE_VLLM_LOAD_MS: "200" },
    readyTimeoutS: 20,
    ...over,
  });
const noGpu = async () => null;
let n = 0;
const logFile = () => join(tmp.dir, `server-${n++}.log`);

async function startFailure(mode: string, over: Record<string, unknown> = {}): Promise<StartFailed> {
  const file = logFile();
  const err = await launchServer(spec(mode, over), { logFile: file, gpus: noGpu, pollMs: 50, stopGraceMs: 2000 }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StartFailed);
  return err as StartFailed;
}

// Each case spawns a stand-in (≈1.5 s of tsx start-up), so they run side by side.
describe.concurrent("launchServer with the stand-in vllm", () => {
  it("starts, waits for /health, records load time and start-up facts, keeps the log, stops with SIGINT", async () => {
    const file = logFile();
    const lines: string[] = [];
    const gpus = [
      [{ name: "NVIDIA GeForce RTX 4080", driver: "560.35", memory_total_mib: 16376, memory_used_mib: 300 }],
      [{ name: "NVIDIA GeForce RTX 4080", driver: "560.35", memory_total_mib: 16376, memory_used_mib: 14900 }],
    ];
    const server = await launchServer(spec("ok"), {
      logFile: file,
      gpus: async () => gpus.shift()!,
      pollMs: 50,
      log: (l) => lines.push(l),
    });
    try {
      const health = await request(`${server.url}/health`);
      expect(health.statusCode).toBe(200);
      await health.body.dump();
      expect(server.model).toBe(MODEL);
      expect(server.record).toMatchObject({
        weights_gib: 3.3466,
        weights_load_s: 1.16,
        kv_cache_gib: null,
        kv_cache_tokens: 1_131_008,
        max_concurrency: 8.63,
        cuda_graph_gib: 0.45,
        gpu_memory_before_mib: 300,
        gpu_memory_after_mib: 14900,
        failure: null,
      });
      expect(server.record.command).toMatch(
        /stand-in\/vllm serve meta-llama\/Llama-3.2-1B-Instruct --host 127.0.0.1 --port \d+ --gpu-memory-utilization 0.9 --enforce-eager$/,
      );
      expect(server.record.load_time_s).toBeGreaterThan(0.15);
      // The start-up log's own timings and the settings it states (the 0.9.0.1 log the stand-in prints).
      expect(server.record).toMatchObject({
        model_load_s: 1.677846,
        torch_compile_s: 8.69,
        cuda_graph_s: 31,
        init_engine_s: 47.64,
        kv_block_size: 16,
        prefix_caching: { requested: null, effective: null, reason: null },
      });
      expect(server.record.routes).toHaveLength(25);
      expect(server.record.routes).toContainEqual({ path: "/metrics", methods: ["GET"] });
      expect(server.record.ready_line_s).toBeGreaterThan(0.15);
      expect(server.record.ready_line_s).toBeLessThanOrEqual(server.record.load_time_s! + 0.5);
      expect(server.facts.version).toBe("0.9.0.1");
      expect(lines.join("\n")).toContain("FAKE_VLLM_MODE=ok");
    } finally {
      await server.stop();
    }
    const log = readFileSync(file, "utf8");
    expect(log).toContain("Model loading took 3.3466 GiB");
    expect(log).toContain(`Starting vLLM API server on http://127.0.0.1:`);
    expect(log).toContain("Shutting down");
    // Stopped: connection refused.
    await expect(request(`${server.url}/health`)).rejects.toThrow();
  });

  it("without a reachable /metrics, its stats lines fill the server series", async () => {
    const server = await launchServer(
      spec("ok", {
        env: { FAKE_VLLM_MODE: "ok", FAKE_VLLM_LOAD_MS: "200", FAKE_VLLM_STATS_MS: "100", FAKE_VLLM_NO_METRICS: "1" },
      }),
      { logFile: logFile(), gpus: noGpu, pollMs: 50 },
    );
    try {
      const t0 = performance.now();
      const telemetry = startTelemetry({
        endpoints: [server.url],
        intervalMs: 50,
        now: () => performance.now() - t0,
        runId: "r",
        logStats: server.logStats,
      });
      const ask = (i: number) =>
        request(`${server.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            messages: [{ role: "user", content: `Tell me about queues ${i}.` }],
            max_tokens: 200,
          }),
        }).then((r) => r.body.dump());
      for (let round = 0; round < 4; round++) await Promise.all([0, 1, 2, 3].map((i) => ask(round * 4 + i)));
      await new Promise((r) => setTimeout(r, 250));
      const rows = await telemetry.stop();
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.labels === '{"engine":"0","source":"log"}')).toBe(true);
      const generation = rows.filter((r) => r.metric === "vllm:avg_generation_throughput_toks_per_s");
      expect(Math.max(...generation.map((r) => r.value))).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.metric))).toContain("vllm:kv_cache_usage_perc");
    } finally {
      await server.stop();
    }
  });

  it("out of memory: a failed start with the reason from the log", async () => {
    const e = await startFailure("oom");
    expect(e.failure.kind).toBe("out_of_memory");
    expect(e.message).toMatch(/^out of memory: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.50 GiB/);
    expect(e.record.failure).toBe(e.message);
    expect(e.record.load_time_s).toBeNull();
    // What the log said before the failure is kept.
    expect(e.record.weights_load_s).toBe(1.16);
    expect(existsSync(join(process.cwd(), e.record.log_file))).toBe(true);
  });

  it("tokenizer error", async () => {
    const e = await startFailure("tokenizer");
    expect(e.failure.kind).toBe("model_unsupported");
    expect(e.message).toContain("Tokenizer class GptOssTokenizer does not exist");
  });

  it("crash during load", async () => {
    const e = await startFailure("crash");
    expect(e.failure.kind).toBe("crash");
    expect(e.message).toBe(
      "server crashed while loading: exited with code 1: RuntimeError: CUDA error: an illegal memory access was encountered",
    );
  });

  it("port already taken", async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, "127.0.0.1", r));
    try {
      const e = await startFailure("ok", { port });
      expect(e.failure.kind).toBe("port_in_use");
      expect(e.message).toBe("port already in use: OSError: [Errno 98] Address already in use");
    } finally {
      blocker.close();
    }
  });

  it("/health 503 means the engine died: fail at once", async () => {
    const e = await startFailure("dead");
    expect(e.failure.kind).toBe("crash");
    expect(e.message).toContain("GET /health answered 503");
  });

  it("timeout: stopped with SIGINT, the reason says so", async () => {
    const t0 = performance.now();
    const e = await startFailure("hang", { readyTimeoutS: 1 });
    expect(e.failure.kind).toBe("timeout");
    expect(e.message).toBe("server not ready in time (no 200 from GET /health within 1 s)");
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it("a server that ignores SIGINT is killed after the grace period", async () => {
    const server = await launchServer(spec("stubborn"), {
      logFile: logFile(),
      gpus: noGpu,
      pollMs: 50,
      stopGraceMs: 300,
    });
    const t0 = performance.now();
    await server.stop();
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(5000);
    await expect(request(`${server.url}/health`)).rejects.toThrow();
  });

  it("engine processes left in the group after the server exits are killed too", async () => {
    const server = await launchServer(spec("engine"), {
      logFile: logFile(),
      gpus: noGpu,
      pollMs: 50,
      stopGraceMs: 300,
    });
    const t0 = performance.now();
    await server.stop();
    expect(performance.now() - t0).toBeLessThan(5000);
    const pid = Number(/engine process (\d+)/.exec(readFileSync(server.record.log_file, "utf8"))![1]);
    // Gone, or a zombie waiting for PID 1 to reap it (containers): either way, not running.
    // SIGKILL is delivered asynchronously, so give the kernel a moment before judging.
    const stateOf = () =>
      existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]![0] : "gone";
    let state = stateOf();
    for (let i = 0; i < 40 && !["gone", "Z", "X"].includes(state!); i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = stateOf();
    }
    expect(["gone", "Z", "X"]).toContain(state);
  });

  it("a missing command is a clear start failure", async () => {
    const e = await startFailure("ok", { command: join(tmp.dir, "no-such-vllm") });
    expect(e.message).toBe(`cannot start ${join(tmp.dir, "no-such-vllm")}: ENOENT`);
  });
});

describe("launch spec helpers", () => {
  it("turns args into flags", () => {
    expect(
      argsToFlags({
        "--max-model-len": 4096,
        "--enforce-eager": true,
        "--no-x": false,
        "--lora-modules": ["a=1", "b=2"],
      }),
    ).toEqual(["--max-model-len", "4096", "--enforce-eager", "--lora-modules", "a=1", "b=2"]);
  });

  it("hides values of secret-looking env names", () => {
    expect(describeEnv({ CUDA_VISIBLE_DEVICES: "0", HF_TOKEN: "hf_abc" })).toBe("CUDA_VISIBLE_DEVICES=0 HF_TOKEN=***");
  });

  it("rejects flags the tracker sets and secrets in env", () => {
    const r = launchSchema.safeParse({
      model: "m",
      args: { "--port": 1, "--api-key": "x" },
      env: { HF_TOKEN: "hf_abc" },
    });
    expect(r.success).toBe(false);
    const messages = r.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(messages).toContain("args.--port: --port is set by the tracker (use launch.port, launch.apiKeyEnv)");
    expect(messages.some((m) => m.startsWith("env.HF_TOKEN: HF_TOKEN looks like a secret"))).toBe(true);
  });
});
