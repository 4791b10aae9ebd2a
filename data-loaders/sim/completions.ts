// POST /v1/chat/completions and /v1/completions: the validated request (completion-request.ts),
// the answer (answers.ts) cut into token pieces, the engine sequence and the injected faults
// (faults.ts), answered either as one JSON body or as SSE events (event-writer.ts). Both paths
// share the exchange set-up, the submit (after an injected slow first token) and the handling of
// a client that goes away; they differ only in what the engine's token and finish callbacks write.
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { composeAnswer, type Answer } from "./answers.ts";
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
import { parseRequest, type Api, type ParsedRequest } from "./completion-request.ts";
import type { Engine, SequenceHandle, SequenceSpec } from "./engine.ts";
import { EventWriter } from "./event-writer.ts";
import { decideFaults, type Faults, type RequestFaults } from "./faults.ts";
import type { GroundTruth, GroundTruthRecord } from "./ground-truth.ts";
import { ENGINE_DEAD, HttpError } from "./http-error.ts";
import type { SimProfile } from "./profiles.ts";
import { splitTokens } from "./tokenizer.ts";

export interface CompletionsContext {
  profile: SimProfile;
  seed: number;
  speedup: number;
  faults: Faults | undefined;
  engine: Engine;
  groundTruth: GroundTruth;
  fingerprint: string;
  isDead(): boolean;
}

interface Piece {
  text: string;
  reasoning: boolean;
}

/** One completion request being answered. */
interface Exchange {
  ctx: CompletionsContext;
  parsed: ParsedRequest;
  res: ServerResponse;
  answer: Answer;
  /** The answer's tokens: reasoning first, then content. */
  pieces: Piece[];
  /** Tokens the engine generates (the EOS token included when the answer ends with "stop"). */
  outputTokens: number;
  finish: Finish;
  header: ChunkHeader;
  record: GroundTruthRecord;
  faults: RequestFaults;
  handle: SequenceHandle | null;
  delayTimer: NodeJS.Timeout | null;
  /** Set once the response is complete or abandoned: later engine callbacks do nothing. */
  completed: boolean;
}

type SequenceCallbacks = Pick<SequenceSpec, "onToken" | "onFinish">;

export function handleCompletions(
  ctx: CompletionsContext,
  api: Api,
  body: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const arrivalMs = performance.now();
  const parsed = parseRequest(ctx.profile, api, body);
  if (ctx.isDead()) throw new HttpError(500, errorBody(500, ENGINE_DEAD));
  const headerId = req.headers["x-request-id"];
  const requestId = typeof headerId === "string" && headerId.length > 0 ? headerId : randomBytes(8).toString("hex");
  const faultKey = typeof headerId === "string" ? headerId : JSON.stringify(body);
  const x = startExchange(ctx, parsed, res, requestId, arrivalMs, faultKey);
  if (x.faults.httpError !== null) {
    const status = x.faults.httpError;
    end(x, "error", status);
    throw new HttpError(status, errorBody(status, `Simulated HTTP ${status} (fault injection).`));
  }
  if (x.faults.resetBeforeResponse) {
    end(x, "abort", null);
    res.socket?.destroy();
    return;
  }
  res.on("close", () => {
    if (x.completed) return;
    x.completed = true;
    if (x.delayTimer) clearTimeout(x.delayTimer);
    end(x, "abort", parsed.stream ? 200 : null);
    x.handle?.abort("abort");
  });
  submit(x, parsed.stream ? streamedResponse(x) : wholeResponse(x));
}

/** The answer, its token pieces and length, the ground-truth record and the faults of one request. */
function startExchange(
  ctx: CompletionsContext,
  parsed: ParsedRequest,
  res: ServerResponse,
  requestId: string,
  arrivalMs: number,
  faultKey: string,
): Exchange {
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
  const faults = decideFaults(ctx.faults, ctx.seed, faultKey, parsed.stream, outputTokens);
  const header: ChunkHeader = {
    id: `${parsed.api === "chat" ? "chatcmpl" : "cmpl"}-${requestId}`,
    created: Math.floor(Date.now() / 1000),
    model: p.model,
  };
  const started = { handle: null, delayTimer: null, completed: false };
  return { ctx, parsed, res, answer, pieces, outputTokens, finish, header, record, faults, ...started };
}

/** Ends the request's ground-truth record (once). */
function end(x: Exchange, reason: string, status: number | null): void {
  const record = x.record;
  if (record.endMs !== null) return;
  record.endMs = performance.now();
  record.finishReason = reason;
  record.httpStatus = status;
}

/** Hands the sequence to the engine, after the injected slow first token when there is one. */
function submit(x: Exchange, callbacks: SequenceCallbacks): void {
  const go = (): void => {
    x.handle = x.ctx.engine.submit({
      promptTokens: x.parsed.promptTokens,
      outputTokens: x.outputTokens,
      finishReason: x.finish.reason,
      ...callbacks,
    });
  };
  if (x.faults.slowFirstTokenMs > 0) x.delayTimer = setTimeout(go, x.faults.slowFirstTokenMs / x.ctx.speedup);
  else go();
}

/** Non-streaming: one JSON body once the sequence finished (500 with vLLM's message when the engine died). */
function wholeResponse(x: Exchange): SequenceCallbacks {
  const { record, res, parsed, ctx } = x;
  return {
    onToken: (_i, atMs) => {
      record.tokenMs.push(atMs);
      record.firstTokenMs ??= atMs;
    },
    onFinish: (reason) => {
      if (x.completed) return;
      x.completed = true;
      record.completionTokens = record.tokenMs.length;
      if (reason === "error") {
        end(x, "error", 500);
        res.writeHead(500, { "content-type": "application/json" }).end(errorBody(500, ENGINE_DEAD));
        return;
      }
      end(x, reason, 200);
      const shown = x.pieces.slice(0, Math.min(x.outputTokens, x.pieces.length));
      const text = (reasoning: boolean): string =>
        shown
          .filter((piece) => piece.reasoning === reasoning)
          .map((piece) => piece.text)
          .join("");
      const u = usage(parsed.promptTokens, x.outputTokens);
      const bodyText =
        parsed.api === "chat"
          ? chatResponse(x.header, text(false), x.answer.reasoning ? text(true) : null, x.finish, u, ctx.fingerprint)
          : completionResponse(x.header, text(false), x.finish, u, ctx.fingerprint);
      res.writeHead(200, { "content-type": "application/json" }).end(bodyText);
    },
  };
}

/**
 * Streaming: headers right after validation, one event per token as the engine produces it,
 * the stream faults (reset, in-band error, stall, malformed chunk), then usage and [DONE].
 */
function streamedResponse(x: Exchange): SequenceCallbacks {
  const { record, parsed, faults, ctx } = x;
  // Like vLLM (uvicorn writes http.response.start at once), the headers leave now, before any
  // token exists: time-to-headers is not TTFT. Node would otherwise hold them for the first write.
  x.res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  x.res.flushHeaders();
  const writer = new EventWriter(x.res, firstWriteClock(record));
  const failInBand = (): void => {
    writer.event(errorBody(500, "Simulated in-band error (fault injection).", null, "InternalServerError"));
    writer.event("[DONE]");
    writer.end();
  };
  const onToken = (i: number, atMs: number): void => {
    if (x.completed) return;
    if (faults.resetMidStreamAt === i || faults.inBandErrorAt === i) {
      x.completed = true;
      const reset = faults.resetMidStreamAt === i;
      end(x, reset ? "abort" : "error", 200);
      if (reset) writer.reset();
      else failInBand();
      x.handle?.abort(reset ? "abort" : "error");
      return;
    }
    if (faults.stallAt === i) writer.stall(atMs + faults.stallMs / ctx.speedup);
    const writtenAt = writer.releaseTime(atMs);
    record.tokenMs.push(writtenAt);
    record.firstTokenMs ??= writtenAt;
    record.completionTokens = i + 1;
    if (parsed.api === "chat" && i === 0) writer.event(chatRoleChunk(x.header, runningUsage(x, 0)));
    const data = tokenEvent(x, i);
    writer.event(faults.malformedAt === i ? data.slice(0, Math.floor(data.length / 2)) : data);
  };
  const onFinish = (reason: string): void => {
    if (x.completed) return;
    x.completed = true;
    if (reason === "error") {
      end(x, "error", 200);
      failInBand();
      return;
    }
    end(x, reason, 200);
    const objectName = parsed.api === "chat" ? "chat.completion.chunk" : "text_completion";
    if (parsed.includeUsage)
      writer.event(usageChunk(x.header, objectName, usage(parsed.promptTokens, x.outputTokens), ctx.fingerprint));
    writer.event("[DONE]");
    writer.end();
  };
  return { onToken, onFinish };
}

/** The event of token `i`: a delta (chat) or text (completions) chunk; the last one carries the finish. */
function tokenEvent(x: Exchange, i: number): string {
  const last = i === x.outputTokens - 1;
  const piece: Piece | undefined = x.pieces[i];
  // With usage in a chunk of its own, the fingerprint goes there; else on the finishing chunk.
  const fingerprint = last && !x.parsed.includeUsage ? x.ctx.fingerprint : undefined;
  const finish = last ? x.finish : null;
  if (x.parsed.api === "chat") {
    const delta = piece ? (piece.reasoning ? { reasoning: piece.text } : { content: piece.text }) : {};
    return chatDeltaChunk(x.header, delta, finish, runningUsage(x, i + 1), fingerprint);
  }
  return completionChunk(x.header, piece?.text ?? "", finish, runningUsage(x, i + 1), fingerprint);
}

/** Usage so far, on every chunk when continuous_usage_stats was asked for. */
function runningUsage(x: Exchange, completionTokens: number): ReturnType<typeof usage> | undefined {
  return x.parsed.continuousUsage ? usage(x.parsed.promptTokens, completionTokens) : undefined;
}

/** Records when the first token's event reached the kernel (what a client can observe). */
function firstWriteClock(record: GroundTruthRecord): () => void {
  let seen = false;
  return () => {
    if (record.firstTokenMs === null || seen) return;
    seen = true;
    // Node corks a response's socket on write and uncorks it in a nextTick queued then: a tick
    // queued after it runs once the bytes went to the kernel, which is what a client can observe.
    process.nextTick(() => (record.firstWriteMs = performance.now()));
  };
}
