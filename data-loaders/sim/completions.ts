// POST /v1/chat/completions and /v1/completions: the validated request (completion-request.ts),
// one answer per choice (answers.ts; `n` choices per prompt, each completions prompt its own
// group), each turned into the tokens it generates (generation.ts) and run as its own engine
// sequence, with the injected faults (faults.ts). The answer is one JSON body once every choice
// finished, or SSE events as tokens arrive (streamed.ts). Both paths share the exchange set-up,
// the submit (after an injected slow first token) and the handling of a client that goes away.
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { hashParts } from "../random.ts";
import { composeAnswer, toolCallAnswer, type Answer } from "./answers.ts";
import {
  chatResponse,
  completionResponse,
  errorBody,
  usage,
  type ChunkHeader,
  type ToolCall,
  type Usage,
} from "./chunks.ts";
import { parseRequest, type Api, type ParsedRequest, type PromptInput } from "./completion-request.ts";
import type { Engine, SequenceCallbacks, SequenceHandle } from "./engine.ts";
import { decideFaults, type Faults, type RequestFaults } from "./faults.ts";
import { generate, type Generation } from "./generation.ts";
import type { GroundTruth, GroundTruthRecord } from "./ground-truth.ts";
import { ENGINE_DEAD, HttpError } from "./http-error.ts";
import { chatLogprobs, completionLogprobs, tokenLogprob, type TokenLogprob } from "./logprobs.ts";
import type { SimProfile } from "./profiles.ts";
import { streamedResponse } from "./streamed.ts";

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

/** One choice of a request: its answer, tokens and engine sequence. */
export interface Choice {
  /** The choice's index on the wire (prompt · n + choice). */
  index: number;
  prompt: PromptInput;
  gen: Generation;
  /** The answer has a reasoning part (the profile's reasoning parser fills `reasoning`). */
  hasReasoning: boolean;
  /** The tool call the choice makes instead of writing content, if any. */
  toolCall: ToolCall | null;
  /** finish_reason sent: "tool_calls" for a call under tool choice auto or required. */
  finishReason: string;
  /** Names the choice's logprobs. */
  key: string;
  handle: SequenceHandle | null;
  done: boolean;
}

/** One completion request being answered. */
export interface Exchange {
  ctx: CompletionsContext;
  parsed: ParsedRequest;
  res: ServerResponse;
  header: ChunkHeader;
  record: GroundTruthRecord;
  faults: RequestFaults;
  choices: Choice[];
  /** Tokens generated so far over every choice (stream faults count these). */
  generated: number;
  delayTimer: NodeJS.Timeout | null;
  /** Set once the response is complete or abandoned: later engine callbacks do nothing. */
  completed: boolean;
}

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
    for (const c of x.choices) c.handle?.abort("abort");
  });
  submit(x, parsed.stream ? streamedResponse(x) : wholeResponse(x));
}

/** The choices, the ground-truth record and the faults of one request. */
function startExchange(
  ctx: CompletionsContext,
  parsed: ParsedRequest,
  res: ServerResponse,
  requestId: string,
  arrivalMs: number,
  faultKey: string,
): Exchange {
  const choices = parsed.prompts.flatMap((prompt, p) =>
    Array.from({ length: parsed.sampling.n }, (_, i) => makeChoice(ctx, parsed, prompt, p * parsed.sampling.n + i, i)),
  );
  const promptTokens = parsed.prompts.reduce((n, p) => n + p.promptTokens, 0);
  const outputTokens = choices.reduce((n, c) => n + c.gen.tokens.length, 0);
  const record = ctx.groundTruth.start(requestId, arrivalMs, promptTokens);
  const faults = decideFaults(ctx.faults, ctx.seed, faultKey, parsed.stream, outputTokens);
  const header: ChunkHeader = {
    id: `${parsed.api === "chat" ? "chatcmpl" : "cmpl"}-${requestId}`,
    created: Math.floor(Date.now() / 1000),
    model: ctx.profile.model,
  };
  return { ctx, parsed, res, header, record, faults, choices, generated: 0, delayTimer: null, completed: false };
}

/** Choice `i` of a prompt: its answer (a tool call when the request asks for one) and tokens. */
function makeChoice(ctx: CompletionsContext, parsed: ParsedRequest, prompt: PromptInput, index: number, i: number) {
  const request = {
    profile: ctx.profile,
    simSeed: ctx.seed,
    content: prompt.text,
    temperature: parsed.sampling.temperature,
    requestSeed: parsed.sampling.seed,
    jsonSchema: parsed.jsonSchema,
    enableThinking: parsed.enableThinking,
    choice: i,
  };
  const tool = chosenTool(parsed);
  const answer: Answer = tool ? toolCallAnswer(request, tool.name, tool.parameters) : composeAnswer(request);
  const key = `${ctx.seed}:${hashParts(prompt.text)}:${parsed.sampling.seed ?? ""}:${index}`;
  const gen = generate({
    answer,
    limit: prompt.limit,
    sampling: parsed.sampling,
    eosStopReason: ctx.profile.stopReason,
    key,
  });
  const toolCall = tool
    ? { id: `chatcmpl-tool-${randomBytes(8).toString("hex")}`, name: tool.name, arguments: gen.text.content }
    : null;
  const byTool = toolCall && parsed.tools?.choice !== undefined && typeof parsed.tools.choice === "string";
  const finishReason = byTool && gen.finish.reason === "stop" ? "tool_calls" : gen.finish.reason;
  const hasReasoning = answer.reasoning.length > 0;
  return { index, prompt, gen, hasReasoning, toolCall, finishReason, key, handle: null, done: false } satisfies Choice;
}

/** The tool the model calls: the named one, else the first (tool choice auto or required). */
function chosenTool(parsed: ParsedRequest): { name: string; parameters: unknown } | null {
  const t = parsed.tools;
  if (!t || t.tools.length === 0) return null;
  if (typeof t.choice === "object") return t.tools.find((x) => x.name === (t.choice as { name: string }).name) ?? null;
  return t.tools[0]!;
}

/** Ends the request's ground-truth record (once). */
export function end(x: Exchange, reason: string, status: number | null): void {
  const record = x.record;
  if (record.endMs !== null) return;
  record.endMs = performance.now();
  record.finishReason = reason;
  record.httpStatus = status;
}

/** The logprobs of tokens [from, to) of a choice, when asked for. */
export function tokenLogprobs(x: Exchange, c: Choice, from: number, to: number): TokenLogprob[] | null {
  const k = x.parsed.sampling.logprobs;
  if (k === null) return null;
  return c.gen.tokens.slice(from, to).map((t, j) => tokenLogprob(c.key, from + j, t.piece, k));
}

/** Logprobs in the API's layout (completions offsets from `offset`), or null. */
export function logprobsJson(x: Exchange, tokens: TokenLogprob[] | null, offset: number): unknown {
  if (tokens === null) return null;
  return x.parsed.api === "chat" ? chatLogprobs(tokens) : completionLogprobs(tokens, offset);
}

/** Usage of the whole request: each prompt once, every choice's tokens. */
export function requestUsage(x: Exchange): Usage {
  const prompt = x.parsed.prompts.reduce((n, p) => n + p.promptTokens, 0);
  return usage(
    prompt,
    x.choices.reduce((n, c) => n + c.gen.tokens.length, 0),
  );
}

/** Hands every choice to the engine, after the injected slow first token when there is one. */
function submit(x: Exchange, callbacks: (c: Choice) => SequenceCallbacks): void {
  const go = (): void => {
    for (const c of x.choices) {
      c.handle = x.ctx.engine.submit({
        promptTokens: c.prompt.promptTokens,
        outputTokens: c.gen.tokens.length,
        finishReason: c.gen.finish.reason,
        ...callbacks(c),
      });
    }
  };
  if (x.faults.slowFirstTokenMs > 0) x.delayTimer = setTimeout(go, x.faults.slowFirstTokenMs / x.ctx.speedup);
  else go();
}

/** Non-streaming: one JSON body once every choice finished (500 with vLLM's message when the engine died). */
function wholeResponse(x: Exchange): (c: Choice) => SequenceCallbacks {
  const { record, res, parsed, ctx } = x;
  return (c) => ({
    onToken: (_i, atMs) => {
      record.tokenMs.push(atMs);
      record.firstTokenMs ??= atMs;
    },
    onFinish: (reason) => {
      if (x.completed) return;
      c.done = true;
      if (reason === "error") {
        x.completed = true;
        for (const other of x.choices) other.handle?.abort("abort");
        end(x, "error", 500);
        res.writeHead(500, { "content-type": "application/json" }).end(errorBody(500, ENGINE_DEAD));
        return;
      }
      if (!x.choices.every((o) => o.done)) return;
      x.completed = true;
      record.completionTokens = record.tokenMs.length;
      end(x, x.choices[0]!.gen.finish.reason, 200);
      const u = requestUsage(x);
      const body =
        parsed.api === "chat"
          ? chatResponse(
              x.header,
              x.choices.map((o) => chatChoice(x, o)),
              u,
              ctx.fingerprint,
            )
          : completionResponse(
              x.header,
              x.choices.map((o) => ({
                index: o.index,
                // Completions have no reasoning parser: the text is all the model wrote.
                text: o.gen.text.reasoning + o.gen.text.content,
                logprobs: logprobsJson(x, tokenLogprobs(x, o, 0, o.gen.tokens.length), 0),
                finish: o.gen.finish,
              })),
              u,
              ctx.fingerprint,
            );
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    },
  });
}

function chatChoice(x: Exchange, c: Choice) {
  const { text } = c.gen;
  // A called tool's arguments are not content; vLLM sends "" beside a required or named call.
  const content = c.toolCall
    ? c.finishReason === "tool_calls" && x.parsed.tools?.choice === "auto"
      ? null
      : ""
    : text.content;
  return {
    index: c.index,
    content,
    reasoning: c.hasReasoning ? text.reasoning : null,
    toolCalls: c.toolCall ? [c.toolCall] : [],
    logprobs: logprobsJson(x, tokenLogprobs(x, c, 0, c.gen.tokens.length), 0),
    finishReason: c.finishReason,
    stopReason: c.gen.finish.stopReason,
  };
}
