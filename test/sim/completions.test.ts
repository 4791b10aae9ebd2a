// What the completion routes answer for the options the simulator honours: n choices, several
// completions prompts (token ids too), logprobs in both layouts, stop strings, min_tokens,
// ignore_eos and tool calls — streamed and not, in vLLM's layouts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../data-loaders/sim/simulator.ts";
import { splitTokens, tokenIds } from "../../data-loaders/sim/tokenizer.ts";
import { jsonEvents, postJson, readSse, type Json } from "./http.ts";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ profile: "gemma-3-4b@rtx-4080", speedup: 200, seed: 5, toolCallParser: "hermes" });
});
afterAll(async () => {
  await sim.close();
});

const messages = [{ role: "user", content: "Say something about queues." }];
const chat = async (extra: Record<string, unknown>): Promise<Json> =>
  (await postJson(`${sim.url}/v1/chat/completions`, { messages, max_completion_tokens: 40, ...extra })).json();
const completions = async (extra: Record<string, unknown>): Promise<Json> =>
  (await postJson(`${sim.url}/v1/completions`, { prompt: "Once upon a time", max_tokens: 12, ...extra })).json();
const streamOf = async (path: string, body: Record<string, unknown>) =>
  jsonEvents(await readSse(await postJson(`${sim.url}${path}`, { ...body, stream: true })));

describe("n choices and several prompts", () => {
  it("chat n = 3: three choices that differ, the prompt counted once in usage", async () => {
    const one = await chat({ seed: 1 });
    const body = await chat({ n: 3, seed: 1 });
    expect(body.choices.map((c: Json) => c.index)).toEqual([0, 1, 2]);
    expect(body.choices[0].message.content).toBe(one.choices[0].message.content);
    expect(new Set(body.choices.map((c: Json) => c.message.content)).size).toBeGreaterThan(1);
    expect(body.usage.prompt_tokens).toBe(one.usage.prompt_tokens);
    expect(body.usage.completion_tokens).toBeGreaterThan(one.usage.completion_tokens);
  });

  it("a chat stream with n = 2: the role chunk of each choice first, each choice's own finish, usage once", async () => {
    const events = await streamOf("/v1/chat/completions", {
      messages,
      max_completion_tokens: 30,
      n: 2,
      seed: 3,
      stream_options: { include_usage: true },
    });
    expect(events.slice(0, 2).map((e) => [e.choices[0].index, e.choices[0].delta])).toEqual([
      [0, { role: "assistant", content: "" }],
      [1, { role: "assistant", content: "" }],
    ]);
    const finishes = events.filter((e) => e.choices[0]?.finish_reason);
    expect(finishes.map((e) => e.choices[0].index).sort()).toEqual([0, 1]);
    const usage = events.at(-1)!;
    expect(usage.choices).toEqual([]);
    const tokens = events.filter((e) => e.choices.length > 0 && !e.choices[0].delta.role).length;
    expect(usage.usage.completion_tokens).toBe(tokens);
  });

  it("completions with two prompts and n = 2: index = prompt · n + choice, prompts summed in usage", async () => {
    const single = [await completions({ prompt: "a b c" }), await completions({ prompt: "d e" })];
    const body = await completions({ prompt: ["a b c", "d e"], n: 2, temperature: 0.8 });
    expect(body.choices.map((c: Json) => c.index)).toEqual([0, 1, 2, 3]);
    expect(body.usage.prompt_tokens).toBe(single[0].usage.prompt_tokens + single[1].usage.prompt_tokens);
    const streamed = await streamOf("/v1/completions", {
      prompt: ["a b c", "d e"],
      max_tokens: 5,
      n: 2,
      temperature: 0.8,
    });
    expect(new Set(streamed.map((e) => e.choices[0].index))).toEqual(new Set([0, 1, 2, 3]));
  });

  it("takes token-id prompts: the ids /tokenize gives read as their text", async () => {
    const ids = tokenIds(splitTokens("Once upon a time"));
    const byIds = await completions({ prompt: ids });
    const byText = await completions({});
    expect(byIds.usage.prompt_tokens).toBe(ids.length);
    expect(byIds.choices[0].text).toBe(byText.choices[0].text);
  });
});

describe("logprobs", () => {
  it("chat: one entry per generated token with token, logprob, bytes and top_logprobs (sampled first)", async () => {
    const body = await chat({ logprobs: true, top_logprobs: 3, max_completion_tokens: 2000 });
    expect(body.choices[0].finish_reason).toBe("stop");
    const content = body.choices[0].logprobs.content as Json[];
    expect(content).toHaveLength(body.usage.completion_tokens);
    for (const entry of content) {
      expect(Object.keys(entry)).toEqual(["token", "logprob", "bytes", "top_logprobs"]);
      expect(entry.bytes).toEqual([...Buffer.from(entry.token)]);
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top_logprobs).toHaveLength(3);
      expect(entry.top_logprobs[0]).toEqual({ token: entry.token, logprob: entry.logprob, bytes: entry.bytes });
      expect(entry.top_logprobs[1].logprob).toBeLessThan(entry.logprob);
    }
    expect(
      content
        .slice(0, -1)
        .map((e) => e.token)
        .join(""),
    ).toBe(body.choices[0].message.content);
    expect(content.at(-1)).toMatchObject({ token: "", bytes: [] });
    expect((await chat({ logprobs: true })).choices[0].logprobs.content[0].top_logprobs).toEqual([]);
    expect((await chat({})).choices[0].logprobs).toBeNull();
  });

  it("chat stream: each token's chunk carries its own entry; the same values as without streaming", async () => {
    const whole = await chat({ logprobs: true, top_logprobs: 2, seed: 9 });
    const events = await streamOf("/v1/chat/completions", {
      messages,
      max_completion_tokens: 40,
      logprobs: true,
      top_logprobs: 2,
      seed: 9,
    });
    const entries = events.slice(1).flatMap((e) => e.choices[0].logprobs.content);
    expect(entries).toEqual(whole.choices[0].logprobs.content);
    expect(events[0].choices[0].logprobs).toBeNull();
  });

  it("completions: tokens, token_logprobs, top_logprobs and text_offset, continued across a stream", async () => {
    const body = await completions({ logprobs: 2 });
    const lp = body.choices[0].logprobs;
    expect(Object.keys(lp)).toEqual(["text_offset", "token_logprobs", "tokens", "top_logprobs"]);
    expect(lp.tokens.join("")).toBe(body.choices[0].text);
    expect(lp.text_offset[0]).toBe(0);
    for (let i = 1; i < lp.tokens.length; i++)
      expect(lp.text_offset[i]).toBe(lp.text_offset[i - 1] + lp.tokens[i - 1].length);
    expect(lp.top_logprobs.every((t: Json) => Object.keys(t).length === 2)).toBe(true);
    expect(lp.top_logprobs[0][lp.tokens[0]]).toBe(lp.token_logprobs[0]);
    expect((await completions({ logprobs: 0 })).choices[0].logprobs.top_logprobs[0]).toEqual({
      [lp.tokens[0]]: lp.token_logprobs[0],
    });
    const events = await streamOf("/v1/completions", { prompt: "Once upon a time", max_tokens: 12, logprobs: 2 });
    expect(events.map((e) => e.choices[0].logprobs.text_offset[0])).toEqual(lp.text_offset);
  });
});

describe("stopping", () => {
  it("a stop string ends the stream with stop_reason the string and the text cut before it", async () => {
    const free = await completions({ max_tokens: 40 });
    const word = free.choices[0].text.trim().split(/\s+/)[3];
    const body = await completions({ max_tokens: 40, stop: [word] });
    expect(body.choices[0]).toMatchObject({ finish_reason: "stop", stop_reason: word });
    expect(free.choices[0].text.startsWith(body.choices[0].text + word)).toBe(true);
    const events = await streamOf("/v1/completions", { prompt: "Once upon a time", max_tokens: 40, stop: [word] });
    expect(events.map((e) => e.choices[0].text).join("")).toBe(body.choices[0].text);
    expect(events.at(-1)!.choices[0]).toMatchObject({ finish_reason: "stop", stop_reason: word });
  });

  it("ignore_eos generates exactly max_tokens; min_tokens at least that many before the end", async () => {
    const fixed = await chat({ ignore_eos: true, max_completion_tokens: 300 });
    expect(fixed.usage.completion_tokens).toBe(300);
    expect(fixed.choices[0]).toMatchObject({ finish_reason: "length", stop_reason: null });
    const natural = (await chat({ max_completion_tokens: 2000 })).usage.completion_tokens;
    const min = await chat({ min_tokens: natural + 50, max_completion_tokens: 2000 });
    expect(min.usage.completion_tokens).toBe(natural + 51);
    expect(min.choices[0]).toMatchObject({ finish_reason: "stop", stop_reason: 106 });
    const shorter = await chat({ min_tokens: 5, max_completion_tokens: 2000 });
    expect(shorter.usage.completion_tokens).toBe(natural);
  });
});

describe("tool calls (a server with --enable-auto-tool-choice --tool-call-parser)", () => {
  const tools = [
    {
      type: "function",
      function: {
        name: "get_weather",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      },
    },
  ];

  it("calls the tool: tool_calls with JSON arguments, finish_reason tool_calls (stop for a named tool)", async () => {
    const body = await chat({ tools });
    const choice = body.choices[0];
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls[0];
    expect(call).toMatchObject({ type: "function", function: { name: "get_weather" } });
    expect(typeof JSON.parse(call.function.arguments).city).toBe("string");
    const named = await chat({ tools, tool_choice: { type: "function", function: { name: "get_weather" } } });
    expect(named.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: "" } });
  });

  it("streams the call: the first delta names it, the others carry argument text", async () => {
    const events = await streamOf("/v1/chat/completions", { messages, tools, max_completion_tokens: 60 });
    const deltas = events.slice(1).map((e) => e.choices[0].delta);
    expect(deltas[0].tool_calls[0]).toMatchObject({ index: 0, type: "function", function: { name: "get_weather" } });
    expect(deltas[0].tool_calls[0].id).toMatch(/^chatcmpl-tool-/);
    const args = deltas.map((d) => d.tool_calls?.[0]?.function?.arguments ?? "").join("");
    expect(JSON.parse(args)).toHaveProperty("city");
    expect(deltas.every((d) => d.content === undefined)).toBe(true);
    expect(events.at(-1)!.choices[0].finish_reason).toBe("tool_calls");
  });
});

describe("routes", () => {
  it("serves /detokenize, and /metrics only when asked to", async () => {
    const tok = await (await postJson(`${sim.url}/tokenize`, { prompt: "Hello there" })).json();
    expect(await (await postJson(`${sim.url}/detokenize`, { tokens: tok.tokens.slice(1) })).json()).toEqual({
      prompt: "Hello there",
    });
    expect((await fetch(`${sim.url}/detokenize`)).status).toBe(405);
    const hidden = await startSimulator({ profile: "gemma-3-1b@rtx-4080", metrics: false });
    try {
      expect((await fetch(`${hidden.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${hidden.url}/health`)).status).toBe(200);
    } finally {
      await hidden.close();
    }
  });
});
