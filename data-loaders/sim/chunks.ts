// Response bodies in vLLM's current (0.28-era) layouts: key order and null handling follow
// the recorded transcripts in test/fixtures/vllm/ (streamed chat and completions chunks, the
// usage chunk, non-streaming bodies).
// Streaming chunks are "exclude unset" (only the keys vLLM sets); non-streaming bodies list
// every field with null for unset ones.

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

export interface Finish {
  reason: "stop" | "length";
  stopReason: number | null;
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

/** First chat chunk, sent with the first token. */
export function chatRoleChunk(h: ChunkHeader, u?: Usage): string {
  const choice = { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null };
  return chunk(h, "chat.completion.chunk", [choice], {
    ...extras(u, undefined),
    prompt_token_ids: null,
    prompt_text: null,
  });
}

/** A chat token chunk (`delta` content or reasoning), or the finish chunk when `finish` is set. */
export function chatDeltaChunk(
  h: ChunkHeader,
  delta: Json,
  finish: Finish | null,
  u?: Usage,
  fingerprint?: string,
): string {
  const choice: Json = { index: 0, delta, logprobs: null, finish_reason: finish ? finish.reason : null };
  if (finish) choice.stop_reason = finish.stopReason;
  choice.token_ids = null;
  return chunk(h, "chat.completion.chunk", [choice], extras(u, fingerprint));
}

export function completionChunk(
  h: ChunkHeader,
  text: string,
  finish: Finish | null,
  u?: Usage,
  fingerprint?: string,
): string {
  const choice = {
    index: 0,
    text,
    logprobs: null,
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

export function chatResponse(
  h: ChunkHeader,
  content: string,
  reasoning: string | null,
  finish: Finish,
  u: Usage,
  fingerprint: string,
): string {
  return JSON.stringify({
    id: h.id,
    object: "chat.completion",
    created: h.created,
    model: h.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content,
          refusal: null,
          annotations: null,
          audio: null,
          function_call: null,
          tool_calls: [],
          reasoning,
        },
        logprobs: null,
        finish_reason: finish.reason,
        stop_reason: finish.stopReason,
        token_ids: null,
      },
    ],
    service_tier: null,
    system_fingerprint: fingerprint,
    usage: { ...u, prompt_tokens_details: null },
    prompt_logprobs: null,
    prompt_token_ids: null,
    kv_transfer_params: null,
  });
}

export function completionResponse(
  h: ChunkHeader,
  text: string,
  finish: Finish,
  u: Usage,
  fingerprint: string,
): string {
  return JSON.stringify({
    id: h.id,
    object: "text_completion",
    created: h.created,
    model: h.model,
    choices: [
      {
        index: 0,
        text,
        logprobs: null,
        finish_reason: finish.reason,
        stop_reason: finish.stopReason,
        token_ids: null,
        prompt_logprobs: null,
        prompt_token_ids: null,
      },
    ],
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
