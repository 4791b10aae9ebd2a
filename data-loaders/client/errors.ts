// Error bodies and failure classes of OpenAI-compatible servers (vLLM).
//
// Error body shapes accepted:
// * current (vLLM ≥ 0.10.1): {"error":{"message","type","param","code"}}
// * legacy flat (≤ 0.10.0): {"object":"error","message","type","param","code"}
// * API-key middleware:     {"error":"Unauthorized"} (error is a string)
// Anything else (HTML from a proxy, empty body) keeps a short excerpt of the text as message.
import type { ErrorClass } from "../store/schemas/request-row.ts";
import { isRecord } from "../json.ts";

export interface ErrorInfo {
  message: string | null;
  type: string | null;
  param: string | null;
  code: string | number | null;
}

export interface Failure {
  errorClass: ErrorClass;
  message: string;
}

const MAX_MESSAGE = 1000;
const CONTEXT_LENGTH = /maximum context length/i;

/** The error described by a parsed JSON value, or null when it is not an error object. */
export function errorInfoOf(value: unknown): ErrorInfo | null {
  if (!isRecord(value)) return null;
  const inner = value.error;
  if (typeof inner === "string") return { message: inner, type: null, param: null, code: null };
  if (isRecord(inner)) return infoFrom(inner);
  if (value.object === "error") return infoFrom(value);
  return null;
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
  if (status === 400 && info.message !== null && CONTEXT_LENGTH.test(info.message)) return "context_length";
  if (status >= 500) return "http_5xx";
  return "http_4xx";
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
