// Sends one completion request to an OpenAI-compatible server (vLLM) and observes it.
//
// `send` never throws: every failure (network, HTTP status, in-band error, broken stream,
// timeout, abort) becomes an Outcome with ok=false. Times come from the caller's `now()`:
// `sentMs` right before the request is issued, each SSE event at the arrival of the chunk that
// completed it, `doneMs` at the end of the body.
import { Agent, request, type Dispatcher } from "undici";
import type { CompletionRequest, Outcome } from "./outcome.ts";
import { classifyHttpStatus, classifyNetworkError, httpErrorMessage, parseErrorBody, redact } from "./errors.ts";
import { SseDecoder } from "./sse.ts";
import { parseResponseBody, StreamState, type ResponseFields } from "./stream-state.ts";
import type { ErrorClass } from "../store/rows.ts";

export interface SendOptions {
  dispatcher: Dispatcher;
  now: () => number;
}

/** A connection pool for `concurrency` simultaneous requests (streams may stay open for minutes). */
export function createDispatcher(concurrency: number): Agent {
  return new Agent({
    connections: concurrency,
    pipelining: 1,
    keepAliveTimeout: 4_000,
    bodyTimeout: 0,
    headersTimeout: 0,
    connect: { timeout: 10_000 },
  });
}

/** `<base>/v1/<path>`, whether or not the base already ends in `/v1` or `/`. */
export function endpointUrl(baseUrl: string, path: string): string {
  const base = baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
  return `${base}/v1/${path}`;
}

/** The JSON request body (OpenAI chat or completions shape). */
export function requestBody(req: CompletionRequest): Record<string, unknown> {
  const body: Record<string, unknown> = { model: req.model };
  if (req.api === "chat") {
    body.messages = req.messages ?? [];
    body.max_completion_tokens = req.maxTokens;
  } else {
    body.prompt = req.prompt ?? "";
    body.max_tokens = req.maxTokens;
  }
  body.temperature = req.temperature;
  if (req.seed !== undefined) body.seed = req.seed;
  body.stream = req.stream;
  if (req.stream) body.stream_options = { include_usage: true };
  if (req.jsonSchema) {
    body.response_format = { type: "json_schema", json_schema: { name: "answer", schema: req.jsonSchema, strict: true } };
  }
  return body;
}

export function requestHeaders(req: CompletionRequest): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: req.stream ? "text/event-stream" : "application/json",
    "x-request-id": req.requestId,
  };
  if (req.apiKey) headers.authorization = `Bearer ${req.apiKey}`;
  return headers;
}

export async function send(req: CompletionRequest, opts: SendOptions): Promise<Outcome> {
  const { now } = opts;
  const controller = new AbortController();
  let stoppedBy: "timeout" | "aborted" | null = null;
  const onAbort = () => {
    stoppedBy ??= "aborted";
    controller.abort();
  };
  if (req.signal?.aborted) onAbort();
  else req.signal?.addEventListener("abort", onAbort, { once: true });
  const timer =
    req.timeoutMs && req.timeoutMs > 0
      ? setTimeout(() => {
          stoppedBy ??= "timeout";
          controller.abort();
        }, req.timeoutMs)
      : null;
  let idle = false;
  const idleTimer =
    req.idleTimeoutMs && req.idleTimeoutMs > 0
      ? setTimeout(() => {
          idle = true;
          stoppedBy ??= "timeout";
          controller.abort();
        }, req.idleTimeoutMs)
      : null;

  let sentMs = now();
  let httpStatus: number | null = null;
  let state: StreamState | null = null;
  try {
    const url = endpointUrl(req.baseUrl, req.api === "chat" ? "chat/completions" : "completions");
    const payload = JSON.stringify(requestBody(req));
    sentMs = now();
    const res = await request(url, {
      method: "POST",
      dispatcher: opts.dispatcher,
      headers: requestHeaders(req),
      body: payload,
      signal: controller.signal,
    });
    idleTimer?.refresh();
    httpStatus = res.statusCode;
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const info = parseErrorBody(await res.body.text());
      const doneMs = now();
      const errorClass = classifyHttpStatus(res.statusCode, info);
      return failed(req, sentMs, doneMs, httpStatus, errorClass, httpErrorMessage(res.statusCode, info));
    }
    if (!req.stream) {
      const fields = parseResponseBody(await res.body.text());
      return outcome(req, sentMs, now(), httpStatus, fields);
    }
    const decoder = new SseDecoder();
    state = new StreamState();
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      const at = now();
      idleTimer?.refresh();
      for (const data of decoder.push(chunk)) state.add(data, at);
    }
    const doneMs = now();
    for (const data of decoder.end()) state.add(data, doneMs);
    return outcome(req, sentMs, doneMs, httpStatus, state.result(decoder.done));
  } catch (err) {
    const doneMs = now();
    const failure = classifyNetworkError(err);
    const errorClass: ErrorClass = stoppedBy ?? failure.errorClass;
    let message = failure.message;
    if (stoppedBy === "timeout") message = idle ? `no bytes for ${req.idleTimeoutMs} ms` : `no complete response within ${req.timeoutMs} ms`;
    else if (stoppedBy === "aborted") message = "request aborted";
    if (state) return outcome(req, sentMs, doneMs, httpStatus, { ...state.result(false), ok: false, errorClass, errorMessage: message });
    return failed(req, sentMs, doneMs, httpStatus, errorClass, message);
  } finally {
    if (timer) clearTimeout(timer);
    if (idleTimer) clearTimeout(idleTimer);
    req.signal?.removeEventListener("abort", onAbort);
  }
}

function outcome(req: CompletionRequest, sentMs: number, doneMs: number, httpStatus: number | null, fields: ResponseFields): Outcome {
  const errorMessage = fields.errorMessage === null ? null : redact(fields.errorMessage, req.apiKey);
  return { ...fields, errorMessage, sentMs, doneMs, httpStatus };
}

function failed(
  req: CompletionRequest,
  sentMs: number,
  doneMs: number,
  httpStatus: number | null,
  errorClass: ErrorClass,
  message: string,
): Outcome {
  return {
    ok: false,
    errorClass,
    httpStatus,
    errorMessage: redact(message, req.apiKey),
    sentMs,
    doneMs,
    firstEventMs: null,
    firstTokenMs: null,
    itlMs: [],
    promptTokens: null,
    completionTokens: null,
    finishReason: null,
    stopReason: null,
    answer: null,
    reasoning: null,
    responseId: null,
    systemFingerprint: null,
    toolCalls: [],
  };
}
