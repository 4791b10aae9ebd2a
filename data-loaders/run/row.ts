// One request of a run, going out and coming back: the completion request for a prompt of the
// sequence, and the stored row of a finished request (store/rows.ts `requestRowSchema`).
import { checkAnswer } from "../analysis/quality.ts";
import type { CompletionRequest, Outcome } from "../client/outcome.ts";
import type { LoadedExperiment } from "../experiment/load.ts";
import { samplingParams } from "../experiment/sampling.ts";
import { tpotMs } from "../metrics/latency.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";
import type { Finished } from "./attempt.ts";

export type Prompt = LoadedExperiment["prompts"][number];

/** What sending a request needs of its experiment (plain data: a client thread gets a copy, run/clients.ts). */
export type SentExperiment = Pick<LoadedExperiment, "prompts" | "answerJsonSchema"> & {
  spec: Pick<LoadedExperiment["spec"], "workload" | "timeouts">;
};

/** Where a request goes: one endpoint of the opened server. */
export interface Target {
  endpoint: string;
  model: string;
  apiKey?: string;
}

/**
 * The request for prompt `position` of the sequence (its sampling seed is workload.seed +
 * position), with the experiment's timeouts; `signal` aborts it.
 */
export function buildRequest(
  exp: SentExperiment,
  target: Target,
  requestId: string,
  position: number,
  prompt: Prompt,
  signal: AbortSignal | undefined,
): CompletionRequest {
  const w = exp.spec.workload;
  const timeouts = exp.spec.timeouts;
  return {
    baseUrl: target.endpoint,
    apiKey: target.apiKey,
    model: target.model,
    api: w.api,
    messages: w.api === "chat" ? prompt.messages : undefined,
    prompt: w.api === "completions" ? prompt.text : undefined,
    maxTokens: w.maxTokens,
    temperature: w.temperature,
    seed: (w.seed + position) % 2 ** 31,
    stream: w.stream,
    jsonSchema: w.structuredOutput && exp.answerJsonSchema ? exp.answerJsonSchema : undefined,
    params: samplingParams(w),
    requestId,
    signal,
    timeoutMs: timeouts?.requestS ? timeouts.requestS * 1000 : undefined,
    idleTimeoutMs: timeouts?.idleS ? timeouts.idleS * 1000 : undefined,
  };
}

/** Who sent a request and which one it was. */
export interface RowSource {
  runId: string;
  endpoint: string;
  worker: number;
  index: number;
  promptId: string;
  warmup: boolean;
}

/**
 * The stored row of a finished request: the final attempt's outcome (so latency is the successful
 * attempt's). E2EL ends where vllm bench serve ends it, at the last event with choices; a request
 * that got none (an HTTP error, a broken connection) ends at the end of its body.
 */
export function toRow(exp: LoadedExperiment, source: RowSource, finished: Finished): RequestRow {
  const o = finished.outcome;
  const ttft = o.firstEventMs === null ? null : o.firstEventMs - o.sentMs;
  const end = o.lastChunkMs ?? o.doneMs;
  const e2e = end === null ? null : end - o.sentMs;
  const quality = checkAnswer(o.ok ? o.answer : null, exp.spec.quality?.schema);
  return {
    run_id: source.runId,
    experiment_id: exp.id,
    request_index: source.index,
    prompt_id: source.promptId,
    request_id: finished.requestId,
    endpoint: source.endpoint,
    worker: source.worker,
    attempts: finished.attempts,
    warmup: source.warmup,
    status: o.ok ? "ok" : "error",
    error_class: o.errorClass,
    http_status: o.httpStatus,
    error_message: o.errorMessage,
    ...serverWords(o),
    vllm_success: o.vllmSuccess,
    sent_ms: o.sentMs,
    first_event_ms: o.firstEventMs,
    first_token_ms: o.firstTokenMs,
    done_ms: o.doneMs,
    last_chunk_ms: o.lastChunkMs,
    ttft_ms: ttft,
    e2e_ms: e2e,
    tpot_ms: tpotMs({ ttft_ms: ttft, e2e_ms: e2e, completion_tokens: o.completionTokens }),
    itl_ms: o.itlMs,
    prompt_tokens: o.promptTokens,
    completion_tokens: o.completionTokens,
    ...usageCheck(o),
    finish_reason: o.finishReason,
    stop_reason: typeof o.stopReason === "string" ? o.stopReason : null,
    stop_token_id: typeof o.stopReason === "number" ? o.stopReason : null,
    system_fingerprint: o.systemFingerprint,
    answer: o.answer,
    reasoning: o.reasoning,
    ...toolCallColumns(o),
    ...quality,
  };
}

/** The server's error type, code and param, and a context overflow's numbers. */
function serverWords(o: Outcome) {
  return {
    error_type: o.serverError?.type ?? null,
    error_code: o.serverError?.code ?? null,
    error_param: o.serverError?.param ?? null,
    overflow_limit_tokens: o.overflow?.limit ?? null,
    overflow_requested_tokens: o.overflow?.requested ?? null,
    overflow_prompt_tokens: o.overflow?.prompt ?? null,
    overflow_completion_tokens: o.overflow?.completion ?? null,
  };
}

/** usage.total_tokens, and whether it disagrees with prompt + completion (null unless all three were reported). */
function usageCheck(o: Outcome) {
  const { promptTokens: p, completionTokens: c, totalTokens: t } = o;
  return { total_tokens: t, usage_mismatch: p === null || c === null || t === null ? null : t !== p + c };
}

/** Per tool call, in index order: its name, type and whether its arguments parse as JSON. */
function toolCallColumns(o: Outcome) {
  if (o.firstEventMs === null && o.lastChunkMs === null)
    return { tool_call_count: null, tool_call_names: null, tool_call_types: null, tool_call_args_json: null };
  return {
    tool_call_count: o.toolCalls.length,
    tool_call_names: o.toolCalls.map((t) => t.name ?? ""),
    tool_call_types: o.toolCalls.map((t) => t.type ?? ""),
    tool_call_args_json: o.toolCalls.map((t) => parsesAsJson(t.arguments)),
  };
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
