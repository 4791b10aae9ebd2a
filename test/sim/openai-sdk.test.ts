// Contract test with a real client: the official `openai` npm SDK pointed at the simulator, as it
// would be at `vllm serve`. The SDK parses the bodies and streams with its own code (SSE, [DONE],
// in-band errors, tool-call accumulation in its stream helper) and turns error bodies into its
// error classes, so what it reads back is what a client of vLLM gets: chat and completions,
// streamed and not, and every refusal the simulator shares with vLLM (status, message, param, type).
import OpenAI, { APIError, AuthenticationError, BadRequestError, NotFoundError } from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../data-loaders/sim/simulator.ts";

let sim: Simulator;
let tools: Simulator;
let client: OpenAI;
let toolClient: OpenAI;
const open = (s: Simulator, apiKey = "unused") => new OpenAI({ baseURL: `${s.url}/v1`, apiKey, maxRetries: 0 });

beforeAll(async () => {
  sim = await startSimulator({ profile: "gemma-3-4b@rtx-4080", speedup: 200, seed: 11 });
  // The qwen3-4b profiles run with vLLM's --enable-auto-tool-choice --tool-call-parser hermes.
  tools = await startSimulator({ profile: "qwen3-4b@rtx-4080", speedup: 200, seed: 11 });
  client = open(sim);
  toolClient = open(tools);
});
afterAll(async () => {
  await sim.close();
  await tools.close();
});

const messages = [{ role: "user" as const, content: "Say something about queues." }];
/** vLLM's extra sampling fields, which the SDK sends as given. */
const withExtras = (params: Record<string, unknown>) => params as unknown as ChatCompletionCreateParamsNonStreaming;

/** The SDK error a request is refused with. */
async function refusal(call: Promise<unknown>): Promise<APIError> {
  const e = await call.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(APIError);
  return e as APIError;
}

describe("the openai SDK reads the simulator like vLLM", () => {
  it("lists the model", async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([sim.model]);
    expect(models.data[0]!.owned_by).toBe("vllm");
  });

  it("chat, not streamed: message, finish reason, usage, fingerprint", async () => {
    const r = await client.chat.completions.create({ model: sim.model, messages, max_completion_tokens: 2000 });
    expect(r.object).toBe("chat.completion");
    expect(r.choices[0]!.message.role).toBe("assistant");
    expect(r.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(r.choices[0]!.finish_reason).toBe("stop");
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
    expect(r.system_fingerprint).toMatch(/^vllm-0\.28\.0-[0-9a-f]{8}$/);
  });

  it("chat, streamed with usage: the same text, the usage chunk last", async () => {
    const whole = await client.chat.completions.create({ model: sim.model, messages, max_completion_tokens: 80 });
    const stream = await client.chat.completions.create({
      model: sim.model,
      messages,
      max_completion_tokens: 80,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage = null;
    let finish = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(whole.choices[0]!.message.content);
    expect(finish).toBe(whole.choices[0]!.finish_reason);
    expect(usage).toEqual(expect.objectContaining({ completion_tokens: whole.usage!.completion_tokens }));
  });

  it("the SDK's stream helper assembles the same completion, logprobs included", async () => {
    const params = { model: sim.model, messages, max_completion_tokens: 60, logprobs: true, top_logprobs: 2, seed: 4 };
    const whole = await client.chat.completions.create(params);
    const final = await client.chat.completions.stream(params).finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe(whole.choices[0]!.message.content);
    expect(final.choices[0]!.logprobs!.content).toEqual(whole.choices[0]!.logprobs!.content);
    expect(whole.choices[0]!.logprobs!.content![0]!.top_logprobs).toHaveLength(2);
  });

  it("n choices, stop strings and vLLM's extra fields", async () => {
    const r = await client.chat.completions.create({ model: sim.model, messages, max_completion_tokens: 30, n: 2 });
    expect(r.choices.map((c) => c.index)).toEqual([0, 1]);
    const fixed = await client.chat.completions.create(
      withExtras({ model: sim.model, messages, max_completion_tokens: 50, ignore_eos: true }),
    );
    expect(fixed.usage!.completion_tokens).toBe(50);
    const free = await client.completions.create({ model: sim.model, prompt: "Once upon a time", max_tokens: 30 });
    const word = free.choices[0]!.text.trim().split(/\s+/)[2]!;
    const stopped = await client.completions.create({
      model: sim.model,
      prompt: "Once upon a time",
      max_tokens: 30,
      stop: [word],
    });
    expect(stopped.choices[0]!.finish_reason).toBe("stop");
    expect((stopped.choices[0] as unknown as { stop_reason: string }).stop_reason).toBe(word);
  });

  it("completions, streamed and not, with several prompts and logprobs", async () => {
    const r = await client.completions.create({
      model: sim.model,
      prompt: ["Once upon a time", "In a galaxy"],
      max_tokens: 8,
      logprobs: 1,
    });
    expect(r.choices.map((c) => c.index)).toEqual([0, 1]);
    expect(r.choices[0]!.logprobs!.tokens!.join("")).toBe(r.choices[0]!.text);
    const stream = await client.completions.create({
      model: sim.model,
      prompt: "Once upon a time",
      max_tokens: 8,
      stream: true,
      stream_options: { include_usage: true },
    });
    const texts: string[] = [];
    let completionTokens = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]) texts.push(chunk.choices[0].text);
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
    }
    expect(texts).toHaveLength(8);
    expect(completionTokens).toBe(8);
  });

  it("tool calls: the message, and the stream helper's assembled call", async () => {
    const weather = {
      type: "function" as const,
      function: {
        name: "get_weather",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      },
    };
    const params = { model: tools.model, messages, tools: [weather], max_completion_tokens: 200 };
    const r = await toolClient.chat.completions.create(params);
    const call = r.choices[0]!.message.tool_calls![0]!;
    expect(r.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call.type).toBe("function");
    const final = await toolClient.chat.completions.stream(params).finalChatCompletion();
    const streamed = final.choices[0]!.message.tool_calls![0]!;
    expect(streamed.type === "function" && call.type === "function" && streamed.function).toEqual(
      call.type === "function" && call.function,
    );
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
  });
});

describe("the SDK's errors carry vLLM's status, message, param and type", () => {
  it("sampling parameters SamplingParams refuses", async () => {
    const hot = await refusal(
      client.chat.completions.create({ model: sim.model, messages, max_completion_tokens: 5, temperature: 3 }),
    );
    expect(hot).toBeInstanceOf(BadRequestError);
    expect(hot).toMatchObject({ status: 400, param: "temperature", type: "BadRequestError", code: 400 });
    expect(hot.message).toBe("400 temperature must be in [0, 2], got 3.0. (parameter=temperature, value=3.0)");
    const greedy = await refusal(
      client.chat.completions.create({ model: sim.model, messages, max_completion_tokens: 5, n: 2, temperature: 0 }),
    );
    expect(greedy.message).toBe("400 n must be 1 when using greedy sampling, got 2.");
    const topP = await refusal(client.completions.create({ model: sim.model, prompt: "x", top_p: 0 }));
    expect(topP).toMatchObject({ status: 400, param: "top_p" });
    const none = await refusal(client.chat.completions.create({ model: sim.model, messages, n: 0 }));
    expect(none.message).toBe("400 n must be at least 1, got 0.");
    const min = await refusal(
      client.chat.completions.create(
        withExtras({ model: sim.model, messages, max_completion_tokens: 5, min_tokens: 9 }),
      ),
    );
    expect(min.message).toBe("400 min_tokens must be less than or equal to max_tokens=5, got 9.");
  });

  it("request-model checks, answered as FastAPI's validation errors", async () => {
    const logprobs = await refusal(client.chat.completions.create({ model: sim.model, messages, top_logprobs: 3 }));
    expect(logprobs).toMatchObject({ status: 400, param: "top_logprobs", type: "Bad Request" });
    expect(logprobs.message).toContain("when using `top_logprobs`, `logprobs` must be set to true.");
    const options = await refusal(
      client.chat.completions.create({ model: sim.model, messages, stream_options: { include_usage: true } }),
    );
    expect(options).toMatchObject({ status: 400, param: "stream_options", type: "Bad Request" });
  });

  it("tools without the server's tool flags, an unknown model, a prompt too long, a wrong key", async () => {
    const weather = { type: "function" as const, function: { name: "f", parameters: { type: "object" } } };
    const noFlags = await refusal(client.chat.completions.create({ model: sim.model, messages, tools: [weather] }));
    expect(noFlags.message).toBe(
      '400 "auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
    );
    const missing = await refusal(client.chat.completions.create({ model: "no/such-model", messages }));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toMatchObject({ status: 404, param: "model", type: "NotFoundError" });
    const long = await refusal(
      client.chat.completions.create({
        model: sim.model,
        messages: [{ role: "user", content: "word ".repeat(9000) }],
        max_completion_tokens: 10,
      }),
    );
    expect(long).toMatchObject({ status: 400, param: "input_tokens" });
    expect(long.message).toMatch(/maximum context length is 8192 tokens/);
    const locked = await startSimulator({ profile: "gemma-3-1b@rtx-4080", speedup: 200, apiKey: "right" });
    try {
      const denied = await refusal(open(locked, "wrong").models.list());
      expect(denied).toBeInstanceOf(AuthenticationError);
      expect(denied.status).toBe(401);
    } finally {
      await locked.close();
    }
  });

  it("an in-band error event ends the SDK's stream with an APIError", async () => {
    const faulty = await startSimulator({ profile: "gemma-3-1b@rtx-4080", speedup: 200, faults: { inBandError: 1 } });
    try {
      const stream = await open(faulty).chat.completions.create({
        model: faulty.model,
        messages,
        max_completion_tokens: 40,
        stream: true,
      });
      const drained = (async () => {
        for await (const _ of stream) void _;
      })();
      const e = await refusal(drained);
      expect(e).toMatchObject({ type: "InternalServerError", code: 500 });
    } finally {
      await faulty.close();
    }
  });
});
