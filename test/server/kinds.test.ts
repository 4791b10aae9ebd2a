// The server kinds behind openServer: several replicas of one model, an Ollama-like OpenAI
// endpoint (no usage without include_usage support, no /metrics, 404 on /version), and a
// launched server.
import { readServerMetrics } from "../../data-loaders/store/server-metrics.ts";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { experimentSchema, serverSchema } from "../../data-loaders/experiment/schema.ts";
import { runExperiment } from "../../data-loaders/run/runner.ts";
import { declaredServer, kindName, openServer } from "../../data-loaders/server/kinds.ts";
import { SERVER_LOG_FILE } from "../../data-loaders/server/kinds/launch.ts";
import { readRows } from "../../data-loaders/store/columns.ts";
import { PARQUET_FILE } from "../../data-loaders/store/layout.ts";
import { startSimulator } from "../../data-loaders/sim/simulator.ts";
import { QUIET, loadSpec, type TestSpec } from "../helpers/spec.ts";
import { tempDir } from "../helpers/temp.ts";

const tmp = tempDir("server");
afterAll(() => tmp.cleanup());

const workload: TestSpec["workload"] = {
  prompts: { inline: ["Say hi.", "Say bye.", "Count to three."] },
  maxTokens: 32,
  temperature: 0,
  seed: 1,
};

describe("the kinds table", () => {
  it("dispatches each server spec to its kind and declares what the manifest records before opening", () => {
    const specs = [
      { simulate: "gemma-3-1b@rtx-4080" },
      { url: "http://gpu-box:8000", model: "m" },
      { urls: ["http://a:8000", "http://b:8000"], model: "m" },
      { launch: { command: "vllm", model: "google/gemma-3-4b-it" } },
    ].map((s) => serverSchema.parse(s));
    expect(specs.map(kindName)).toEqual(["simulate", "url", "replicas", "launch"]);
    expect(specs.map(declaredServer)).toEqual([
      { kind: "simulate", endpoint: "", model: "google/gemma-3-1b-it", profile: "gemma-3-1b@rtx-4080" },
      { kind: "url", endpoint: "", model: "m", profile: null },
      { kind: "url", endpoint: "", model: "m", profile: null },
      { kind: "launch", endpoint: "", model: "google/gemma-3-4b-it", profile: null },
    ]);
  });

  it("a launched server may be asked through one of its LoRA adapters, declared in its args", () => {
    const lora = {
      launch: {
        model: "Qwen/Qwen3-0.6B",
        args: { "--enable-lora": true, "--lora-modules": "phh/Qwen3-0.6B-TLDR-Lora=phh/Qwen3-0.6B-TLDR-Lora" },
        adapter: "phh/Qwen3-0.6B-TLDR-Lora",
      },
    };
    expect(declaredServer(serverSchema.parse(lora))).toMatchObject({
      kind: "launch",
      model: "phh/Qwen3-0.6B-TLDR-Lora",
    });
    const spec = {
      title: "t",
      server: { launch: { model: "Qwen/Qwen3-0.6B", adapter: "phh/Qwen3-0.6B-TLDR-Lora" } },
      workload: { prompts: { inline: ["hi"] }, maxTokens: 8, temperature: 0, seed: 1 },
      requests: 1,
      load: { concurrency: 1 },
    };
    const parsed = experimentSchema.safeParse(spec);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join("."))).toEqual(["server.launch.adapter"]);
    expect(experimentSchema.safeParse({ ...spec, server: lora }).success).toBe(true);
  });

  it("opens the simulator on a free loopback port, with its facts, and closes it", async () => {
    const open = await openServer(serverSchema.parse({ simulate: "gemma-3-1b@rtx-4080", speedup: 50 }), { seed: 1 });
    try {
      expect(open).toMatchObject({ kind: "simulate", simulated: true, profile: "gemma-3-1b@rtx-4080" });
      expect(open.endpoints[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(open.facts).toMatchObject({ root: open.model, max_model_len: expect.any(Number) });
    } finally {
      await open.close();
    }
    await expect(fetch(`${open.endpoints[0]}/health`)).rejects.toThrow();
  });

  it("a url server needs its API key variable set", async () => {
    delete process.env.TRACKER_TEST_UNSET_KEY;
    await expect(
      openServer({ url: "http://127.0.0.1:9", model: "m", apiKeyEnv: "TRACKER_TEST_UNSET_KEY" }, { seed: 0 }),
    ).rejects.toThrow("environment variable TRACKER_TEST_UNSET_KEY (server.apiKeyEnv) is not set");
  });
});

describe("several replicas of one model", () => {
  it("spreads requests round-robin over every replica and stores the endpoint per request", async () => {
    const a = await startSimulator({ profile: "llama-3.2-1b@rtx-4080", speedup: 50 });
    const b = await startSimulator({ profile: "llama-3.2-1b@rtx-4080", speedup: 50 });
    try {
      const exp = await loadSpec(tmp.dir, "replicas", {
        title: "two replicas",
        server: { urls: [a.url, `${b.url}/v1`], model: a.model },
        workload,
        requests: 12,
        load: { concurrency: 3 },
      });
      const { dir, manifest } = await runExperiment(exp, {
        resultsRoot: join(tmp.dir, "results"),
        ...QUIET,
      });
      expect(manifest.status).toBe("complete");
      expect(manifest.server.endpoint).toBe(`${a.url} ${b.url}`);
      const rows = await readRows(join(dir, PARQUET_FILE), ["endpoint", "status"]);
      const count = (url: string) => rows.filter((r) => r.endpoint === url).length;
      expect(new Set(rows.map((r) => r.endpoint))).toEqual(new Set([a.url, b.url]));
      expect([count(a.url), count(b.url)]).toEqual([6, 6]);
      // /metrics is scraped per replica: each endpoint's generation-token counter covers its own requests.
      const series = await readServerMetrics(dir);
      for (const url of [a.url, b.url]) {
        const gen = series.filter((r) => r.endpoint === url && r.metric === "vllm:generation_tokens_total");
        expect(gen.length, url).toBeGreaterThan(0);
        expect(gen.at(-1)!.value, url).toBeGreaterThan(0);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("validates the replica list", () => {
    const one = serverSchema.safeParse({ urls: ["http://a:8000"], model: "m" });
    expect(
      one.error?.issues.flatMap((i) => ("errors" in i ? i.errors.flat().map((e) => e.message) : [i.message])),
    ).toContain("at least two URLs (for one server write `url`)");
    const twice = serverSchema.safeParse({ urls: ["http://a:8000", "http://a:8000/v1"], model: "m" });
    expect(JSON.stringify(twice.error?.issues)).toContain("each replica once");
  });

  it("fails at once when a replica is unreachable", async () => {
    const a = await startSimulator({ profile: "llama-3.2-1b@rtx-4080", speedup: 50 });
    try {
      await expect(
        openServer({ urls: [a.url, "http://127.0.0.1:9"], model: a.model }, { seed: 0, readyTimeoutMs: 300 }),
      ).rejects.toThrow(/cannot reach http:\/\/127.0.0.1:9/);
    } finally {
      await a.close();
    }
  });
});

/**
 * Behaves like Ollama's OpenAI-compatible endpoint of the versions that ignore
 * stream_options.include_usage: first chunk carries role and content, no usage chunk,
 * no /metrics, 404 on /version, model names like "llama3.2:1b".
 */
function ollamaLike(): Promise<{ url: string; server: Server; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    paths.push(`${req.method} ${req.url}`);
    if (req.url === "/v1/models") {
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          object: "list",
          data: [{ id: "llama3.2:1b", object: "model", created: 1, owned_by: "library" }],
        }),
      );
      return;
    }
    if (req.url === "/v1/chat/completions" && req.method === "POST") {
      let body = "";
      for await (const chunk of req) body += chunk;
      const parsed = JSON.parse(body) as { model: string; stream: boolean };
      const chunk = (delta: object, finish: string | null) =>
        `data: ${JSON.stringify({ id: "chatcmpl-42", object: "chat.completion.chunk", created: 1, model: parsed.model, system_fingerprint: "fp_ollama", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunk({ role: "assistant", content: "Hi" }, null));
      res.write(chunk({ role: "assistant", content: " there." }, null));
      res.write(chunk({ role: "assistant", content: "" }, "stop"));
      res.end("data: [DONE]\n\n");
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("404 page not found");
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server, paths }),
    ),
  );
}

describe("an Ollama-like OpenAI endpoint", () => {
  it("completes the run; usage it does not report is null, never 0", async () => {
    const ollama = await ollamaLike();
    try {
      const exp = await loadSpec(tmp.dir, "ollama", {
        title: "ollama",
        server: { url: `${ollama.url}/v1`, model: "llama3.2:1b" },
        workload,
        requests: 4,
        load: { concurrency: 2 },
      });
      const { dir, manifest } = await runExperiment(exp, {
        resultsRoot: join(tmp.dir, "results"),
        ...QUIET,
      });
      expect(manifest.status).toBe("complete");
      expect(manifest.counts).toMatchObject({ requests: 4, ok: 4, error: 0 });
      const rows = await readRows(join(dir, PARQUET_FILE), [
        "status",
        "answer",
        "prompt_tokens",
        "completion_tokens",
        "tpot_ms",
        "ttft_ms",
        "finish_reason",
      ]);
      for (const r of rows) {
        expect(r).toMatchObject({
          status: "ok",
          answer: "Hi there.",
          prompt_tokens: null,
          completion_tokens: null,
          tpot_ms: null,
          finish_reason: "stop",
        });
        expect(r.ttft_ms).toBeGreaterThan(0);
      }
    } finally {
      ollama.server.close();
    }
  });
});

describe("a launched server", () => {
  it("keeps the log in the run folder, reports kind launch and the launch record, stops on close", async () => {
    const runDir = join(tmp.dir, "launch-run");
    const open = await openServer(
      serverSchema.parse({
        launch: {
          command: join(import.meta.dirname, "stand-in/vllm"),
          model: "meta-llama/Llama-3.2-1B-Instruct",
          env: { FAKE_VLLM_LOAD_MS: "100" },
          readyTimeoutS: 30,
        },
      }),
      { seed: 0, runDir },
    );
    try {
      expect(open.kind).toBe("launch");
      expect(open.model).toBe("meta-llama/Llama-3.2-1B-Instruct");
      expect(open.endpoints[0]).toMatch(/^http:\/\/127.0.0.1:\d+$/);
      expect(open.launch).toMatchObject({ weights_gib: 3.3466, kv_cache_tokens: 1_131_008, failure: null });
      expect(open.launch!.load_time_s).toBeGreaterThan(0);
    } finally {
      await open.close();
    }
    expect(existsSync(join(runDir, SERVER_LOG_FILE))).toBe(true);
    expect(readFileSync(join(runDir, SERVER_LOG_FILE), "utf8")).toContain("Application startup complete.");
  });

  it("with launch.adapter, requests name the adapter", async () => {
    const open = await openServer(
      serverSchema.parse({
        launch: {
          command: join(import.meta.dirname, "stand-in/vllm"),
          model: "meta-llama/Llama-3.2-1B-Instruct",
          args: { "--enable-lora": true, "--lora-modules": "sql-lora=/adapters/sql" },
          adapter: "sql-lora",
          env: { FAKE_VLLM_LOAD_MS: "100" },
          readyTimeoutS: 30,
        },
      }),
      { seed: 0, runDir: join(tmp.dir, "launch-lora") },
    );
    try {
      expect(open.model).toBe("sql-lora");
    } finally {
      await open.close();
    }
  });
});

describe("a launched server whose /metrics cannot be reached", () => {
  it("stores its stats lines as the run's server series, and its start-up facts in the manifest", async () => {
    const exp = await loadSpec(tmp.dir, "launch-log-stats", {
      title: "stats from the log",
      server: {
        launch: {
          command: join(import.meta.dirname, "stand-in/vllm"),
          model: "meta-llama/Llama-3.2-1B-Instruct",
          env: {
            FAKE_VLLM_LOAD_MS: "100",
            FAKE_VLLM_STATS_MS: "50",
            FAKE_VLLM_NO_METRICS: "1",
            FAKE_VLLM_SPEEDUP: "5",
          },
          readyTimeoutS: 30,
        },
      },
      workload: { ...workload, maxTokens: 200 },
      requests: 12,
      load: { concurrency: 3 },
    });
    const { manifest, dir } = await runExperiment(exp, { resultsRoot: join(tmp.dir, "results"), ...QUIET });
    expect(manifest.status).toBe("complete");
    expect(manifest.launch).toMatchObject({ init_engine_s: 47.64, kv_block_size: 16 });
    expect(manifest.launch!.routes).toHaveLength(25);
    const rows = await readServerMetrics(dir);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => JSON.parse(r.labels).source === "log")).toBe(true);
    expect(new Set(rows.map((r) => r.metric))).toContain("vllm:num_requests_running");
    expect(
      Math.max(...rows.filter((r) => r.metric === "vllm:num_requests_running").map((r) => r.value)),
    ).toBeGreaterThan(0);
  });
});

describe("a launched server that does not start", () => {
  it("becomes a failed run whose reason comes from the server's log", async () => {
    const stand_in = join(import.meta.dirname, "stand-in/vllm");
    const exp = await loadSpec(tmp.dir, "launch-oom", {
      title: "oom",
      server: {
        launch: {
          command: stand_in,
          model: "google/gemma-3-12b-it",
          args: { "--max-model-len": 8192 },
          env: { FAKE_VLLM_MODE: "oom", FAKE_VLLM_LOAD_MS: "50" },
          readyTimeoutS: 30,
        },
      },
      workload,
      requests: 4,
      load: { concurrency: 2 },
    });
    expect(exp.resolvedSpec.server).toMatchObject({
      launch: { model: "google/gemma-3-12b-it", args: { "--max-model-len": 8192 } },
    });
    const { manifest } = await runExperiment(exp, {
      resultsRoot: join(tmp.dir, "results"),
      ...QUIET,
    });
    expect(manifest.status).toBe("failed");
    expect(manifest.reason).toMatch(/out of memory: torch.OutOfMemoryError: CUDA out of memory/);
  });
});
