// Error bodies and failure classes of OpenAI-compatible servers (vLLM).
//
// Error body shapes accepted:
// * current (vLLM ≥ 0.10.1): {"error":{"message","type","param","code"}}
// * legacy flat (≤ 0.10.0): {"object":"error","message","type","param","code"}
// * API-key middleware:     {"error":"Unauthorized"} (error is a string)
// Anything else (HTML from a proxy, empty body) keeps a short excerpt of the text as message.
import type { ErrorClass } from "../store/schemas/request-row.ts";
import { isRecord } from "../json.ts";
import type { ServerError } from "./outcome.ts";

export interface ErrorInfo {
  message: string | null;
  type: string | null;
  param: string | null;
  code: string | number | null;
}

export interface Failure {
  errorClass: ErrorClass;
  message: string;
  /** What the server said about it (type, code, param), when it sent an error object. */
  info?: ErrorInfo;
}

const MAX_MESSAGE = 1000;

/** The error described by a parsed JSON value, or null when it is not an error object. */
export function errorInfoOf(value: unknown): ErrorInfo | null {
  if (!isRecord(value)) return null;
  const inner = value.error;
  if (typeof inner === "string") return { message: inner, type: null, param: null, code: null };
  if (isRecord(inner)) return infoFrom(inner);
  if (value.object === "error") return infoFrom(value);
  return null;
}

/** The server's own words of an error object (its code as text). */
export function serverError(info: ErrorInfo): ServerError {
  return { type: info.type, code: info.code === null ? null : String(info.code), param: info.param };
}

/** Parses an error response body; never throws. */
export function parseErrorBody(text: string): ErrorInfo {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const info = errorInfoOf(value);
  if (info) return info;
  const excerpt = text.trim().slice(0, 200);
  return { message: excerpt === "" ? null : excerpt, type: null, param: null, code: null };
}

/** Class of a non-2xx HTTP response. */
export function classifyHttpStatus(status: number, info: ErrorInfo): ErrorClass {
  if (status === 401 || status === 403) return "auth";
  if (isContextOverflow(status, info)) return "context_length";
  if (status >= 500) return "http_5xx";
  return "http_4xx";
}

// Context overflow. vLLM rejects a prompt that does not fit with HTTP 400, in wordings that changed
// over the releases; the current renderers also name the offending parameter (`input_tokens`, or
// `input_text` when a text prompt is refused before tokenization by its length in characters).
// Either the parameter or the wording is enough.
const CONTEXT_PARAMS = new Set(["input_tokens", "input_text"]);
const CONTEXT_WORDING = /maximum context length|context length is only/i;

/** Whether an HTTP error says the prompt (with the requested output) does not fit the model's context. */
export function isContextOverflow(status: number, info: ErrorInfo): boolean {
  if (status !== 400) return false;
  if (info.param !== null && CONTEXT_PARAMS.has(info.param)) return true;
  return info.message !== null && CONTEXT_WORDING.test(info.message);
}

/**
 * The token counts a context-overflow message states: the model's context length (`limit`), the
 * prompt, the requested output (`completion`) and their total (`requested`, as stated, or the sum
 * of the two when the message states both). Null where the message does not say (a prompt refused
 * for its length in characters has no prompt token count).
 */
export interface Overflow {
  limit: number | null;
  requested: number | null;
  prompt: number | null;
  completion: number | null;
}

const N = "(\\d[\\d,]*)";
/** Each wording vLLM has used, newest first, with the field each captured number fills (null: not kept). */
const OVERFLOW_WORDINGS: [RegExp, (keyof Overflow | null)[]][] = [
  // current renderers (token check): "You passed P input tokens and requested M output tokens. However, the model's context length is only L tokens, …"
  [
    new RegExp(
      `You passed ${N} input tokens and requested ${N} output tokens\\. However, the model's context length is only ${N} tokens`,
    ),
    ["prompt", "completion", "limit"],
  ],
  // current renderers (text check, before tokenization): the prompt is counted in characters
  [
    new RegExp(
      `You passed ${N} input characters and requested ${N} output tokens\\. However, the model's context length is only ${N} tokens`,
    ),
    [null, "completion", "limit"],
  ],
  // 2026: "… maximum context length is L tokens. However, you requested M output tokens and your prompt contains [at least] P input tokens, for a total of [at least] T tokens."
  [
    new RegExp(
      `maximum context length is ${N} tokens\\. However, you requested ${N} output tokens and your prompt contains (?:at least )?${N} input tokens, for a total of (?:at least )?${N} tokens`,
    ),
    ["limit", "completion", "prompt", "requested"],
  ],
  // ≤ 0.10: "… maximum context length is L tokens. However, you requested T tokens (P in the messages, M in the completion)."
  [
    new RegExp(
      `maximum context length is ${N} tokens\\. However, you requested ${N} tokens \\(${N} in the \\w+, ${N} in the completion\\)`,
    ),
    ["limit", "requested", "prompt", "completion"],
  ],
  // ≈ 0.11: "'max_tokens' or 'max_completion_tokens' is too large: M. This model's maximum context length is L tokens and your request has P input tokens"
  [
    new RegExp(
      `is too large: ${N}\\. This model's maximum context length is ${N} tokens and your request has ${N} input tokens`,
    ),
    ["completion", "limit", "prompt"],
  ],
  // ≈ 0.11, no output limit requested: "… maximum context length is L tokens. However, your request has P input tokens."
  [
    new RegExp(`maximum context length is ${N} tokens\\. However, your request has ${N} input tokens`),
    ["limit", "prompt"],
  ],
  // older, no output limit requested: "… maximum context length is L tokens. However, you requested P tokens in the messages"
  [
    new RegExp(`maximum context length is ${N} tokens\\. However, you requested ${N} tokens in the messages`),
    ["limit", "prompt"],
  ],
];
const LIMIT_ONLY = new RegExp(`(?:maximum context length is|context length is only) ${N} tokens`);

/** The numbers of a context-overflow message (every field null when it states none). */
export function overflowNumbers(message: string | null): Overflow {
  const out: Overflow = { limit: null, requested: null, prompt: null, completion: null };
  if (message === null) return out;
  const number = (text: string) => Number(text.replaceAll(",", ""));
  for (const [pattern, fields] of OVERFLOW_WORDINGS) {
    const m = pattern.exec(message);
    if (!m) continue;
    fields.forEach((field, i) => {
      if (field !== null) out[field] = number(m[i + 1]!);
    });
    if (out.requested === null && out.prompt !== null && out.completion !== null)
      out.requested = out.prompt + out.completion;
    return out;
  }
  const limit = LIMIT_ONLY.exec(message);
  if (limit) out.limit = number(limit[1]!);
  return out;
}

/** Message stored for a non-2xx response: the server's message, else the status. */
export function httpErrorMessage(status: number, info: ErrorInfo): string {
  return clip(info.message ?? `HTTP ${status}`);
}

const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  // A base URL that cannot be parsed cannot be connected to either.
  "ERR_INVALID_URL",
]);
const RESET_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
]);
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);
const ABORT_CODES = new Set(["UND_ERR_ABORTED", "UND_ERR_ABORT", "ABORT_ERR"]);

/**
 * Class of a thrown network-level error (Node system errors, undici errors, abort reasons).
 * Follows `cause` chains and AggregateError members (happy-eyeballs connects).
 */
export function classifyNetworkError(err: unknown): Failure {
  return { errorClass: networkClass(err, 0) ?? "reset", message: clip(describe(err)) };
}

function networkClass(err: unknown, depth: number): ErrorClass | null {
  if (!isRecord(err) || depth > 5) return null;
  const code = typeof err.code === "string" ? err.code : null;
  if (code !== null) {
    if (CONNECT_CODES.has(code)) return "connect";
    if (RESET_CODES.has(code)) return "reset";
    if (TIMEOUT_CODES.has(code)) return "timeout";
    if (ABORT_CODES.has(code)) return "aborted";
  }
  if (err.name === "TimeoutError") return "timeout";
  if (err.name === "AbortError") return "aborted";
  if (Array.isArray(err.errors)) {
    for (const member of err.errors) {
      const c = networkClass(member, depth + 1);
      if (c) return c;
    }
  }
  return networkClass(err.cause, depth + 1);
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  let text = typeof code === "string" && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  if (text === "" && err instanceof AggregateError) text = err.errors.map(describe).join("; ");
  if (err.cause instanceof Error) text += ` (cause: ${describe(err.cause)})`;
  return text === "" ? err.name : text;
}

/** Whether a failed request of this class may succeed when sent again. */
export function retryable(errorClass: ErrorClass): boolean {
  switch (errorClass) {
    case "connect":
    case "reset":
    case "http_5xx":
    case "in_band_error":
    case "timeout":
      return true;
    default:
      return false;
  }
}

/** Replaces every occurrence of the secret (and `Authorization` header values) in a message. */
export function redact(message: string, secret: string | undefined): string {
  let out = message.replace(/(authorization["']?\s*[:=]\s*["']?)(bearer\s+)?[^\s"',}]+/gi, "$1$2[redacted]");
  if (secret) out = out.split(secret).join("[redacted]");
  return out;
}

function infoFrom(o: Record<string, unknown>): ErrorInfo {
  return {
    message: typeof o.message === "string" ? o.message : null,
    type: typeof o.type === "string" ? o.type : null,
    param: typeof o.param === "string" ? o.param : null,
    code: typeof o.code === "string" || typeof o.code === "number" ? o.code : null,
  };
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE ? text.slice(0, MAX_MESSAGE) + "…" : text;
}
