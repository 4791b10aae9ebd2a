import { describe, expect, it } from "vitest";
import { SseDecoder } from "../../data-loaders/client/sse.ts";
import { parseResponseBody } from "../../data-loaders/client/stream-state.ts";
import {
  bytes,
  decodeChunks,
  fixtureBytes,
  fixtureText,
  randomOffsets,
  rng,
  sse,
  SSE_FIXTURES,
  splitAt,
} from "./helpers.ts";

/** Feeds a transcript one event per read; read i arrives at 100 + 10·i ms. */
function decodePerEvent(text: string) {
  const events = text.split(/(?<=\n\n)/).filter((e) => e !== "");
  return decodeChunks(
    events.map(bytes),
    events.map((_, i) => 100 + 10 * i),
  );
}

function payloadIds(name: string): string[] {
  const d = new SseDecoder();
  return d.push(fixtureBytes(name)).map((p) => JSON.parse(p).id);
}

describe("recorded streams parse to the README's Derive values", () => {
  it("chat-stream-0.9.2-no-usage.sse", () => {
    const text = fixtureText("chat-stream-0.9.2-no-usage.sse");
    const r = decodePerEvent(text);
    expect(r.events).toBe(6);
    expect(r.done).toBe(true);
    expect(new Set(payloadIds("chat-stream-0.9.2-no-usage.sse"))).toEqual(
      new Set(["chatcmpl-dc461701bc424bac9de697c529922071"]),
    );
    expect(JSON.parse(r.payloads[0]!).choices[0].delta).toEqual({ role: "assistant", content: "" });
    expect(text).not.toMatch(/token_ids|system_fingerprint/);
    expect(r.fields).toEqual({
      ok: true,
      errorClass: null,
      errorMessage: null,
      // Event 1 is the role chunk (first event with choices), event 2 the first content.
      firstEventMs: 100,
      firstTokenMs: 110,
      // Every event with choices counts, including the empty-content one.
      itlMs: [10, 10, 10, 10, 10],
      // The finish chunk (event 6) is the last with choices: where vllm bench serve ends E2EL.
      lastChunkMs: 150,
      promptTokens: null,
      completionTokens: null,
      totalTokens: null,
      finishReason: "stop",
      stopReason: null,
      answer: "<think>\n 😊",
      reasoning: null,
      responseId: "chatcmpl-dc461701bc424bac9de697c529922071",
      systemFingerprint: null,
      toolCalls: [],
      serverError: null,
      overflow: null,
      vllmSuccess: true,
    });
  });

  it("chat-stream-0.21.0-single-chunk.sse", () => {
    const r = decodePerEvent(fixtureText("chat-stream-0.21.0-single-chunk.sse"));
    expect(r.events).toBe(2);
    const role = JSON.parse(r.payloads[0]!);
    expect(role.prompt_token_ids).toBeNull();
    expect(role.prompt_text).toBeNull();
    expect(r.fields).toMatchObject({
      ok: true,
      answer: "Hi! I am Martlet! Welcome!",
      finishReason: "stop",
      stopReason: null,
      systemFingerprint: "vllm-0.21.0-d9f6bf25",
      promptTokens: null,
      completionTokens: null,
      responseId: "chatcmpl-98dd098f7c431da6",
      firstEventMs: 100,
      firstTokenMs: 110,
      itlMs: [10],
      reasoning: null,
    });
  });

  it("chat-stream-0.28.0-include-usage.sse (usage chunk has choices: [])", () => {
    const r = decodePerEvent(fixtureText("chat-stream-0.28.0-include-usage.sse"));
    expect(r.events).toBe(3);
    expect(JSON.parse(r.payloads[2]!).choices).toEqual([]);
    expect(JSON.parse(r.payloads[2]!).usage).not.toHaveProperty("prompt_tokens_details");
    expect(new Set(payloadIds("chat-stream-0.28.0-include-usage.sse"))).toEqual(new Set(["chatcmpl-9c160edd762b3fa6"]));
    expect(r.fields).toEqual({
      ok: true,
      errorClass: null,
      errorMessage: null,
      firstEventMs: 100,
      firstTokenMs: 100,
      // The usage chunk (no choices) adds no gap and does not end E2EL: the finish chunk (110) does.
      itlMs: [10],
      lastChunkMs: 110,
      promptTokens: 34,
      completionTokens: 22,
      totalTokens: 56,
      finishReason: "stop",
      stopReason: 106,
      answer: " mercure",
      reasoning: null,
      responseId: "chatcmpl-9c160edd762b3fa6",
      systemFingerprint: "vllm-0.28.0-54757788",
      toolCalls: [],
      serverError: null,
      overflow: null,
      vllmSuccess: true,
    });
  });

  it('chat-stream-0.28.0-tool-call.sse (only a tool call: answer "", fragments joined, type kept)', () => {
    const r = decodePerEvent(fixtureText("chat-stream-0.28.0-tool-call.sse"));
    expect(r.events).toBe(6);
    expect(r.fields).toMatchObject({
      ok: true,
      vllmSuccess: true,
      answer: "",
      finishReason: "tool_calls",
      stopReason: 50,
      systemFingerprint: "vllm-0.28.0-54757788",
      promptTokens: null,
      totalTokens: null,
      firstEventMs: 100,
      // The tool-call delta is the first output.
      firstTokenMs: 110,
      lastChunkMs: 150,
    });
    expect(r.fields.toolCalls).toEqual([
      {
        index: 0,
        id: "chatcmpl-tool-8194d2d4a1cec831",
        type: "function",
        name: "search_vectors",
        arguments: '{"query": "régime indemnitaire des astreintes de nuit en foyer médicalisé"}',
      },
    ]);
    expect(JSON.parse(r.fields.toolCalls[0]!.arguments)).toEqual({
      query: "régime indemnitaire des astreintes de nuit en foyer médicalisé",
    });
  });

  it("completions-stream-2026-04.sse (usage: null is not reported)", () => {
    const r = decodePerEvent(fixtureText("completions-stream-2026-04.sse"));
    expect(r.events).toBe(2);
    for (const p of r.payloads) {
      const chunk = JSON.parse(p);
      expect(chunk.object).toBe("text_completion");
      expect(chunk.usage).toBeNull();
    }
    expect(r.fields).toMatchObject({
      ok: true,
      answer: " performance and",
      finishReason: "length",
      stopReason: null,
      promptTokens: null,
      completionTokens: null,
      responseId: "cmpl-a1fcb98a99df0198",
      firstEventMs: 100,
      firstTokenMs: 100,
      itlMs: [10],
    });
  });

  for (const name of SSE_FIXTURES) {
    it(`${name}: random re-chunking (200 seeds), one byte at a time and CRLF framing give the same result`, () => {
      const whole = fixtureBytes(name);
      const expected = decodeChunks([whole]);
      expect(expected.fields.ok).toBe(true);
      expect(decodeChunks(Array.from(whole, (_, i) => whole.subarray(i, i + 1)))).toEqual(expected);
      for (let seed = 1; seed <= 200; seed++) {
        expect(decodeChunks(splitAt(whole, randomOffsets(whole.length, rng(seed)))), `seed ${seed}`).toEqual(expected);
      }
      // Synthetic: the same transcript with CRLF line endings.
      const crlf = bytes(fixtureText(name).replaceAll("\n", "\r\n"));
      expect(decodeChunks([crlf])).toEqual(expected);
      for (let seed = 1; seed <= 50; seed++) {
        expect(decodeChunks(splitAt(crlf, randomOffsets(crlf.length, rng(seed)))), `crlf seed ${seed}`).toEqual(
          expected,
        );
      }
    });
  }
});

describe("recorded non-streaming bodies parse to the README's Derive values", () => {
  it("chat-nonstream-0.9.2-think-inline.json", () => {
    const text = fixtureText("chat-nonstream-0.9.2-think-inline.json");
    const f = parseResponseBody(text);
    expect(f).toMatchObject({
      ok: true,
      promptTokens: 14,
      completionTokens: 167,
      finishReason: "stop",
      stopReason: null,
      reasoning: null,
      systemFingerprint: null,
      toolCalls: [],
      responseId: "chatcmpl-c3148b655d294d1a8b27621eeca246c4",
      firstEventMs: null,
      firstTokenMs: null,
      itlMs: [],
    });
    expect(f.answer).toMatch(/^<think>\n/);
    expect(f.answer).toContain("</think>\n\nHello! How can I assist you today? 😊");
    expect(text).not.toMatch(/system_fingerprint|service_tier|token_ids/);
  });

  it("chat-nonstream-0.9.2-tool-call.json (message.tool_calls, arguments a JSON string)", () => {
    const f = parseResponseBody(fixtureText("chat-nonstream-0.9.2-tool-call.json"), 900);
    expect(f).toMatchObject({
      ok: true,
      vllmSuccess: true,
      finishReason: "tool_calls",
      promptTokens: 194,
      completionTokens: 136,
      totalTokens: 330,
      // A whole body: no per-chunk timing, its arrival is its last chunk.
      firstEventMs: null,
      lastChunkMs: 900,
    });
    expect(f.answer).toMatch(/^<think>\nOkay, the user is asking about the weather in Seoul\..*<\/think>\n\n$/s);
    expect(f.toolCalls).toEqual([
      {
        index: 0,
        id: "chatcmpl-tool-0e7aedb0c1e543d592c2ba92cb77d4d5",
        type: "function",
        name: "get_weather",
        arguments: '{"location": "Seoul"}',
      },
    ]);
  });

  it("chat-nonstream-0.9.2-reasoning-content.json (reasoning_content)", () => {
    const f = parseResponseBody(fixtureText("chat-nonstream-0.9.2-reasoning-content.json"));
    expect(f).toMatchObject({
      ok: true,
      promptTokens: 14,
      completionTokens: 107,
      finishReason: "stop",
      answer: "\n\nHello! How can I assist you today? 😊",
      responseId: "chatcmpl-72bce2708f9343c1b2a66213c677ab17",
    });
    expect(f.reasoning).toMatch(/^\nOkay, the user said/);
  });

  it("chat-nonstream-2026-03.json (reasoning and system_fingerprint null)", () => {
    const f = parseResponseBody(fixtureText("chat-nonstream-2026-03.json"));
    expect(f).toMatchObject({
      ok: true,
      promptTokens: 30,
      completionTokens: 19,
      finishReason: "stop",
      stopReason: null,
      reasoning: null,
      systemFingerprint: null,
      responseId: "chatcmpl-8c9ba236ade65176",
    });
    expect([...f.answer!]).toHaveLength(34);
    expect(f.answer).toMatch(/^你好！/);
  });

  it("a completions body reads choices[0].text (synthetic)", () => {
    const body = {
      id: "cmpl-1",
      object: "text_completion",
      choices: [{ index: 0, text: " and so on", finish_reason: "length", stop_reason: null }],
      usage: { prompt_tokens: 5, total_tokens: 69, completion_tokens: 64 },
    };
    expect(parseResponseBody(JSON.stringify(body))).toMatchObject({
      ok: true,
      answer: " and so on",
      finishReason: "length",
      promptTokens: 5,
      completionTokens: 64,
    });
  });

  it("a body that is not JSON, or has no choices, is malformed; an error body is in-band (synthetic)", () => {
    expect(parseResponseBody("<html>bad gateway</html>")).toMatchObject({ ok: false, errorClass: "malformed_stream" });
    expect(parseResponseBody('{"id":"x","choices":[]}')).toMatchObject({ ok: false, errorClass: "malformed_stream" });
    expect(parseResponseBody('{"error":{"message":"boom","type":"InternalServerError","code":500}}')).toMatchObject({
      ok: false,
      errorClass: "in_band_error",
      errorMessage: "boom",
    });
  });
});

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
  id: "chatcmpl-synthetic",
  object: "chat.completion.chunk",
  created: 1,
  model: "m",
  choices,
  ...extra,
});
const delta = (d: Record<string, unknown>, finish: string | null = null) => ({
  index: 0,
  delta: d,
  logprobs: null,
  finish_reason: finish,
});

describe("synthetic streams", () => {
  it("synthetic: an in-band error event inside a 200 stream fails the request", () => {
    const text = sse([
      chunk([delta({ role: "assistant", content: "" })]),
      chunk([delta({ content: "Hel" })]),
      { error: { message: "KV cache load failed", type: "InternalServerError", param: null, code: 500 } },
      chunk([delta({ content: "lo" })]),
    ]);
    const r = decodePerEvent(text);
    expect(r.done).toBe(true);
    expect(r.fields).toMatchObject({
      ok: false,
      errorClass: "in_band_error",
      errorMessage: "KV cache load failed",
      // The server's own words, beside the tracker's class.
      serverError: { type: "InternalServerError", code: "500", param: null },
      answer: "Hel",
      firstEventMs: 100,
      firstTokenMs: 110,
      // vllm bench serve reads no error events: choices arrived, so it counts a success.
      vllmSuccess: true,
    });
  });

  it("synthetic: an in-band error before any choices is a failure for vLLM's count too", () => {
    const r = decodePerEvent(
      sse([{ error: { message: "boom", type: "InternalServerError", param: null, code: 500 } }]),
    );
    expect(r.fields).toMatchObject({ ok: false, errorClass: "in_band_error", vllmSuccess: false, answer: null });
  });

  it("synthetic: a legacy flat in-band error event", () => {
    const r = decodePerEvent(
      sse([
        chunk([delta({ content: "a" })]),
        { object: "error", message: "old style", type: "BadRequestError", code: 400 },
      ]),
    );
    expect(r.fields).toMatchObject({ ok: false, errorClass: "in_band_error", errorMessage: "old style" });
  });

  it("synthetic: continuous_usage_stats usage on every chunk, the last one wins", () => {
    const usage = (c: number) => ({ usage: { prompt_tokens: 12, total_tokens: 12 + c, completion_tokens: c } });
    const events = [
      chunk([delta({ role: "assistant", content: "" })], usage(0)),
      chunk([delta({ content: "one two" })], usage(2)),
      chunk([delta({ content: " three" })], usage(3)),
      chunk([delta({}, "stop")], usage(3)),
    ];
    expect(decodePerEvent(sse(events)).fields).toMatchObject({
      ok: true,
      promptTokens: 12,
      completionTokens: 3,
      answer: "one two three",
      itlMs: [10, 10, 10],
    });
    // With include_usage the final chunk (choices: []) carries the totals.
    const withFinal = sse([...events, chunk([], usage(4))]);
    expect(decodePerEvent(withFinal).fields).toMatchObject({
      promptTokens: 12,
      completionTokens: 4,
      itlMs: [10, 10, 10],
    });
  });

  it("synthetic: several tokens in one chunk; token counts come only from usage, never from chunks", () => {
    const events = [
      chunk([delta({ content: "several tokens at once" }, "length")]),
      chunk([], { usage: { prompt_tokens: 3, total_tokens: 10, completion_tokens: 7 } }),
    ];
    expect(decodePerEvent(sse(events)).fields).toMatchObject({
      ok: true,
      completionTokens: 7,
      promptTokens: 3,
      answer: "several tokens at once",
      itlMs: [],
    });
    // No usage reported: unknown, not the number of chunks.
    expect(decodePerEvent(sse(events.slice(0, 1))).fields).toMatchObject({
      ok: true,
      completionTokens: null,
      promptTokens: null,
    });
    // A missing usage key and usage: null are the same.
    expect(decodePerEvent(sse([chunk([delta({ content: "x" }, "stop")], { usage: null })])).fields).toMatchObject({
      completionTokens: null,
      promptTokens: null,
    });
  });

  it("synthetic: tool_calls deltas count as the first token and are concatenated per index", () => {
    const events = [
      chunk([delta({ role: "assistant", content: "" })]),
      chunk([
        delta({
          tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: "" } }],
        }),
      ]),
      chunk([delta({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] })]),
      chunk([
        delta({
          tool_calls: [{ index: 1, id: "call_2", type: "function", function: { name: "get_time", arguments: "{}" } }],
        }),
      ]),
      chunk([delta({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] })]),
      chunk([delta({}, "tool_calls")]),
    ];
    const f = decodePerEvent(sse(events)).fields;
    expect(f).toMatchObject({
      ok: true,
      firstEventMs: 100,
      firstTokenMs: 110,
      finishReason: "tool_calls",
      // The only output is tool calls: the text content is "", not unknown.
      answer: "",
    });
    expect(f.toolCalls).toEqual([
      { index: 0, id: "call_1", type: "function", name: "get_weather", arguments: '{"city":"Paris"}' },
      { index: 1, id: "call_2", type: "function", name: "get_time", arguments: "{}" },
    ]);
  });

  it("synthetic: reasoning deltas (reasoning, reasoning_content, or both with the same text)", () => {
    const events = [
      chunk([delta({ role: "assistant", content: "" })]),
      chunk([delta({ reasoning: "Let me " })]),
      chunk([delta({ reasoning_content: "think." })]),
      chunk([delta({ reasoning: " Done.", reasoning_content: " Done." })]),
      chunk([delta({ content: "42" }, "stop")]),
    ];
    expect(decodePerEvent(sse(events)).fields).toMatchObject({
      ok: true,
      firstTokenMs: 110,
      reasoning: "Let me think. Done.",
      answer: "42",
    });
  });

  it("synthetic: a payload that is not a JSON object is malformed_stream", () => {
    expect(decodePerEvent(sse([chunk([delta({ content: "a" })]), "not json"])).fields).toMatchObject({
      ok: false,
      errorClass: "malformed_stream",
      answer: "a",
      // vllm bench serve's json.loads fails on it too.
      vllmSuccess: false,
    });
    expect(decodePerEvent(sse(["[1,2]"])).fields).toMatchObject({ ok: false, errorClass: "malformed_stream" });
  });

  it("synthetic: a stream that ends without [DONE], or without any choices, is malformed_stream", () => {
    const cut = sse([chunk([delta({ content: "partial" })])]).replace("data: [DONE]\n\n", "");
    expect(decodePerEvent(cut).fields).toMatchObject({
      ok: false,
      errorClass: "malformed_stream",
      errorMessage: "stream ended without [DONE]",
      answer: "partial",
      // vllm bench serve does not wait for [DONE]: a success by its count.
      vllmSuccess: true,
    });
    expect(decodePerEvent(sse([])).fields).toMatchObject({
      ok: false,
      errorClass: "malformed_stream",
      vllmSuccess: false,
    });
  });
});
