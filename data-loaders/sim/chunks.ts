// Response bodies in vLLM's current (0.28-era) layouts: key order and null handling follow
// the recorded transcripts in test/fixtures/vllm/ (streamed chat and completions chunks, the
// usage chunk, non-streaming bodies).
// Streaming chunks are "exclude unset" (only the keys vLLM sets); non-streaming bodies list
// every field with null for unset ones. Each choice carries its index (n > 1, or several
// completions prompts: index = prompt · n + choice).
import type { Finish } from "./generation.ts";

export type { Finish };

export const VLLM_VERSION = "0.28.0";

export interface Usage {
  prompt_tokens: number;
  total_tokens: number;
  completion_tokens: number;
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    total_tokens: promptTokens + completionTokens,
    completion_tokens: completionTokens,
  };
}

export interface ChunkHeader {
  id: string;
  created: number;
  model: string;
}

/** One tool call, as the answer's `message.tool_calls` lists it (arguments: a JSON string). */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

type Json = Record<string, unknown>;

function chunk(h: ChunkHeader, object: string, choices: Json[], extra: Json): string {
  return JSON.stringify({ id: h.id, object, created: h.created, model: h.model, choices, ...extra });
}

function extras(u: Usage | undefined, fingerprint: string | undefined): Json {
  const out: Json = {};
  if (u) out.usage = u;
  if (fingerprint) out.system_fingerprint = fingerprint;
  return out;
}

/** First chat chunk of a choice, sent with the request's first token. */
export function chatRoleChunk(h: ChunkHeader, index: number, u?: Usage): string {
  const choice = { index, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null };
  return chunk(h, "chat.completion.chunk", [choice], {
    ...extras(u, undefined),
    prompt_token_ids: null,
    prompt_text: null,
  });
}

/** A chat token chunk (`delta` content, reasoning or tool calls), or the finish chunk when `finish` is set. */
export function chatDeltaChunk(
  h: ChunkHeader,
  index: number,
  delta: Json,
  logprobs: unknown,
  finish: { reason: string; stopReason: Finish["stopReason"] } | null,
  u?: Usage,
  fingerprint?: string,
): string {
  const choice: Json = { index, delta, logprobs, finish_reason: finish ? finish.reason : null };
  if (finish) choice.stop_reason = finish.stopReason;
  choice.token_ids = null;
  return chunk(h, "chat.completion.chunk", [choice], extras(u, fingerprint));
}

export function completionChunk(
  h: ChunkHeader,
  index: number,
  text: string,
  logprobs: unknown,
  finish: Finish | null,
  u?: Usage,
  fingerprint?: string,
): string {
  const choice = {
    index,
    text,
    logprobs,
    finish_reason: finish ? finish.reason : null,
    stop_reason: finish ? finish.stopReason : null,
    prompt_token_ids: null,
    token_ids: null,
  };
  return chunk(h, "text_completion", [choice], extras(u, fingerprint));
}

/** The final usage chunk (`stream_options.include_usage`). */
export function usageChunk(
  h: ChunkHeader,
  object: "chat.completion.chunk" | "text_completion",
  u: Usage,
  fingerprint: string,
): string {
  return chunk(h, object, [], { usage: u, system_fingerprint: fingerprint });
}

/** One choice of a non-streaming chat response. */
export interface ChatChoice {
  index: number;
  content: string | null;
  reasoning: string | null;
  toolCalls: ToolCall[];
  logprobs: unknown;
  finishReason: string;
  stopReason: Finish["stopReason"];
}

/** `message.tool_calls` entries. */
export const toolCallsJson = (calls: readonly ToolCall[]): Json[] =>
  calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }));

export function chatResponse(h: ChunkHeader, choices: ChatChoice[], u: Usage, fingerprint: string): string {
  return JSON.stringify({
    id: h.id,
    object: "chat.completion",
    created: h.created,
    model: h.model,
    choices: choices.map((c) => ({
      index: c.index,
      message: {
        role: "assistant",
        content: c.content,
        refusal: null,
        annotations: null,
        audio: null,
        function_call: null,
        tool_calls: toolCallsJson(c.toolCalls),
        reasoning: c.reasoning,
      },
      logprobs: c.logprobs,
      finish_reason: c.finishReason,
      stop_reason: c.stopReason,
      token_ids: null,
    })),
    service_tier: null,
    system_fingerprint: fingerprint,
    usage: { ...u, prompt_tokens_details: null },
    prompt_logprobs: null,
    prompt_token_ids: null,
    kv_transfer_params: null,
  });
}

/** One choice of a non-streaming completions response. */
export interface CompletionChoice {
  index: number;
  text: string;
  logprobs: unknown;
  finish: Finish;
}

export function completionResponse(h: ChunkHeader, choices: CompletionChoice[], u: Usage, fingerprint: string): string {
  return JSON.stringify({
    id: h.id,
    object: "text_completion",
    created: h.created,
    model: h.model,
    choices: choices.map((c) => ({
      index: c.index,
      text: c.text,
      logprobs: c.logprobs,
      finish_reason: c.finish.reason,
      stop_reason: c.finish.stopReason,
      token_ids: null,
      prompt_logprobs: null,
      prompt_token_ids: null,
    })),
    service_tier: null,
    system_fingerprint: fingerprint,
    usage: { ...u, prompt_tokens_details: null },
    kv_transfer_params: null,
  });
}

const ERROR_TYPES: Record<number, string> = {
  400: "BadRequestError",
  401: "AuthenticationError",
  403: "PermissionDeniedError",
  404: "NotFoundError",
  408: "RequestTimeoutError",
  409: "ConflictError",
  413: "RequestEntityTooLargeError",
  422: "UnprocessableEntityError",
  429: "RateLimitError",
  500: "InternalServerError",
  501: "NotImplementedError",
  502: "BadGatewayError",
  503: "ServiceUnavailableError",
  504: "GatewayTimeoutError",
};

/** vLLM's current nested error shape. */
export function errorBody(
  code: number,
  message: string,
  param: string | null = null,
  type = ERROR_TYPES[code] ?? (code >= 500 ? "InternalServerError" : "BadRequestError"),
): string {
  return JSON.stringify({ error: { message, type, param, code } });
}
