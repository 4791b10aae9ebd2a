import { describe, expect, it } from "vitest";
import { parseRequest } from "../../data-loaders/sim/completion-request.ts";
import { HttpError } from "../../data-loaders/sim/http-error.ts";
import { PROFILES } from "../../data-loaders/sim/profiles.ts";

const profile = PROFILES["llama-3.2-1b@rtx-4080"];
const messages = [{ role: "user", content: "Hi" }];

/** The status and message of the HttpError a body is refused with. */
function refused(api: "chat" | "completions", body: unknown): [number, string] {
  try {
    parseRequest(profile, api, body);
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    return [e.status, (JSON.parse(e.body) as { error: { message: string } }).error.message];
  }
  throw new Error("accepted");
}

describe("parseRequest", () => {
  it("reads the options the simulator acts on, with vLLM's defaults", () => {
    expect(parseRequest(profile, "chat", { messages })).toMatchObject({
      api: "chat",
      text: "Hi",
      stream: false,
      includeUsage: false,
      maxTokens: undefined,
      temperature: 1,
      seed: undefined,
      jsonSchema: undefined,
      enableThinking: true,
    });
    expect(parseRequest(profile, "completions", { prompt: ["one"] })).toMatchObject({ text: "one", maxTokens: 16 });
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
    });
    expect(streamed).toMatchObject({
      text: "ab",
      includeUsage: true,
      continuousUsage: true,
      maxTokens: 5,
      jsonSchema: { type: "object" },
      enableThinking: false,
    });
  });

  it("refuses what vLLM refuses, with its status and message", () => {
    expect(refused("chat", [])).toEqual([400, "Request body must be a JSON object"]);
    expect(refused("chat", { model: "other", messages })).toEqual([404, "The model `other` does not exist."]);
    expect(refused("chat", { messages, stream_options: { include_usage: true } })).toEqual([
      400,
      "Stream options can only be defined when `stream=True`.",
    ]);
    expect(refused("chat", {})).toEqual([400, "messages: Field required"]);
    expect(refused("completions", { prompt: "" })).toEqual([400, "Prompt cannot be empty"]);
    expect(refused("chat", { messages, max_tokens: 0 })).toEqual([400, "max_tokens must be at least 1"]);
    expect(refused("chat", { messages, temperature: "hot" })).toEqual([400, "temperature must be a number"]);
    expect(refused("chat", { messages, response_format: { type: "json_schema" } })).toEqual([
      400,
      "json_schema must be provided when type is json_schema",
    ]);
    const [status, message] = refused("chat", { messages, max_tokens: profile.maxModelLen });
    expect(status).toBe(400);
    expect(message).toMatch(/^This model's maximum context length is \d+ tokens\. However, you requested/);
  });
});
