// The body of POST /v1/chat/completions and /v1/completions, validated the way vLLM does it:
// vLLM's status codes (400, 404) and messages, the prompt's token count, the output limit and
// the streaming, structured-output and thinking options the simulator acts on.
import { errorBody } from "./chunks.ts";
import { badRequest, HttpError } from "./http-error.ts";
import type { SimProfile } from "./profiles.ts";
import { chatPromptTokens, completionPromptTokens } from "./tokenizer.ts";

export type Api = "chat" | "completions";

export interface ParsedRequest {
  api: Api;
  text: string;
  promptTokens: number;
  stream: boolean;
  includeUsage: boolean;
  continuousUsage: boolean;
  maxTokens: number | undefined;
  temperature: number;
  seed: number | undefined;
  jsonSchema: unknown;
  enableThinking: boolean;
}

type Body = Record<string, unknown>;

/** Parses and validates a request body the way vLLM does (400/404 with vLLM's messages). */
export function parseRequest(profile: SimProfile, api: Api, body: unknown): ParsedRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw badRequest("Request body must be a JSON object");
  const b = body as Body;
  if (b.model !== undefined && b.model !== null && b.model !== profile.model) {
    throw new HttpError(404, errorBody(404, `The model \`${String(b.model)}\` does not exist.`, "model"));
  }
  const stream = b.stream === true;
  const streamOptions = b.stream_options;
  if (streamOptions !== undefined && streamOptions !== null && !stream) {
    throw badRequest("Stream options can only be defined when `stream=True`.", "stream_options");
  }
  const so = (typeof streamOptions === "object" && streamOptions !== null ? streamOptions : {}) as Body;
  const { text, promptTokens } = api === "chat" ? chatPrompt(profile, b) : completionPrompt(b);
  const maxTokens = outputLimit(profile, api, b, promptTokens);
  const jsonSchema = responseSchema(b);
  const kwargs = (b.chat_template_kwargs ?? {}) as Body;
  return {
    api,
    text,
    promptTokens,
    stream,
    includeUsage: stream && so.include_usage === true,
    continuousUsage: stream && so.include_usage === true && so.continuous_usage_stats === true,
    maxTokens,
    temperature: optionalNumber(b, "temperature") ?? 1,
    seed: optionalNumber(b, "seed"),
    jsonSchema,
    enableThinking: kwargs.enable_thinking !== false,
  };
}

function chatPrompt(profile: SimProfile, b: Body): { text: string; promptTokens: number } {
  if (!Array.isArray(b.messages) || b.messages.length === 0) throw badRequest("messages: Field required", "messages");
  const messages = b.messages.map((m: unknown) => {
    if (typeof m !== "object" || m === null) throw badRequest("Invalid message", "messages");
    const r = m as Body;
    return { role: String(r.role ?? "user"), content: messageText(r.content) };
  });
  return { text: messages.map((m) => m.content).join("\n"), promptTokens: chatPromptTokens(profile, messages) };
}

function completionPrompt(b: Body): { text: string; promptTokens: number } {
  const prompt = Array.isArray(b.prompt) && b.prompt.length === 1 ? b.prompt[0] : b.prompt;
  if (typeof prompt !== "string")
    throw badRequest("prompt must be a string (the simulator serves one text prompt per request)", "prompt");
  if (prompt.length === 0) throw badRequest("Prompt cannot be empty", "prompt");
  return { text: prompt, promptTokens: completionPromptTokens(prompt) };
}

/** max_tokens (chat: max_completion_tokens first; completions: default 16), checked against the context. */
function outputLimit(profile: SimProfile, api: Api, b: Body, promptTokens: number): number | undefined {
  const maxTokens =
    api === "chat"
      ? (optionalNumber(b, "max_completion_tokens") ?? optionalNumber(b, "max_tokens"))
      : (optionalNumber(b, "max_tokens") ?? 16);
  if (maxTokens !== undefined && maxTokens < 1)
    throw badRequest("max_tokens must be at least 1", api === "chat" ? "max_completion_tokens" : "max_tokens");
  const maxModelLen = profile.maxModelLen;
  if (maxTokens !== undefined && maxTokens > maxModelLen) {
    throw badRequest(`max_tokens (${maxTokens}) cannot be greater than max_model_len (${maxModelLen}).`, "max_tokens");
  }
  const requested = maxTokens ?? 0;
  if (promptTokens > maxModelLen - requested) {
    throw badRequest(
      `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${requested} output tokens and your prompt contains ${promptTokens} input tokens, for a total of ${promptTokens + requested} tokens. Please reduce the length of the input prompt or the number of requested output tokens.`,
      "input_tokens",
    );
  }
  return maxTokens;
}

/** The JSON Schema the answer must follow (response_format json_schema or json_object), else undefined. */
function responseSchema(b: Body): unknown {
  const rf = b.response_format as Body | undefined;
  if (!rf || typeof rf !== "object") return undefined;
  if (rf.type === "json_schema") {
    const js = rf.json_schema as Body | undefined;
    if (!js || typeof js !== "object")
      throw badRequest("json_schema must be provided when type is json_schema", "response_format");
    return js.schema ?? {};
  }
  if (rf.type === "json_object") return { type: "object" };
  return undefined;
}

function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        typeof part === "object" && part !== null && typeof (part as { text?: unknown }).text === "string"
          ? (part as { text: string }).text
          : "",
      )
      .join("");
  }
  if (content === null || content === undefined) return "";
  throw badRequest("Invalid message content", "messages");
}

function optionalNumber(body: Body, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw badRequest(`${key} must be a number`, key);
  return v;
}
