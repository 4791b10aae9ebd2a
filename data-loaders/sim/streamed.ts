// A streamed completion: headers right after validation, one event per generated token of each
// choice as the engine produces it (chat: the role chunks of every choice come with the first
// token), the stream faults (reset, in-band error, stall, malformed chunk, placed by the count of
// tokens generated over all choices), then usage and [DONE] once every choice finished.
//
// Chat deltas carry `content`, `reasoning` (the profile's reasoning parser) or `tool_calls` (the
// first delta of a call names it; later ones add argument text). A token that makes no text
// visible (held back by a stop string) sends no chat event unless logprobs were asked for, as
// vLLM's parsers skip empty deltas; completions send it with text "". The last token of a
// choice carries its finish_reason and stop_reason (and the fingerprint when usage has no chunk
// of its own).
import { performance } from "node:perf_hooks";
import { chatDeltaChunk, chatRoleChunk, completionChunk, errorBody, usage, usageChunk, type Usage } from "./chunks.ts";
import { end, logprobsJson, requestUsage, tokenLogprobs, type Choice, type Exchange } from "./completions.ts";
import type { SequenceCallbacks } from "./engine.ts";
import { EventWriter } from "./event-writer.ts";
import type { GroundTruthRecord } from "./ground-truth.ts";

export function streamedResponse(x: Exchange): (c: Choice) => SequenceCallbacks {
  const { record, parsed, faults, ctx } = x;
  // Like vLLM (uvicorn writes http.response.start at once), the headers leave now, before any
  // token exists: time-to-headers is not TTFT. Node would otherwise hold them for the first write.
  x.res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  x.res.flushHeaders();
  const writer = new EventWriter(x.res, firstWriteClock(record));
  const offsets = new Map<Choice, number>();
  let roleSent = false;
  const failInBand = (): void => {
    writer.event(errorBody(500, "Simulated in-band error (fault injection).", null, "InternalServerError"));
    writer.event("[DONE]");
    writer.end();
  };
  const stopAll = (reason: "abort" | "error"): void => {
    for (const c of x.choices) c.handle?.abort(reason);
  };
  return (c) => ({
    onToken: (i, atMs) => {
      if (x.completed) return;
      const k = x.generated++;
      if (faults.resetMidStreamAt === k || faults.inBandErrorAt === k) {
        x.completed = true;
        const reset = faults.resetMidStreamAt === k;
        end(x, reset ? "abort" : "error", 200);
        if (reset) writer.reset();
        else failInBand();
        stopAll(reset ? "abort" : "error");
        return;
      }
      if (faults.stallAt === k) writer.stall(atMs + faults.stallMs / ctx.speedup);
      const writtenAt = writer.releaseTime(atMs);
      record.tokenMs.push(writtenAt);
      record.firstTokenMs ??= writtenAt;
      record.completionTokens = k + 1;
      if (parsed.api === "chat" && !roleSent) {
        roleSent = true;
        for (const o of x.choices) writer.event(chatRoleChunk(x.header, o.index, runningUsage(x, o, 0)));
      }
      const data = tokenEvent(x, c, i, offsets);
      if (data !== null) writer.event(faults.malformedAt === k ? data.slice(0, Math.floor(data.length / 2)) : data);
    },
    onFinish: (reason) => {
      if (x.completed) return;
      c.done = true;
      if (reason === "error") {
        x.completed = true;
        end(x, "error", 200);
        failInBand();
        stopAll("abort");
        return;
      }
      if (!x.choices.every((o) => o.done)) return;
      x.completed = true;
      end(x, x.choices[0]!.gen.finish.reason, 200);
      const objectName = parsed.api === "chat" ? "chat.completion.chunk" : "text_completion";
      if (parsed.includeUsage) writer.event(usageChunk(x.header, objectName, requestUsage(x), ctx.fingerprint));
      writer.event("[DONE]");
      writer.end();
    },
  });
}

/** The event of token `i` of a choice, or null when it shows nothing a chat client would get. */
function tokenEvent(x: Exchange, c: Choice, i: number, offsets: Map<Choice, number>): string | null {
  const tok = c.gen.tokens[i]!;
  const last = i === c.gen.tokens.length - 1;
  // With usage in a chunk of its own, the fingerprint goes there; else on each choice's finishing chunk.
  const fingerprint = last && !x.parsed.includeUsage ? x.ctx.fingerprint : undefined;
  const lp = tokenLogprobs(x, c, i, i + 1);
  const u = runningUsage(x, c, i + 1);
  if (x.parsed.api === "completions") {
    const text = tok.delta.reasoning + tok.delta.content;
    const offset = offsets.get(c) ?? 0;
    offsets.set(c, offset + [...text].length);
    return completionChunk(
      x.header,
      c.index,
      text,
      logprobsJson(x, lp, offset),
      last ? c.gen.finish : null,
      u,
      fingerprint,
    );
  }
  const delta = chatDelta(c, i);
  if (!last && Object.keys(delta).length === 0 && lp === null) return null;
  const finish = last ? { reason: c.finishReason, stopReason: c.gen.finish.stopReason } : null;
  return chatDeltaChunk(x.header, c.index, delta, logprobsJson(x, lp, 0), finish, u, fingerprint);
}

/** A chat delta: content and reasoning as vLLM's DeltaMessage orders them, or a tool-call fragment. */
function chatDelta(c: Choice, i: number): Record<string, unknown> {
  const { reasoning, content } = c.gen.tokens[i]!.delta;
  if (c.toolCall) {
    if (i === 0) {
      const fn = { name: c.toolCall.name, arguments: content };
      return { tool_calls: [{ index: 0, id: c.toolCall.id, type: "function", function: fn }] };
    }
    return content ? { tool_calls: [{ index: 0, function: { arguments: content } }] } : {};
  }
  return { ...(content ? { content } : {}), ...(reasoning ? { reasoning } : {}) };
}

/** Usage so far, on every chunk when continuous_usage_stats was asked for. */
function runningUsage(x: Exchange, c: Choice, completionTokens: number): Usage | undefined {
  return x.parsed.continuousUsage ? usage(c.prompt.promptTokens, completionTokens) : undefined;
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
