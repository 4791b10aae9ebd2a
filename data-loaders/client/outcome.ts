// What one HTTP request to an OpenAI-compatible server produced, as observed by the client.
// The runner turns an Outcome into a stored RequestRow (store/schemas/request-row.ts).
import type { ErrorClass } from "../store/schemas/request-row.ts";
import type { Overflow } from "./errors.ts";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface CompletionRequest {
  /** Base URL without `/v1` (e.g. http://127.0.0.1:8000); a trailing `/v1` is tolerated. */
  baseUrl: string;
  /** API key value (read from the environment by the caller); sent as a Bearer token, never logged. */
  apiKey?: string;
  model: string;
  api: "chat" | "completions";
  /** chat: messages; completions: prompt. */
  messages?: ChatMessage[];
  prompt?: string;
  maxTokens: number;
  temperature: number;
  seed?: number;
  stream: boolean;
  /** JSON Schema for response_format {type:"json_schema"} (structured output), if any. */
  jsonSchema?: Record<string, unknown>;
  /**
   * Further body fields in the server's own names (sampling parameters, `ignore_eos`, `tools`, the
   * workload's `extraBody`, …). They never replace a field the tracker sets itself: the workload
   * schema refuses those.
   */
  params?: Record<string, unknown>;
  /** Sent as X-Request-Id. */
  requestId: string;
  /** Total time limit for the request in ms (0 = none). */
  timeoutMs?: number;
  /** Longest silence in ms (no response headers or body bytes) before the request is stopped as a timeout (0 = none). */
  idleTimeoutMs?: number;
  /** Abort the request (Ctrl-C). */
  signal?: AbortSignal;
}

/** One tool call of the answer; streamed `function.arguments` fragments are concatenated per index. */
export interface ToolCall {
  index: number;
  id: string | null;
  /** The call's `type` ("function"), as the server sent it. */
  type: string | null;
  name: string | null;
  /** JSON text as sent by the server (not parsed). */
  arguments: string;
}

/** What the server said about a failure in its error object: its own type, code and param. */
export interface ServerError {
  type: string | null;
  /** The error's `code` (vLLM sends the HTTP status as a number), as text. */
  code: string | null;
  param: string | null;
}

export interface Outcome {
  ok: boolean;
  errorClass: ErrorClass | null;
  httpStatus: number | null;
  errorMessage: string | null;
  /** Times in ms on the caller's clock (`now()` passed to the client). */
  sentMs: number;
  /** First SSE event whose `choices` is non-empty (vLLM bench's TTFT point). */
  firstEventMs: number | null;
  /** First event with non-empty content / reasoning / tool-call delta. */
  firstTokenMs: number | null;
  /** End of the response body (after the usage chunk and [DONE]). */
  doneMs: number | null;
  /**
   * The last event with non-empty `choices` (where vllm bench serve ends a request: the usage
   * chunk and [DONE] come later); for a non-streaming response, the body. Null when no choices arrived.
   */
  lastChunkMs: number | null;
  /** Gaps between consecutive events that had choices, in ms. Non-streaming: []. */
  itlMs: number[];
  promptTokens: number | null;
  completionTokens: number | null;
  /** usage.total_tokens as reported. */
  totalTokens: number | null;
  finishReason: string | null;
  /** Content text (null when none arrived). */
  answer: string | null;
  /** reasoning / reasoning_content text, when separated by the server. */
  reasoning: string | null;
  /** The response `id` (e.g. chatcmpl-<X-Request-Id>). */
  responseId: string | null;
  /** `system_fingerprint` when reported (e.g. vllm-0.28.0-54757788). */
  systemFingerprint: string | null;
  /** vLLM `stop_reason`: the stop string or stop token id that ended generation (null for EOS, length, or not reported). */
  stopReason: string | number | null;
  /** Tool calls in the answer (empty when none). */
  toolCalls: ToolCall[];
  /** The server's error type, code and param of a failure (null when it sent no error object). */
  serverError: ServerError | null;
  /** The numbers of a context-overflow error (null for any other outcome). */
  overflow: Overflow | null;
  /**
   * Whether `vllm bench serve` would count the request as successful: HTTP 200, at least one event
   * with choices, and a body that ended without a network error and parsed as JSON. vLLM's client
   * does not notice an in-band error event or a missing [DONE], which the tracker counts as failures.
   */
  vllmSuccess: boolean;
}
