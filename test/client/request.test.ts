import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Dispatcher } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDispatcher, endpointUrl, send } from "../../data-loaders/client/request.ts";
import type { CompletionRequest } from "../../data-loaders/client/outcome.ts";
import { fixtureText, sse } from "./helpers.ts";

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let base: string;
let handler: Handler;
let recorded: Recorded[];
const dispatcher = createDispatcher(4);
const now = () => performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const API_KEY = "sk-test-secret-0123456789";

beforeAll(async () => {
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const text = Buffer.concat(parts).toString("utf8");
      recorded.push({ method: req.method!, url: req.url!, headers: req.headers, body: text ? JSON.parse(text) : {} });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await dispatcher.close();
});

beforeEach(() => {
  recorded = [];
});

function chatRequest(overrides: Partial<CompletionRequest> = {}): CompletionRequest {
  return {
    baseUrl: base,
    model: "test-model",
    api: "chat",
    messages: [{ role: "user", content: "Say hi" }],
    maxTokens: 64,
    temperature: 0,
    stream: true,
    requestId: "bench-0001-7",
    ...overrides,
  };
}

/** Replies 200 text/event-stream, writing each event after `gapMs`. */
function streamEvents(text: string, gapMs = 0, end = true): Handler {
  return async (_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (const event of text.split(/(?<=\n\n)/)) {
      if (gapMs > 0) await sleep(gapMs);
      res.write(event);
    }
    if (end) res.end();
  };
}

function reply(status: number, body: string, contentType = "application/json"): Handler {
  return (_req, res) => {
    res.writeHead(status, { "content-type": contentType });
    res.end(body);
  };
}

describe("request shape", () => {
  it("streaming chat: headers, path and body", async () => {
    handler = streamEvents(fixtureText("chat-stream-0.28.0-include-usage.sse"));
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    const out = await send(chatRequest({ apiKey: API_KEY, seed: 42, jsonSchema: schema }), { dispatcher, now });
    expect(out.ok).toBe(true);
    expect(recorded).toHaveLength(1);
    const r = recorded[0]!;
    expect(r.method).toBe("POST");
    expect(r.url).toBe("/v1/chat/completions");
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.headers["x-request-id"]).toBe("bench-0001-7");
    expect(r.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(r.body).toEqual({
      model: "test-model",
      messages: [{ role: "user", content: "Say hi" }],
      max_completion_tokens: 64,
      temperature: 0,
      seed: 42,
      stream: true,
      stream_options: { include_usage: true },
      response_format: { type: "json_schema", json_schema: { name: "answer", schema, strict: true } },
    });
  });

  it("non-streaming completions: prompt and max_tokens, no stream_options, no seed, no auth header", async () => {
    handler = reply(
      200,
      JSON.stringify({
        id: "cmpl-x",
        object: "text_completion",
        choices: [{ index: 0, text: "ok", finish_reason: "stop" }],
        usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 },
      }),
    );
    const out = await send(
      chatRequest({ api: "completions", messages: undefined, prompt: "Once upon", stream: false }),
      { dispatcher, now },
    );
    expect(out).toMatchObject({ ok: true, answer: "ok", promptTokens: 2, completionTokens: 1 });
    const r = recorded[0]!;
    expect(r.url).toBe("/v1/completions");
    expect(r.headers.authorization).toBeUndefined();
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.body).toEqual({ model: "test-model", prompt: "Once upon", max_tokens: 64, temperature: 0, stream: false });
  });

  it("sends the workload's extra fields (sampling, vLLM extras) beside the tracker's own", async () => {
    handler = streamEvents(fixtureText("chat-stream-0.28.0-include-usage.sse"));
    const params = { top_p: 0.9, top_k: 20, ignore_eos: true, min_tokens: 64, stop: ["</answer>"] };
    await send(chatRequest({ params }), { dispatcher, now });
    expect(recorded[0]!.body).toMatchObject({ ...params, max_completion_tokens: 64, stream: true });
  });

  it("accepts base URLs with or without a trailing /v1 or /", async () => {
    handler = reply(200, fixtureText("chat-nonstream-2026-03.json"));
    for (const baseUrl of [base, `${base}/`, `${base}/v1`, `${base}/v1/`]) {
      expect((await send(chatRequest({ baseUrl, stream: false }), { dispatcher, now })).ok).toBe(true);
    }
    expect(recorded.map((r) => r.url)).toEqual(Array(4).fill("/v1/chat/completions"));
    expect(endpointUrl("http://h:8000/v1", "completions")).toBe("http://h:8000/v1/completions");
  });
});

describe("successful responses", () => {
  it("streaming chat fixture: timing from now() per chunk, usage from the choices: [] chunk", async () => {
    handler = streamEvents(fixtureText("chat-stream-0.9.2-no-usage.sse"), 40);
    const out = await send(chatRequest(), { dispatcher, now });
    expect(out).toMatchObject({
      ok: true,
      errorClass: null,
      httpStatus: 200,
      errorMessage: null,
      answer: "<think>\n 😊",
      finishReason: "stop",
      promptTokens: null,
      completionTokens: null,
      responseId: "chatcmpl-dc461701bc424bac9de697c529922071",
    });
    expect(out.firstEventMs).toBeGreaterThanOrEqual(out.sentMs + 30);
    expect(out.firstTokenMs).toBeGreaterThanOrEqual(out.firstEventMs! + 30);
    expect(out.itlMs).toHaveLength(5);
    for (const gap of out.itlMs) expect(gap).toBeGreaterThanOrEqual(30);
    expect(out.doneMs).toBeGreaterThanOrEqual(out.firstTokenMs!);
  });

  it("streaming with include_usage", async () => {
    handler = streamEvents(fixtureText("chat-stream-0.28.0-include-usage.sse"));
    const out = await send(chatRequest(), { dispatcher, now });
    expect(out).toMatchObject({
      ok: true,
      vllmSuccess: true,
      answer: " mercure",
      promptTokens: 34,
      completionTokens: 22,
      totalTokens: 56,
      stopReason: 106,
      systemFingerprint: "vllm-0.28.0-54757788",
    });
  });

  it("E2EL ends at the last chunk with choices; the usage chunk and [DONE] arrive later, at the body's end", async () => {
    const events = fixtureText("chat-stream-0.28.0-include-usage.sse").split(/(?<=\n\n)/);
    handler = async (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(events[0]! + events[1]!); // content and finish chunks
      await sleep(60);
      res.end(events[2]! + events[3]!); // usage chunk and [DONE]
    };
    const out = await send(chatRequest(), { dispatcher, now });
    expect(out.ok).toBe(true);
    expect(out.lastChunkMs).not.toBeNull();
    expect(out.doneMs! - out.lastChunkMs!).toBeGreaterThanOrEqual(50);
  });

  it("non-streaming chat fixture: no per-token timing", async () => {
    handler = reply(200, fixtureText("chat-nonstream-0.9.2-reasoning-content.json"));
    const out = await send(chatRequest({ stream: false }), { dispatcher, now });
    expect(out).toMatchObject({
      ok: true,
      httpStatus: 200,
      promptTokens: 14,
      completionTokens: 107,
      finishReason: "stop",
      firstEventMs: null,
      firstTokenMs: null,
      itlMs: [],
    });
    expect(out.reasoning).toMatch(/^\nOkay, the user said/);
    expect(out.doneMs).toBeGreaterThanOrEqual(out.sentMs);
    expect(recorded[0]!.body).not.toHaveProperty("stream_options");
  });
});

describe("failures become Outcomes", () => {
  it("400 context length", async () => {
    handler = reply(400, fixtureText("error-400-current.json"));
    const out = await send(chatRequest(), { dispatcher, now });
    expect(out).toMatchObject({
      ok: false,
      errorClass: "context_length",
      httpStatus: 400,
      answer: null,
      firstEventMs: null,
      lastChunkMs: null,
      vllmSuccess: false,
      serverError: { type: "BadRequestError", code: "400", param: "input_tokens" },
      overflow: { limit: 4096, requested: 5016, prompt: 5000, completion: 16 },
    });
    expect(out.errorMessage).toMatch(/maximum context length is 4096/);
  });

  it("401 with the key echoed back: class auth, key redacted", async () => {
    handler = reply(401, JSON.stringify({ error: `Unauthorized: Bearer ${API_KEY}` }));
    const out = await send(chatRequest({ apiKey: API_KEY }), { dispatcher, now });
    expect(out).toMatchObject({ ok: false, errorClass: "auth", httpStatus: 401 });
    expect(out.errorMessage).toContain("Unauthorized");
    expect(JSON.stringify(out)).not.toContain(API_KEY);
  });

  it("401 fixture body", async () => {
    handler = reply(401, fixtureText("error-401-unauthorized.json"));
    expect(await send(chatRequest({ apiKey: "wrong" }), { dispatcher, now })).toMatchObject({
      ok: false,
      errorClass: "auth",
      errorMessage: "Unauthorized",
    });
  });

  it("404 unknown model keeps the server's message", async () => {
    handler = reply(
      404,
      '{"error":{"message":"The model `test-model` does not exist.","type":"NotFoundError","param":"model","code":404}}',
    );
    expect(await send(chatRequest(), { dispatcher, now })).toMatchObject({
      ok: false,
      errorClass: "http_4xx",
      httpStatus: 404,
      errorMessage: "The model `test-model` does not exist.",
      serverError: { type: "NotFoundError", code: "404", param: "model" },
      overflow: null,
    });
  });

  it("500", async () => {
    handler = reply(
      500,
      '{"error":{"message":"EngineCore died","type":"InternalServerError","param":null,"code":500}}',
    );
    expect(await send(chatRequest(), { dispatcher, now })).toMatchObject({
      ok: false,
      errorClass: "http_5xx",
      httpStatus: 500,
      errorMessage: "EngineCore died",
    });
  });

  it("synthetic: in-band error event in a 200 stream", async () => {
    handler = streamEvents(
      sse([
        { id: "c", choices: [{ index: 0, delta: { content: "a" } }] },
        { error: { message: "KV load failed", type: "InternalServerError", param: null, code: 500 } },
      ]),
    );
    expect(await send(chatRequest(), { dispatcher, now })).toMatchObject({
      ok: false,
      errorClass: "in_band_error",
      httpStatus: 200,
      errorMessage: "KV load failed",
      serverError: { type: "InternalServerError", code: "500", param: null },
      answer: "a",
      // vllm bench serve does not read the error event: a success by its count.
      vllmSuccess: true,
    });
  });

  it("a stream that ends cleanly without [DONE] is malformed_stream", async () => {
    handler = streamEvents(fixtureText("chat-stream-0.9.2-no-usage.sse").replace("data: [DONE]\n\n", ""));
    expect(await send(chatRequest(), { dispatcher, now })).toMatchObject({
      ok: false,
      errorClass: "malformed_stream",
      httpStatus: 200,
      vllmSuccess: true,
    });
  });

  it("connection destroyed mid-stream is reset, keeping what arrived", async () => {
    const events = fixtureText("chat-stream-0.9.2-no-usage.sse").split(/(?<=\n\n)/);
    handler = async (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(events[0]! + events[1]!);
      await sleep(30);
      res.socket!.destroy();
    };
    const out = await send(chatRequest(), { dispatcher, now });
    // aiohttp raises on a broken body too: vllm bench serve counts it failed.
    expect(out).toMatchObject({
      ok: false,
      errorClass: "reset",
      httpStatus: 200,
      answer: "<think>",
      vllmSuccess: false,
    });
    expect(out.firstEventMs).not.toBeNull();
    expect(out.doneMs).toBeGreaterThanOrEqual(out.firstEventMs!);
  });

  it("bytes that arrive in the same turn as a reset are parsed before the failure is reported", async () => {
    // A dispatcher that delivers the status, two events and the socket error in one synchronous
    // sequence, as undici does when one socket read brings the last bytes and the reset.
    const events = fixtureText("chat-stream-0.9.2-no-usage.sse").split(/(?<=\n\n)/);
    const controller = { aborted: false, paused: false, reason: null, abort() {}, pause() {}, resume() {} };
    const sameTurn = {
      dispatch(_opts: unknown, handler: Dispatcher.DispatchHandler) {
        handler.onRequestStart?.(controller, {});
        handler.onResponseStart?.(controller, 200, { "content-type": "text/event-stream" }, "OK");
        handler.onResponseData?.(controller, Buffer.from(events[0]! + events[1]!));
        handler.onResponseError?.(controller, Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
        return true;
      },
    } as unknown as Dispatcher;
    const out = await send(chatRequest(), { dispatcher: sameTurn, now });
    expect(out).toMatchObject({ ok: false, errorClass: "reset", httpStatus: 200, answer: "<think>" });
    expect(out.firstEventMs).not.toBeNull();
  });

  it("a server that never answers hits timeoutMs", async () => {
    handler = () => {};
    const started = now();
    const out = await send(chatRequest({ timeoutMs: 200 }), { dispatcher, now });
    expect(out).toMatchObject({ ok: false, errorClass: "timeout", httpStatus: null });
    expect(out.errorMessage).toContain("200 ms");
    expect(now() - started).toBeGreaterThanOrEqual(190);
    expect(now() - started).toBeLessThan(5_000);
  });

  it("a stream that stalls after headers hits timeoutMs and keeps the partial answer", async () => {
    const events = fixtureText("chat-stream-0.9.2-no-usage.sse").split(/(?<=\n\n)/);
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(events[0]! + events[1]!);
    };
    const out = await send(chatRequest({ timeoutMs: 200 }), { dispatcher, now });
    expect(out).toMatchObject({ ok: false, errorClass: "timeout", httpStatus: 200, answer: "<think>" });
  });

  it("the caller's AbortSignal gives aborted, before or during the request", async () => {
    handler = () => {};
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(await send(chatRequest({ signal: controller.signal, timeoutMs: 5_000 }), { dispatcher, now })).toMatchObject(
      { ok: false, errorClass: "aborted" },
    );
    expect(await send(chatRequest({ signal: AbortSignal.abort() }), { dispatcher, now })).toMatchObject({
      ok: false,
      errorClass: "aborted",
      httpStatus: null,
    });
  });

  it("an unparseable base URL is connect, without throwing", async () => {
    const out = await send(chatRequest({ baseUrl: "not a url" }), { dispatcher, now });
    expect(out).toMatchObject({ ok: false, errorClass: "connect", httpStatus: null });
    expect(recorded).toHaveLength(0);
  });

  it("connection refused is connect", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const out = await send(chatRequest({ baseUrl: `http://127.0.0.1:${port}`, apiKey: API_KEY }), { dispatcher, now });
    expect(out).toMatchObject({ ok: false, errorClass: "connect", httpStatus: null });
    expect(out.errorMessage).toContain("ECONNREFUSED");
    expect(out.errorMessage).not.toContain(API_KEY);
  });
});
