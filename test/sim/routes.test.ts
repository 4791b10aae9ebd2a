// The simulator's HTTP surface matches vLLM: routes, readiness, error shapes, metrics, and the
// JSON layout (key order, null handling) of the recorded 0.28-era transcripts.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../data-loaders/sim/simulator.ts";
import { jsonEvents, metricValue, parseMetrics, postJson, readSse, type Json } from "./http.ts";

const FIXTURES = "test/fixtures/vllm";
const fixtureEvents = (file: string): Record<string, Json>[] =>
  readFileSync(`${FIXTURES}/${file}`, "utf8")
    .split("\n\n")
    .filter((e) => e.startsWith("data: {"))
    .map((e) => JSON.parse(e.slice(6)));
const fixtureJson = (file: string): Record<string, Json> => JSON.parse(readFileSync(`${FIXTURES}/${file}`, "utf8"));

/** The key layout of a JSON value: keys in order, recursively (values ignored, nulls kept apart). */
function layout(v: unknown): unknown {
  if (Array.isArray(v)) return v.length > 0 ? [layout(v[0])] : [];
  if (v === null) return null;
  if (typeof v === "object") return Object.entries(v as object).map(([k, x]) => [k, layout(x)]);
  return typeof v;
}
const keys = (v: Record<string, Json>): string[] => Object.keys(v);

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ profile: "gemma-3-4b@rtx-4080", speedup: 200, seed: 3 });
});
afterAll(async () => {
  await sim.close();
});

const chat = (extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  postJson(
    `${sim.url}/v1/chat/completions`,
    {
      model: sim.model,
      messages: [{ role: "user", content: "Say something about queues." }],
      max_completion_tokens: 24,
      ...extra,
    },
    headers,
  );

describe("info routes", () => {
  it("/v1/models has the 0.28 card layout", async () => {
    const body = await (await fetch(`${sim.url}/v1/models`)).json();
    expect(layout(body)).toEqual(layout(fixtureJson("models-2026-09.json")));
    expect(body.data[0]).toMatchObject({
      id: "google/gemma-3-4b-it",
      root: "google/gemma-3-4b-it",
      owned_by: "vllm",
      parent: null,
      max_model_len: 8192,
    });
  });

  it("/health is 200 with an empty body, /version names a release", async () => {
    const health = await fetch(`${sim.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("");
    expect(await (await fetch(`${sim.url}/version`)).json()).toEqual({ version: "0.28.0" });
  });

  it("/tokenize counts like the usage of a request", async () => {
    const messages = [{ role: "user", content: "How many tokens is this sentence, roughly?" }];
    const tok = await (
      await postJson(`${sim.url}/tokenize`, { model: sim.model, messages, return_token_strs: true })
    ).json();
    expect(Object.keys(tok)).toEqual(["count", "max_model_len", "tokens", "token_strs"]);
    expect(tok.tokens).toHaveLength(tok.count);
    const res = await (await postJson(`${sim.url}/v1/chat/completions`, { messages, max_completion_tokens: 4 })).json();
    expect(res.usage.prompt_tokens).toBe(tok.count);
    const plain = await (await postJson(`${sim.url}/tokenize`, { prompt: "hello world" })).json();
    expect(plain).toMatchObject({ count: 3, max_model_len: 8192, token_strs: null });
  });

  it("/metrics has vLLM's names, labels and exposition", async () => {
    await (await chat()).json();
    const text = await (await fetch(`${sim.url}/metrics`)).text();
    const samples = parseMetrics(text);
    const names = new Set(samples.map((s) => s.name));
    for (const name of [
      "vllm:num_requests_running",
      "vllm:num_requests_waiting",
      "vllm:kv_cache_usage_perc",
      "vllm:prompt_tokens_total",
      "vllm:generation_tokens_total",
      "vllm:num_preemptions_total",
      "vllm:request_success_total",
      "vllm:cache_config_info",
      ...["time_to_first_token_seconds", "inter_token_latency_seconds", "e2e_request_latency_seconds"].flatMap((h) => [
        `vllm:${h}_bucket`,
        `vllm:${h}_sum`,
        `vllm:${h}_count`,
      ]),
    ])
      expect(names, name).toContain(name);
    for (const s of samples) {
      expect(s.labels.engine, s.name).toBe("0");
      if (s.name !== "vllm:cache_config_info") expect(s.labels.model_name, s.name).toBe("google/gemma-3-4b-it");
    }
    expect(metricValue(text, "vllm:request_success_total", { finished_reason: "length" })).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, "vllm:time_to_first_token_seconds_bucket", { le: "+Inf" })).toBe(
      metricValue(text, "vllm:time_to_first_token_seconds_count"),
    );
    const info = samples.find((s) => s.name === "vllm:cache_config_info")!;
    expect(info.labels).toMatchObject({
      block_size: "16",
      kv_cache_size_tokens: "42000",
      gpu_memory_utilization: "0.92",
    });
    // The buckets of vLLM's PrometheusStatLogger (vllm/v1/metrics/loggers.py).
    const les = (name: string) => samples.filter((x) => x.name === `${name}_bucket`).map((x) => x.labels.le);
    const py = (xs: number[]) => [...xs.map((x) => (Number.isInteger(x) ? x.toFixed(1) : String(x))), "+Inf"];
    expect(les("vllm:time_to_first_token_seconds")).toEqual(
      py([
        0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640,
        2560,
      ]),
    );
    expect(les("vllm:inter_token_latency_seconds")).toEqual(
      py([0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80]),
    );
    expect(les("vllm:e2e_request_latency_seconds")).toEqual(
      py([0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680]),
    );
    expect(text).toMatch(/^# TYPE vllm:prompt_tokens counter$/m);
    expect(text).toMatch(/^vllm:num_requests_running\{engine="0",model_name="google\/gemma-3-4b-it"\} 0\.0$/m);
  });
});

describe("errors", () => {
  it("400 without application/json", async () => {
    const res = await fetch(`${sim.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ messages: [] }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({
      type: "BadRequestError",
      code: 400,
      message: expect.stringContaining("application/json"),
    });
    const charset = await fetch(`${sim.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], max_completion_tokens: 2 }),
    });
    expect(charset.status).toBe(200);
  });

  it("FastAPI-style 404 and 405 for unknown routes and methods", async () => {
    const missing = await fetch(`${sim.url}/v1/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ detail: "Not Found" });
    expect((await fetch(`${sim.url}/v1/chat/completions`)).status).toBe(405);
  });

  it("400 for stream_options without stream", async () => {
    const res = await chat({ stream_options: { include_usage: true } });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ param: "stream_options", code: 400 });
  });

  it("404 for an unknown model, nested shape", async () => {
    const res = await chat({ model: "nope/model" });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { message: "The model `nope/model` does not exist.", type: "NotFoundError", param: "model", code: 404 },
    });
  });

  it("400 maximum context length in the current wording", async () => {
    const res = await chat({ messages: [{ role: "user", content: "word ".repeat(8200) }], max_completion_tokens: 16 });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(layout(body)).toEqual(layout(fixtureJson("error-400-current.json")));
    expect(body.error.param).toBe("input_tokens");
    expect(body.error.message).toMatch(
      /^This model's maximum context length is 8192 tokens\. However, you requested 16 output tokens and your prompt contains \d+ input tokens, for a total of \d+ tokens\./,
    );
  });

  it("401 {error:'Unauthorized'} in --api-key mode, only on /v1", async () => {
    const locked = await startSimulator({ profile: "gemma-3-1b@rtx-4080", speedup: 200, apiKey: "sekret" });
    try {
      const denied = await fetch(`${locked.url}/v1/models`);
      expect(denied.status).toBe(401);
      expect(await denied.json()).toEqual(fixtureJson("error-401-unauthorized.json"));
      expect((await fetch(`${locked.url}/v1/models`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
      expect((await fetch(`${locked.url}/v1/models`, { headers: { authorization: "Bearer sekret" } })).status).toBe(
        200,
      );
      expect((await fetch(`${locked.url}/health`)).status).toBe(200);
    } finally {
      await locked.close();
    }
  });
});

describe("JSON layout against the recorded transcripts", () => {
  it("chat stream chunks have the 0.28 key order", async () => {
    const events = jsonEvents(
      await readSse(
        await chat(
          { stream: true, stream_options: { include_usage: true }, max_completion_tokens: 2000 },
          { "x-request-id": "layout-1" },
        ),
      ),
    );
    const fixture = fixtureEvents("chat-stream-0.28.0-include-usage.sse");
    const [role, ...rest] = events;
    const usageChunk = rest.at(-1)!;
    const finish = rest.at(-2)!;
    const content = rest[0]!;
    expect(keys(role!)).toEqual(keys(fixtureEvents("chat-stream-0.21.0-single-chunk.sse")[0]!));
    expect(role!.choices[0]).toEqual({
      index: 0,
      delta: { role: "assistant", content: "" },
      logprobs: null,
      finish_reason: null,
    });
    expect(layout(content)).toEqual(layout(fixture[0]));
    expect(JSON.stringify(layout(finish))).toBe(JSON.stringify(layout(fixture[1])));
    expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: "stop", stop_reason: 106 });
    expect(layout(usageChunk)).toEqual(layout(fixture[2]));
    expect(usageChunk.system_fingerprint).toMatch(/^vllm-0\.28\.0-[0-9a-f]{8}$/);
    expect(new Set(events.map((e) => e.id))).toEqual(new Set(["chatcmpl-layout-1"]));
    expect(usageChunk.usage.total_tokens).toBe(usageChunk.usage.prompt_tokens + usageChunk.usage.completion_tokens);
    expect(usageChunk.usage.completion_tokens).toBe(rest.length - 1);
  });

  it("without include_usage the fingerprint sits on the finish chunk", async () => {
    const events = jsonEvents(await readSse(await chat({ stream: true, max_completion_tokens: 2000 })));
    const finish = events.at(-1)!;
    expect(finish.choices[0].finish_reason).toBe("stop");
    expect(Object.keys(finish)).toEqual(["id", "object", "created", "model", "choices", "system_fingerprint"]);
    expect(events.slice(0, -1).every((e) => !("system_fingerprint" in e) && !("usage" in e))).toBe(true);
  });

  it("completions stream chunks follow the post-2026-04 layout (no usage key)", async () => {
    const res = await postJson(`${sim.url}/v1/completions`, {
      model: sim.model,
      prompt: "Once upon a time",
      max_tokens: 5,
      stream: true,
    });
    const events = jsonEvents(await readSse(res));
    const fixture = fixtureEvents("completions-stream-2026-04.sse").map(({ usage: _u, ...rest }) => rest);
    expect(events).toHaveLength(5);
    expect(layout(events[0])).toEqual(layout(fixture[0]));
    expect(events.at(-1)!.choices[0].finish_reason).toBe("length");
    expect(events[0]!.id).toMatch(/^cmpl-/);
  });

  it("non-streaming chat has the full-dump layout with nulls", async () => {
    const body = await (await chat({ max_completion_tokens: 2000 })).json();
    const fixture = fixtureJson("chat-nonstream-2026-03.json");
    expect(Object.keys(body)).toEqual(Object.keys(fixture));
    expect(Object.keys(body.choices[0])).toEqual(Object.keys(fixture.choices[0]));
    expect(Object.keys(body.choices[0].message)).toEqual(Object.keys(fixture.choices[0].message));
    expect(Object.keys(body.usage)).toEqual(Object.keys(fixture.usage));
    expect(body.system_fingerprint).toMatch(/^vllm-0\.28\.0-/);
  });
});

describe("readiness", () => {
  it("refuses connections while loading, then answers 200; 503 when dead", async () => {
    const loading = await startSimulator({ profile: "gemma-3-1b@rtx-4080", loadTimeMs: 400 });
    try {
      await expect(fetch(`${loading.url}/health`)).rejects.toThrow();
      await loading.ready;
      expect((await fetch(`${loading.url}/health`)).status).toBe(200);
      loading.setDead(true);
      expect((await fetch(`${loading.url}/health`)).status).toBe(503);
      const res = await postJson(`${loading.url}/v1/chat/completions`, {
        messages: [{ role: "user", content: "hi" }],
        max_completion_tokens: 3,
      });
      expect(res.status).toBe(500);
      expect((await res.json()).error).toMatchObject({ type: "InternalServerError", code: 500 });
      loading.setDead(false);
      expect((await fetch(`${loading.url}/health`)).status).toBe(200);
    } finally {
      await loading.close();
    }
  });
});
