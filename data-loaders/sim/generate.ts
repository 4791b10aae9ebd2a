// POST /v1/chat/completions and /v1/completions: validation (vLLM's status codes and
// messages), the answer, the engine sequence, SSE streaming and the injected faults.
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { composeAnswer } from "./answers.ts";
import {
  chatDeltaChunk,
  chatResponse,
  chatRoleChunk,
  completionChunk,
  completionResponse,
  errorBody,
  usage,
  usageChunk,
  type ChunkHeader,
  type Finish,
} from "./chunks.ts";
import type { Engine, FinishReason, SequenceHandle } from "./engine.ts";
import { decideFaults, type Faults } from "./faults.ts";
import type { GroundTruth, GroundTruthRecord } from "./ground-truth.ts";
import type { SimProfile } from "./profiles.ts";
import { chatPromptTokens, completionPromptTokens, splitTokens } from "./tokenizer.ts";

export interface GenerateContext {
  profile: SimProfile;
  seed: number;
  speedup: number;
  faults: Faults | undefined;
  engine: Engine;
  groundTruth: GroundTruth;
  fingerprint: string;
  isDead(): boolean;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(body);
  }
}

const ENGINE_DEAD = "EngineCore encountered an issue. See stack trace (above) for the root cause.";

const badRequest = (message: string, param: string | null = null): HttpError =>
  new HttpError(400, errorBody(400, message, param));

interface ParsedRequest {
  api: "chat" | "completions";
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

function optionalNumber(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw badRequest(`${key} must be a number`, key);
  return v;
}

/** Parses and validates a request body the way vLLM does (400/404 with vLLM's messages). */
export function parseRequest(ctx: GenerateContext, api: "chat" | "completions", body: unknown): ParsedRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw badRequest("Request body must be a JSON object");
  const b = body as Record<string, unknown>;
  const p = ctx.profile;
  if (b.model !== undefined && b.model !== null && b.model !== p.model) {
    throw new HttpError(404, errorBody(404, `The model \`${String(b.model)}\` does not exist.`, "model"));
  }
  const stream = b.stream === true;
  const streamOptions = b.stream_options;
  if (streamOptions !== undefined && streamOptions !== null && !stream) {
    throw badRequest("Stream options can only be defined when `stream=True`.", "stream_options");
  }
  const so = (typeof streamOptions === "object" && streamOptions !== null ? streamOptions : {}) as Record<
    string,
    unknown
  >;
  let text: string;
  let promptTokens: number;
  if (api === "chat") {
    if (!Array.isArray(b.messages) || b.messages.length === 0) throw badRequest("messages: Field required", "messages");
    const messages = b.messages.map((m: unknown) => {
      if (typeof m !== "object" || m === null) throw badRequest("Invalid message", "messages");
      const r = m as Record<string, unknown>;
      return { role: String(r.role ?? "user"), content: messageText(r.content) };
    });
    text = messages.map((m) => m.content).join("\n");
    promptTokens = chatPromptTokens(p, messages);
  } else {
    const prompt = Array.isArray(b.prompt) && b.prompt.length === 1 ? b.prompt[0] : b.prompt;
    if (typeof prompt !== "string")
      throw badRequest("prompt must be a string (the simulator serves one text prompt per request)", "prompt");
    if (prompt.length === 0) throw badRequest("Prompt cannot be empty", "prompt");
    text = prompt;
    promptTokens = completionPromptTokens(prompt);
  }
  const maxTokens =
    api === "chat"
      ? (optionalNumber(b, "max_completion_tokens") ?? optionalNumber(b, "max_tokens"))
      : (optionalNumber(b, "max_tokens") ?? 16);
  if (maxTokens !== undefined && maxTokens < 1)
    throw badRequest("max_tokens must be at least 1", api === "chat" ? "max_completion_tokens" : "max_tokens");
  if (maxTokens !== undefined && maxTokens > p.maxModelLen) {
    throw badRequest(
      `max_tokens (${maxTokens}) cannot be greater than max_model_len (${p.maxModelLen}).`,
      "max_tokens",
    );
  }
  const requested = maxTokens ?? 0;
  if (promptTokens > p.maxModelLen - requested) {
    throw badRequest(
      `This model's maximum context length is ${p.maxModelLen} tokens. However, you requested ${requested} output tokens and your prompt contains ${promptTokens} input tokens, for a total of ${promptTokens + requested} tokens. Please reduce the length of the input prompt or the number of requested output tokens.`,
      "input_tokens",
    );
  }
  let jsonSchema: unknown;
  const rf = b.response_format as Record<string, unknown> | undefined;
  if (rf && typeof rf === "object") {
    if (rf.type === "json_schema") {
      const js = rf.json_schema as Record<string, unknown> | undefined;
      if (!js || typeof js !== "object")
        throw badRequest("json_schema must be provided when type is json_schema", "response_format");
      jsonSchema = js.schema ?? {};
    } else if (rf.type === "json_object") {
      jsonSchema = { type: "object" };
    }
  }
  const kwargs = (b.chat_template_kwargs ?? {}) as Record<string, unknown>;
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

interface Piece {
  text: string;
  reasoning: boolean;
}

const RESET = Symbol("reset");

/** Writes SSE events, holding them back while a stall is in effect. */
class EventWriter {
  private holdUntil = 0;
  /** Queued SSE text; null ends the response, RESET drops the connection. */
  private readonly queue: (string | null | typeof RESET)[] = [];
  private timer: NodeJS.Timeout | null = null;
  closed = false;

  constructor(
    private readonly res: ServerResponse,
    /** Called right after each event is written to the socket. */
    private readonly onWrite?: () => void,
  ) {}

  /** Holds everything written from now until `untilMs`. */
  stall(untilMs: number): void {
    this.holdUntil = Math.max(this.holdUntil, untilMs);
  }

  /** Time at which an event produced at `atMs` is actually written. */
  releaseTime(atMs: number): number {
    return Math.max(atMs, this.holdUntil);
  }

  event(data: string): void {
    this.push(`data: ${data}\n\n`);
  }

  end(): void {
    this.push(null);
  }

  /** Resets the connection (TCP RST) once everything written so far has reached the socket. */
  reset(): void {
    this.push(RESET);
  }

  private push(item: string | null | typeof RESET): void {
    if (this.closed) return;
    this.queue.push(item);
    this.flush();
  }

  private readonly flush = (): void => {
    this.timer = null;
    if (this.res.destroyed) {
      this.closed = true;
      return;
    }
    const wait = this.holdUntil - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(this.flush, wait);
      return;
    }
    while (this.queue.length > 0 && !this.closed) {
      const item = this.queue.shift()!;
      if (item === null) {
        this.closed = true;
        this.res.end();
      } else if (item === RESET) {
        this.closed = true;
        const socket = this.res.socket;
        socket?.write("", () => socket.resetAndDestroy());
      } else {
        this.res.write(item);
        this.onWrite?.();
      }
    }
  };
}

export function handleGenerate(
  ctx: GenerateContext,
  api: "chat" | "completions",
  body: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const arrivalMs = performance.now();
  const parsed = parseRequest(ctx, api, body);
  if (ctx.isDead()) throw new HttpError(500, errorBody(500, ENGINE_DEAD));
  const headerId = req.headers["x-request-id"];
  const requestId = typeof headerId === "string" && headerId.length > 0 ? headerId : randomBytes(8).toString("hex");
  const p = ctx.profile;
  const answer = composeAnswer({
    profile: p,
    simSeed: ctx.seed,
    content: parsed.text,
    temperature: parsed.temperature,
    requestSeed: parsed.seed,
    jsonSchema: parsed.jsonSchema,
    enableThinking: parsed.enableThinking,
  });
  const pieces: Piece[] = [
    ...(answer.reasoning ? splitTokens(answer.reasoning).map((text) => ({ text, reasoning: true })) : []),
    ...splitTokens(answer.content).map((text) => ({ text, reasoning: false })),
  ];
  const limit = Math.min(parsed.maxTokens ?? Infinity, p.maxModelLen - parsed.promptTokens);
  const finishesNormally = pieces.length + 1 <= limit;
  const outputTokens = finishesNormally ? pieces.length + 1 : limit;
  const finish: Finish = finishesNormally
    ? { reason: "stop", stopReason: p.stopReason }
    : { reason: "length", stopReason: null };

  const record = ctx.groundTruth.start(requestId, arrivalMs, parsed.promptTokens);
  const faults = decideFaults(
    ctx.faults,
    ctx.seed,
    typeof headerId === "string" ? headerId : JSON.stringify(body),
    parsed.stream,
    outputTokens,
  );
  const end = (reason: string, status: number | null): void => {
    if (record.endMs !== null) return;
    record.endMs = performance.now();
    record.finishReason = reason;
    record.httpStatus = status;
  };

  if (faults.httpError !== null) {
    end("error", faults.httpError);
    throw new HttpError(
      faults.httpError,
      errorBody(faults.httpError, `Simulated HTTP ${faults.httpError} (fault injection).`),
    );
  }
  if (faults.resetBeforeResponse) {
    end("abort", null);
    res.socket?.destroy();
    return;
  }

  const header: ChunkHeader = {
    id: `${api === "chat" ? "chatcmpl" : "cmpl"}-${requestId}`,
    created: Math.floor(Date.now() / 1000),
    model: p.model,
  };
  let handle: SequenceHandle | null = null;
  let delayTimer: NodeJS.Timeout | null = null;
  let completed = false;
  res.on("close", () => {
    if (completed) return;
    completed = true;
    if (delayTimer) clearTimeout(delayTimer);
    end("abort", parsed.stream ? 200 : null);
    handle?.abort("abort");
  });

  if (!parsed.stream) {
    const submit = (): void => {
      handle = ctx.engine.submit({
        promptTokens: parsed.promptTokens,
        outputTokens,
        finishReason: finish.reason,
        onToken: (_i, atMs) => {
          record.tokenMs.push(atMs);
          record.firstTokenMs ??= atMs;
        },
        onFinish: (reason: FinishReason) => {
          if (completed) return;
          completed = true;
          record.completionTokens = record.tokenMs.length;
          if (reason === "error") {
            end("error", 500);
            res.writeHead(500, { "content-type": "application/json" }).end(errorBody(500, ENGINE_DEAD));
            return;
          }
          end(reason, 200);
          const shown = pieces.slice(0, Math.min(outputTokens, pieces.length));
          const content = shown
            .filter((x) => !x.reasoning)
            .map((x) => x.text)
            .join("");
          const reasoning = answer.reasoning
            ? shown
                .filter((x) => x.reasoning)
                .map((x) => x.text)
                .join("")
            : null;
          const u = usage(parsed.promptTokens, outputTokens);
          const bodyText =
            api === "chat"
              ? chatResponse(header, content, reasoning, finish, u, ctx.fingerprint)
              : completionResponse(header, content, finish, u, ctx.fingerprint);
          res.writeHead(200, { "content-type": "application/json" }).end(bodyText);
        },
      });
    };
    if (faults.slowFirstTokenMs > 0) delayTimer = setTimeout(submit, faults.slowFirstTokenMs / ctx.speedup);
    else submit();
    return;
  }

  // Streaming: headers right after validation, tokens as the engine produces them.
  // Like vLLM (uvicorn writes http.response.start at once), the headers leave now, before any
  // token exists: time-to-headers is not TTFT. Node would otherwise hold them for the first write.
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  res.flushHeaders();
  let firstWriteSeen = false;
  const writer = new EventWriter(res, () => {
    if (record.firstTokenMs === null || firstWriteSeen) return;
    firstWriteSeen = true;
    // Node corks a response's socket on write and uncorks it in a nextTick queued then: a tick
    // queued after it runs once the bytes went to the kernel, which is what a client can observe.
    process.nextTick(() => (record.firstWriteMs = performance.now()));
  });
  const objectName = api === "chat" ? "chat.completion.chunk" : "text_completion";
  const running = (n: number) => (parsed.continuousUsage ? usage(parsed.promptTokens, n) : undefined);
  const fingerprintOnFinish = parsed.includeUsage ? undefined : ctx.fingerprint;
  const failInBand = (): void => {
    writer.event(errorBody(500, "Simulated in-band error (fault injection).", null, "InternalServerError"));
    writer.event("[DONE]");
    writer.end();
  };

  const onToken = (i: number, atMs: number): void => {
    if (completed) return;
    if (faults.resetMidStreamAt === i) {
      completed = true;
      end("abort", 200);
      writer.reset();
      handle?.abort("abort");
      return;
    }
    if (faults.inBandErrorAt === i) {
      completed = true;
      end("error", 200);
      failInBand();
      handle?.abort("error");
      return;
    }
    if (faults.stallAt === i) writer.stall(atMs + faults.stallMs / ctx.speedup);
    const writtenAt = writer.releaseTime(atMs);
    record.tokenMs.push(writtenAt);
    record.firstTokenMs ??= writtenAt;
    record.completionTokens = i + 1;
    const last = i === outputTokens - 1;
    const piece: Piece | undefined = pieces[i];
    let data: string;
    if (api === "chat") {
      if (i === 0) writer.event(chatRoleChunk(header, running(0)));
      const delta = piece ? (piece.reasoning ? { reasoning: piece.text } : { content: piece.text }) : {};
      data = chatDeltaChunk(
        header,
        delta,
        last ? finish : null,
        running(i + 1),
        last ? fingerprintOnFinish : undefined,
      );
    } else {
      data = completionChunk(
        header,
        piece?.text ?? "",
        last ? finish : null,
        running(i + 1),
        last ? fingerprintOnFinish : undefined,
      );
    }
    if (faults.malformedAt === i) data = data.slice(0, Math.floor(data.length / 2));
    writer.event(data);
  };

  const onFinish = (reason: FinishReason): void => {
    if (completed) return;
    completed = true;
    if (reason === "error") {
      end("error", 200);
      failInBand();
      return;
    }
    end(reason, 200);
    if (parsed.includeUsage)
      writer.event(usageChunk(header, objectName, usage(parsed.promptTokens, outputTokens), ctx.fingerprint));
    writer.event("[DONE]");
    writer.end();
  };

  const submit = (): void => {
    handle = ctx.engine.submit({
      promptTokens: parsed.promptTokens,
      outputTokens,
      finishReason: finish.reason,
      onToken,
      onFinish,
    });
  };
  if (faults.slowFirstTokenMs > 0) delayTimer = setTimeout(submit, faults.slowFirstTokenMs / ctx.speedup);
  else submit();
}
