// Turns the JSON a server sent (SSE chunk payloads, or one non-streaming body) into Outcome fields.
//
// Streaming rules (see the vLLM reference, §2 and §4.3):
// * firstEventMs: first event whose `choices` is non-empty (vLLM bench's TTFT point; for chat the
//   role chunk counts). itlMs: gaps between consecutive events with non-empty `choices`.
// * firstTokenMs: first event with a non-empty `content`, `reasoning`, `reasoning_content`,
//   `tool_calls` delta, or completions `text`.
// * Token counts come only from `usage` objects: the final chunk with `choices: []`, or the
//   per-chunk `continuous_usage_stats` usage (the last one wins). `usage` missing or null means
//   not reported, so the counts stay null.
// * An `{"error":…}` event fails the request (`in_band_error`) even though HTTP said 200; a
//   payload that is not a JSON object is `malformed_stream`, and so is a stream without `[DONE]`.
//   `vllmSuccess` says how vllm bench serve would count the same body: it needs one event with
//   choices and every payload to parse, and notices neither an error event nor a missing [DONE].
// * lastChunkMs: the last event with choices, where vllm bench serve ends a request's E2EL.
// * The answer is the content text; a response whose only output is tool calls has answer "".
import type { ErrorClass } from "../store/schemas/request-row.ts";
import { isRecord } from "../json.ts";
import type { Outcome, ToolCall } from "./outcome.ts";
import { errorInfoOf, serverError, type ErrorInfo, type Failure } from "./errors.ts";

/** The part of an Outcome that comes from the response content. */
export type ResponseFields = Required<Omit<Outcome, "sentMs" | "doneMs" | "httpStatus">>;

interface ToolCallParts {
  id: string | null;
  type: string | null;
  name: string | null;
  arguments: string[];
}

export class StreamState {
  /** Data events received (`[DONE]` not included). */
  events = 0;
  /** Events (or bodies) with a non-empty `choices` array. */
  choiceEvents = 0;
  private failure: Failure | null = null;
  /** A payload did not parse as a JSON object (vllm bench serve's client fails on that too). */
  private unparsable = false;
  private firstEventMs: number | null = null;
  private firstTokenMs: number | null = null;
  private lastChoiceMs: number | null = null;
  private readonly itlMs: number[] = [];
  private promptTokens: number | null = null;
  private completionTokens: number | null = null;
  private totalTokens: number | null = null;
  private finishReason: string | null = null;
  private stopReason: string | number | null = null;
  private readonly answer: string[] = [];
  private readonly reasoning: string[] = [];
  private readonly toolCalls = new Map<number, ToolCallParts>();
  private responseId: string | null = null;
  private systemFingerprint: string | null = null;

  /** One SSE `data:` payload that arrived at `atMs`. */
  add(data: string, atMs: number): void {
    this.events++;
    if (this.failure) return;
    const value = parseObject(data);
    if (value === null) {
      this.unparsable = true;
      this.fail("malformed_stream", `SSE data is not a JSON object: ${excerpt(data)}`);
      return;
    }
    this.accumulate(value, atMs);
  }

  /** A complete non-streaming response body that arrived at `atMs` (no per-token timing). */
  addBody(text: string, atMs: number | null = null): void {
    const value = parseObject(text);
    if (value === null) {
      this.unparsable = true;
      this.fail("malformed_stream", `response body is not a JSON object: ${excerpt(text)}`);
      return;
    }
    this.accumulate(value, null);
    if (this.choiceEvents > 0) this.lastChoiceMs = atMs;
  }

  /** Final fields. `complete`: the stream ended with `[DONE]` (always true for a whole body). */
  result(complete: boolean): ResponseFields {
    let failure = this.failure;
    if (!failure && !complete) failure = { errorClass: "malformed_stream", message: "stream ended without [DONE]" };
    if (!failure && this.choiceEvents === 0)
      failure = { errorClass: "malformed_stream", message: "response has no choices" };
    const toolCalls: ToolCall[] = [...this.toolCalls.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([index, t]) => ({ index, id: t.id, type: t.type, name: t.name, arguments: t.arguments.join("") }));
    const answer = this.answer.length > 0 ? this.answer.join("") : toolCalls.length > 0 ? "" : null;
    return {
      ok: failure === null,
      errorClass: failure?.errorClass ?? null,
      errorMessage: failure?.message ?? null,
      serverError: failure?.info ? serverError(failure.info) : null,
      overflow: null,
      vllmSuccess: this.choiceEvents > 0 && !this.unparsable,
      firstEventMs: this.firstEventMs,
      firstTokenMs: this.firstTokenMs,
      lastChunkMs: this.lastChoiceMs,
      itlMs: [...this.itlMs],
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      totalTokens: this.totalTokens,
      finishReason: this.finishReason,
      stopReason: this.stopReason,
      answer,
      reasoning: this.reasoning.length > 0 ? this.reasoning.join("") : null,
      responseId: this.responseId,
      systemFingerprint: this.systemFingerprint,
      toolCalls,
    };
  }

  private fail(errorClass: ErrorClass, message: string, info?: ErrorInfo): void {
    this.failure ??= { errorClass, message, info };
  }

  /** `atMs` is null for a non-streaming body (timed as the whole body by the caller). */
  private accumulate(value: Record<string, unknown>, atMs: number | null): void {
    const error = errorInfoOf(value);
    if (error) {
      this.fail("in_band_error", error.message ?? "error event without a message", error);
      return;
    }
    if (this.responseId === null && typeof value.id === "string") this.responseId = value.id;
    if (typeof value.system_fingerprint === "string") this.systemFingerprint = value.system_fingerprint;
    if (isRecord(value.usage)) {
      this.promptTokens = count(value.usage.prompt_tokens);
      this.completionTokens = count(value.usage.completion_tokens);
      this.totalTokens = count(value.usage.total_tokens);
    }
    const choices = Array.isArray(value.choices) ? value.choices : [];
    if (choices.length === 0) return;
    this.choiceEvents++;
    let token = false;
    for (const choice of choices) if (isRecord(choice) && this.choice(choice)) token = true;
    if (atMs === null) return;
    if (this.lastChoiceMs === null) this.firstEventMs = atMs;
    else this.itlMs.push(atMs - this.lastChoiceMs);
    this.lastChoiceMs = atMs;
    if (token && this.firstTokenMs === null) this.firstTokenMs = atMs;
  }

  /** Reads one choice (chat `delta` or `message`, or completions `text`); true when it carried output. */
  private choice(choice: Record<string, unknown>): boolean {
    let output = false;
    if (typeof choice.finish_reason === "string") {
      this.finishReason = choice.finish_reason;
      const stop = choice.stop_reason;
      this.stopReason = typeof stop === "string" || typeof stop === "number" ? stop : null;
    }
    if (nonEmpty(choice.text)) {
      this.answer.push(choice.text);
      output = true;
    }
    const delta = isRecord(choice.delta) ? choice.delta : isRecord(choice.message) ? choice.message : null;
    if (delta === null) return output;
    if (nonEmpty(delta.content)) {
      this.answer.push(delta.content);
      output = true;
    }
    // Builds from 2025-11 to 2026-01 may send both names with the same text: take one.
    const reasoning = nonEmpty(delta.reasoning)
      ? delta.reasoning
      : nonEmpty(delta.reasoning_content)
        ? delta.reasoning_content
        : null;
    if (reasoning !== null) {
      this.reasoning.push(reasoning);
      output = true;
    }
    if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) {
      delta.tool_calls.forEach((call, position) => {
        if (isRecord(call)) this.toolCall(call, position);
      });
      output = true;
    }
    return output;
  }

  private toolCall(call: Record<string, unknown>, position: number): void {
    const index = typeof call.index === "number" ? call.index : position;
    let parts = this.toolCalls.get(index);
    if (!parts) {
      parts = { id: null, type: null, name: null, arguments: [] };
      this.toolCalls.set(index, parts);
    }
    if (typeof call.id === "string") parts.id = call.id;
    if (typeof call.type === "string") parts.type = call.type;
    const fn = isRecord(call.function) ? call.function : {};
    if (typeof fn.name === "string") parts.name = fn.name;
    if (typeof fn.arguments === "string") parts.arguments.push(fn.arguments);
  }
}

/** Outcome fields of a complete non-streaming response body that arrived at `atMs`. */
export function parseResponseBody(text: string, atMs: number | null = null): ResponseFields {
  const state = new StreamState();
  state.addBody(text, atMs);
  return state.result(true);
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

function count(v: unknown): number | null {
  return typeof v === "number" && Number.isInteger(v) ? v : null;
}

function nonEmpty(v: unknown): v is string {
  return typeof v === "string" && v !== "";
}

function excerpt(text: string): string {
  return text.length > 200 ? text.slice(0, 200) + "…" : text;
}
