// Request bodies are read and refused as vLLM's request models and SamplingParams do: the same
// conditions, status codes, `type`, `param` and wordings (from vLLM's protocol.py, server_utils.py
// and sampling_params.py; see data-loaders/sim/http-error.ts for the two forms of a 400).
import { describe, expect, it } from "vitest";
import { parseRequest } from "../../data-loaders/sim/completion-request.ts";
import { HttpError } from "../../data-loaders/sim/http-error.ts";
import { PROFILES, type SimProfile } from "../../data-loaders/sim/profiles.ts";
import { pyStr } from "../../data-loaders/sim/py-repr.ts";
import { completionPromptTokens, tokenIds, splitTokens } from "../../data-loaders/sim/tokenizer.ts";

const profile = PROFILES["llama-3.2-1b@rtx-4080"];
const messages = [{ role: "user", content: "Hi" }];

interface Refusal {
  status: number;
  code?: number;
  message: string;
  type: string;
  param: string | null;
}

/** The status and error fields a body is refused with. */
function refused(api: "chat" | "completions", body: unknown, p: SimProfile = profile): Refusal {
  try {
    parseRequest(p, api, body);
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    const { error } = JSON.parse(e.body) as { error: Omit<Refusal, "status"> };
    return { status: e.status, ...error };
  }
  throw new Error("accepted");
}

/** A VLLMValidationError answered by create_error_response. */
const handlerError = (message: string, param: string | null = null) => ({
  status: 400,
  code: 400,
  type: "BadRequestError",
  message,
  param,
});

/** A model validator's VLLMValidationError, answered as FastAPI's RequestValidationError. */
function modelError(r: Refusal, message: string, param: string | null): void {
  expect(r).toMatchObject({ status: 400, type: "Bad Request", param });
  expect(r.message.startsWith("1 validation error:\n  {'type': 'value_error', 'loc': ('body',), ")).toBe(true);
  const suffix = param ? ` (parameter=${param})` : "";
  expect(r.message).toContain(`'msg': ${pyStr(`Value error, ${message}${suffix}`)}`);
  expect(r.message).toContain(`'ctx': {'error': VLLMValidationError(${pyStr(message)})}}`);
}

describe("parseRequest", () => {
  it("reads the options the simulator acts on, with vLLM's defaults", () => {
    const chat = parseRequest(profile, "chat", { messages });
    expect(chat).toMatchObject({ api: "chat", stream: false, includeUsage: false, tools: null, enableThinking: true });
    expect(chat.prompts).toEqual([
      { text: "Hi", promptTokens: expect.any(Number), limit: 8192 - chat.prompts[0]!.promptTokens },
    ]);
    expect(chat.sampling).toEqual({
      n: 1,
      temperature: 1,
      seed: undefined,
      stop: [],
      includeStopStrInOutput: false,
      ignoreEos: false,
      minTokens: 0,
      logprobs: null,
    });
    expect(parseRequest(profile, "completions", { prompt: ["one"] }).prompts[0]).toMatchObject({
      text: "one",
      limit: 16,
    });
    const streamed = parseRequest(profile, "chat", {
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
          ],
        },
      ],
      stream: true,
      stream_options: { include_usage: true, continuous_usage_stats: true },
      max_completion_tokens: 5,
      max_tokens: 9,
      response_format: { type: "json_object" },
      chat_template_kwargs: { enable_thinking: false },
      n: "2",
      stop: "END",
      ignore_eos: true,
      min_tokens: 3,
      logprobs: true,
      top_logprobs: 4,
      seed: 7,
    });
    expect(streamed).toMatchObject({
      includeUsage: true,
      continuousUsage: true,
      jsonSchema: { type: "object" },
      enableThinking: false,
      sampling: { n: 2, stop: ["END"], ignoreEos: true, minTokens: 3, logprobs: 4, seed: 7 },
    });
    expect(streamed.prompts[0]).toMatchObject({ text: "ab", limit: 5 });
  });

  it("accepts stream_options {} without stream, as vLLM's truthiness test does", () => {
    expect(parseRequest(profile, "chat", { messages, stream_options: {} }).includeUsage).toBe(false);
    expect(parseRequest(profile, "chat", { messages, stream: true, stream_options: {} }).stream).toBe(true);
  });

  it("reads every completions prompt form: strings, lists, token ids and lists of token ids", () => {
    const ids = [1, ...tokenIds(splitTokens("Once upon a time"))];
    const read = (prompt: unknown) =>
      parseRequest(profile, "completions", { prompt, max_tokens: 4 }).prompts.map((p) => [p.text, p.promptTokens]);
    expect(read("Once upon a time")).toEqual([["Once upon a time", completionPromptTokens("Once upon a time")]]);
    expect(read(["a b", "c"])).toEqual([
      ["a b", completionPromptTokens("a b")],
      ["c", completionPromptTokens("c")],
    ]);
    expect(read(ids.slice(1))).toEqual([["Once upon a time", ids.length - 1]]);
    expect(read([ids.slice(1), ids.slice(1, 3)])).toEqual([
      ["Once upon a time", ids.length - 1],
      ["Once upon", 2],
    ]);
    // vLLM names the largest id, and checks once the sampling parameters are made.
    expect(refused("completions", { prompt: [1, 200_000, 300_000] })).toEqual(
      handlerError("Token id 300000 is out of vocabulary"),
    );
    expect(refused("completions", { prompt: [], max_tokens: 4 })).toEqual(
      handlerError("The decoder prompt cannot be empty"),
    );
    expect(refused("completions", { prompt: [1, 300_000], top_p: 0 }).param).toBe("top_p");
    expect(refused("completions", { prompt: { text: "x" } })).toMatchObject({
      status: 400,
      type: "Bad Request",
      param: "prompt",
    });
  });

  it("refuses what the request model refuses, as FastAPI answers it", () => {
    expect(refused("chat", [])).toMatchObject({ status: 400, type: "Bad Request", param: null });
    const streamOptions = { messages, stream_options: { include_usage: true } };
    modelError(
      refused("chat", streamOptions),
      "Stream options can only be defined when `stream=True`.",
      "stream_options",
    );
    // The body is printed as Python prints it, after the error list and again inside it.
    expect(refused("chat", streamOptions).message).toContain(
      "'input': {'messages': [{'role': 'user', 'content': 'Hi'}], 'stream_options': {'include_usage': True}}",
    );
    modelError(
      refused("completions", { prompt: "" }),
      "Either prompt or prompt_embeds must be provided and non-empty.",
      "prompt",
    );
    modelError(
      refused("chat", { messages, top_logprobs: 2 }),
      "when using `top_logprobs`, `logprobs` must be set to true.",
      "top_logprobs",
    );
    modelError(
      refused("chat", { messages, stream: true, prompt_logprobs: 1 }),
      "`prompt_logprobs` are not available when `stream=True`.",
      "prompt_logprobs",
    );
    modelError(
      refused("chat", { messages, response_format: { type: "json_schema" } }),
      "When response_format type is 'json_schema', the 'json_schema' field must be provided.",
      "response_format",
    );
    modelError(
      refused("chat", { messages, tools: [] }),
      "`tools` must not be an empty array. Either provide at least one tool or omit the field entirely.",
      "tools",
    );
    modelError(
      refused("chat", { messages, tool_choice: "auto" }),
      "When using `tool_choice`, `tools` must be set.",
      "tool_choice",
    );
    modelError(
      refused("chat", { messages, tools: [weather], tool_choice: { type: "function", function: { name: "other" } } }),
      "The tool specified in `tool_choice` does not match any of the specified `tools`",
      "tool_choice",
    );
  });

  it("lists the fields pydantic cannot read", () => {
    const missing = refused("chat", {});
    expect(missing).toMatchObject({ status: 400, type: "Bad Request", param: "messages" });
    expect(missing.message).toBe(
      "1 validation error:\n  {'type': 'missing', 'loc': ('body', 'messages'), 'msg': 'Field required', 'input': {}}" +
        " [{'type': 'missing', 'loc': ('body', 'messages'), 'msg': 'Field required', 'input': {}}]",
    );
    const two = refused("chat", { messages, temperature: "hot", n: 1.5 });
    expect(two.message.startsWith("2 validation errors:\n")).toBe(true);
    expect(two.message).toContain(
      "{'type': 'float_parsing', 'loc': ('body', 'temperature'), 'msg': 'Input should be a valid number, unable to parse string as a number', 'input': 'hot'}",
    );
    expect(two.message).toContain(
      "'msg': 'Input should be a valid integer, got a number with a fractional part', 'input': 1.5}",
    );
  });

  it("refuses the sampling parameters SamplingParams refuses, with vLLM's words", () => {
    expect(refused("chat", { messages, temperature: 2.5 })).toEqual(
      handlerError("temperature must be in [0, 2], got 2.5. (parameter=temperature, value=2.5)", "temperature"),
    );
    expect(refused("chat", { messages, temperature: 3 }).message).toBe(
      "temperature must be in [0, 2], got 3.0. (parameter=temperature, value=3.0)",
    );
    expect(refused("chat", { messages, temperature: -1 }).message).toBe(
      "temperature must be non-negative, got -1.0. (parameter=temperature, value=-1.0)",
    );
    expect(refused("chat", { messages, top_p: 0 })).toEqual(
      handlerError("top_p must be in (0, 1], got 0.0. (parameter=top_p, value=0.0)", "top_p"),
    );
    expect(refused("completions", { prompt: "x", top_p: 1.5 }).message).toBe(
      "top_p must be in (0, 1], got 1.5. (parameter=top_p, value=1.5)",
    );
    expect(refused("chat", { messages, n: 0 })).toEqual(handlerError("n must be at least 1, got 0."));
    expect(refused("chat", { messages, n: 2, temperature: 0 })).toEqual(
      handlerError("n must be 1 when using greedy sampling, got 2."),
    );
    expect(parseRequest(profile, "chat", { messages, n: 2 }).sampling.n).toBe(2);
    // vLLM raises 0 < T < 0.01 to 0.01 first, so only 0 is greedy.
    expect(parseRequest(profile, "chat", { messages, n: 2, temperature: 0.001 }).sampling.temperature).toBe(0.01);
    expect(refused("completions", { prompt: "x", max_tokens: 10, min_tokens: 20 })).toEqual(
      handlerError("min_tokens must be less than or equal to max_tokens=10, got 20."),
    );
    expect(refused("chat", { messages, max_tokens: 0 })).toEqual(
      handlerError("max_tokens must be at least 1, got 0. (parameter=max_tokens, value=0)", "max_tokens"),
    );
    expect(refused("completions", { prompt: "x", logprobs: 25 })).toEqual(
      handlerError(
        "Requested sample logprobs of 25, which is greater than max allowed: 20 (parameter=logprobs, value=25)",
        "logprobs",
      ),
    );
    expect(refused("chat", { messages, stop: ["ok", ""] })).toEqual(
      handlerError("stop cannot contain an empty string."),
    );
    expect(refused("chat", { messages, presence_penalty: 3 }).message).toBe(
      "presence_penalty must be in [-2, 2], got 3.0.",
    );
    expect(refused("chat", { messages, repetition_penalty: 0 }).message).toBe(
      "repetition_penalty must be greater than zero, got 0.0.",
    );
    expect(refused("chat", { messages, top_k: -2 }).message).toBe("top_k must be 0 (disable), or at least 1, got -2.");
    expect(refused("chat", { messages, min_p: 2 }).message).toBe("min_p must be in [0, 1], got 2.0.");
  });

  it("needs the server's tool flags for tool choice auto", () => {
    const tools = [weather];
    expect(refused("chat", { messages, tools })).toEqual(
      handlerError('"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'),
    );
    const withParser = { ...profile, toolCallParser: "hermes" };
    expect(parseRequest(withParser, "chat", { messages, tools }).tools).toEqual({
      choice: "auto",
      tools: [{ name: "get_weather", parameters: weather.function.parameters }],
    });
    // A named or required tool choice is served without them (structured output), as in vLLM.
    const named = { type: "function", function: { name: "get_weather" } };
    expect(parseRequest(profile, "chat", { messages, tools, tool_choice: named }).tools?.choice).toEqual({
      name: "get_weather",
    });
    expect(parseRequest(profile, "chat", { messages, tools, tool_choice: "none" }).tools).toBeNull();
  });

  it("refuses 404 for another model and 400 when the prompt does not fit the context", () => {
    expect(refused("chat", { model: "other", messages })).toEqual({
      status: 404,
      code: 404,
      type: "NotFoundError",
      param: "model",
      message: "The model `other` does not exist.",
    });
    const long = refused("chat", { messages: [{ role: "user", content: "word ".repeat(9000) }], max_tokens: 16 });
    expect(long).toMatchObject({ status: 400, param: "input_tokens" });
    expect(long.message).toMatch(
      /^This model's maximum context length is 8192 tokens\. However, you requested 16 output tokens/,
    );
  });
});

const weather = {
  type: "function",
  function: {
    name: "get_weather",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
