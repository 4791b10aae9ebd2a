// Sends one completion request to an OpenAI-compatible server (vLLM) and observes it.
//
// `send` never throws: every failure (network, HTTP status, in-band error, broken stream,
// timeout, abort) becomes an Outcome with ok=false. Times come from the caller's `now()`:
// `sentMs` right before the request is issued, each SSE event at the arrival of the chunk that
// completed it, `doneMs` at the end of the body.
//
// The body is read through undici's dispatch handler, not a Readable stream: undici calls
// `onResponseData` synchronously while it parses the bytes of a socket read, so a chunk is timed
// when it arrives, before any stream, promise or other socket's data is handled; its SSE events
// are parsed once the sockets readable in that turn are all read (TimedStream). bench:client
// measures what that buys: the time of the first event against the simulator's write time.
import { Agent, type Dispatcher } from "undici";
import type { CompletionRequest, Outcome } from "./outcome.ts";
import {
  classifyHttpStatus,
  classifyNetworkError,
  httpErrorMessage,
  overflowNumbers,
  parseErrorBody,
  redact,
  serverError,
  type Failure,
} from "./errors.ts";
import { SseDecoder } from "./sse.ts";
import { parseResponseBody, StreamState, type ResponseFields } from "./stream-state.ts";
import type { ErrorClass } from "../store/schemas/request-row.ts";
import { serverUrl } from "../server/url.ts";

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
  return serverUrl(baseUrl, `/v1/${path}`);
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
  Object.assign(body, req.params);
  body.stream = req.stream;
  if (req.stream) body.stream_options = { include_usage: true };
  if (req.jsonSchema) {
    body.response_format = {
      type: "json_schema",
      json_schema: { name: "answer", schema: req.jsonSchema, strict: true },
    };
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
  // Set from the transfer's callbacks (declared this way so TypeScript does not narrow it to null).
  let stream = null as TimedStream | null;
  try {
    const url = endpointUrl(req.baseUrl, req.api === "chat" ? "chat/completions" : "completions");
    const payload = JSON.stringify(requestBody(req));
    // Streaming 2xx bodies are timed chunk by chunk as they arrive; anything else is collected.
    const collected: Buffer[] = [];
    sentMs = now();
    await transfer(opts.dispatcher, url, requestHeaders(req), payload, controller.signal, {
      onStatus(status) {
        httpStatus = status;
        idleTimer?.refresh();
        if (req.stream && status >= 200 && status < 300) stream = new TimedStream();
      },
      onData(chunk) {
        const at = now();
        idleTimer?.refresh();
        if (stream === null) collected.push(chunk);
        else stream.push(chunk, at);
      },
    });
    const doneMs = now();
    const status = httpStatus ?? 0;
    if (status < 200 || status >= 300) {
      const failure = httpFailure(status, Buffer.concat(collected).toString("utf8"));
      return failed(req, sentMs, doneMs, httpStatus, failure);
    }
    const body = stream === null ? parseResponseBody(Buffer.concat(collected).toString("utf8"), doneMs) : null;
    return outcome(req, sentMs, doneMs, httpStatus, body ?? stream!.end(doneMs));
  } catch (err) {
    const doneMs = now();
    const failure = classifyNetworkError(err);
    const errorClass: ErrorClass = stoppedBy ?? failure.errorClass;
    let message = failure.message;
    if (stoppedBy === "timeout")
      message = idle ? `no bytes for ${req.idleTimeoutMs} ms` : `no complete response within ${req.timeoutMs} ms`;
    else if (stoppedBy === "aborted") message = "request aborted";
    if (stream)
      return outcome(req, sentMs, doneMs, httpStatus, {
        ...stream.partial(),
        ok: false,
        errorClass,
        errorMessage: message,
        serverError: null,
        vllmSuccess: false,
      });
    return failed(req, sentMs, doneMs, httpStatus, { errorClass, message });
  } finally {
    if (timer) clearTimeout(timer);
    if (idleTimer) clearTimeout(idleTimer);
    req.signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * A streaming body: each chunk is timed when it arrives and parsed at the end of that event-loop
 * turn (setImmediate). A server step writes a token to every running stream at once, and the client
 * reads all those sockets in one turn: parsing each chunk before the next socket is read would add
 * its cost to the time of every stream read after it.
 */
class TimedStream {
  private readonly decoder = new SseDecoder();
  private readonly state = new StreamState();
  private readonly pending: { chunk: Buffer; atMs: number }[] = [];
  private scheduled = false;

  push(chunk: Buffer, atMs: number): void {
    this.pending.push({ chunk, atMs });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Parses what has arrived. */
  private readonly flush = (): void => {
    this.scheduled = false;
    for (const { chunk, atMs } of this.pending.splice(0))
      for (const data of this.decoder.push(chunk)) this.state.add(data, atMs);
  };

  /** The body ended at `doneMs`: the last event may lack its blank line. */
  end(doneMs: number): ResponseFields {
    this.flush();
    for (const data of this.decoder.end()) this.state.add(data, doneMs);
    return this.state.result(this.decoder.done);
  }

  /** The body broke off: what arrived until then (everything it holds is parsed first). */
  partial(): ResponseFields {
    this.flush();
    return this.state.result(false);
  }
}

interface TransferSink {
  /** The response status line arrived (called once; 1xx responses are not passed on). */
  onStatus(status: number): void;
  /** Body bytes, called synchronously from the socket read that delivered them. */
  onData(chunk: Buffer): void;
}

/**
 * POSTs `body` to `url` through `dispatcher`; resolves when the response body has ended, rejects
 * with undici's error (network failure, reset, abort) otherwise.
 */
function transfer(
  dispatcher: Dispatcher,
  url: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
  sink: TransferSink,
): Promise<void> {
  const { origin, pathname, search } = new URL(url);
  return new Promise<void>((resolve, reject) => {
    let control: Dispatcher.DispatchController | null = null;
    const abort = () => control?.abort(signal.reason instanceof Error ? signal.reason : new Error("request aborted"));
    const settle = (err: Error | null) => {
      signal.removeEventListener("abort", abort);
      if (err) reject(err);
      else resolve();
    };
    signal.addEventListener("abort", abort, { once: true });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        control = c;
        if (signal.aborted) abort();
      },
      onResponseStart(c, status) {
        if (status < 200) return;
        try {
          sink.onStatus(status);
        } catch (err) {
          c.abort(err as Error);
        }
      },
      onResponseData(c, chunk) {
        try {
          sink.onData(chunk);
        } catch (err) {
          c.abort(err as Error);
        }
      },
      onResponseEnd: () => settle(null),
      onResponseError: (_c, err) => settle(err),
    };
    try {
      dispatcher.dispatch({ origin, path: pathname + search, method: "POST", headers, body }, handler);
    } catch (err) {
      settle(err as Error);
    }
  });
}

/** A 2xx response's outcome; vllm bench serve counts only HTTP 200 (not any 2xx) as a possible success. */
function outcome(
  req: CompletionRequest,
  sentMs: number,
  doneMs: number,
  httpStatus: number | null,
  fields: ResponseFields,
): Outcome {
  const errorMessage = fields.errorMessage === null ? null : redact(fields.errorMessage, req.apiKey);
  const vllmSuccess = fields.vllmSuccess && httpStatus === 200;
  return { ...fields, errorMessage, vllmSuccess, sentMs, doneMs, httpStatus };
}

/** The failure a non-2xx response body describes: class, message, the server's words and an overflow's numbers. */
function httpFailure(status: number, body: string): Failure & { overflow: Outcome["overflow"] } {
  const info = parseErrorBody(body);
  const errorClass = classifyHttpStatus(status, info);
  const overflow = errorClass === "context_length" ? overflowNumbers(info.message) : null;
  return { errorClass, message: httpErrorMessage(status, info), info, overflow };
}

/** A request that failed before any response content arrived. */
function failed(
  req: CompletionRequest,
  sentMs: number,
  doneMs: number,
  httpStatus: number | null,
  failure: Failure & { overflow?: Outcome["overflow"] },
): Outcome {
  return {
    ok: false,
    errorClass: failure.errorClass,
    httpStatus,
    errorMessage: redact(failure.message, req.apiKey),
    serverError: failure.info ? serverError(failure.info) : null,
    overflow: failure.overflow ?? null,
    vllmSuccess: false,
    sentMs,
    doneMs,
    firstEventMs: null,
    firstTokenMs: null,
    lastChunkMs: null,
    itlMs: [],
    promptTokens: null,
    completionTokens: null,
    totalTokens: null,
    finishReason: null,
    stopReason: null,
    answer: null,
    reasoning: null,
    responseId: null,
    systemFingerprint: null,
    toolCalls: [],
  };
}
