import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Outcome } from "../../data-loaders/client/outcome.ts";
import type { LoadedExperiment } from "../../data-loaders/experiment/load.ts";
import { buildRequest, toRow } from "../../data-loaders/run/row.ts";
import { requestRowSchema } from "../../data-loaders/store/schemas/request-row.ts";
import { loadSpec, simulatedSpec } from "../helpers/spec.ts";
import { tempDir } from "../helpers/temp.ts";

const tmp = tempDir("row");
afterAll(() => tmp.cleanup());
let exp: LoadedExperiment;
const target = { endpoint: "http://127.0.0.1:8000", model: "meta-llama/Llama-3.2-1B-Instruct", apiKey: "k" };

beforeAll(async () => {
  exp = await loadSpec(
    tmp.dir,
    "rows",
    simulatedSpec({
      workload: { prompts: { inline: ["a", "b"] }, maxTokens: 64, temperature: 0, seed: 2 ** 31 - 1 },
      timeouts: { requestS: 2, idleS: 0.5 },
    }),
  );
});

const outcome = (over: Partial<Outcome> = {}): Outcome => ({
  ok: true,
  errorClass: null,
  httpStatus: 200,
  errorMessage: null,
  sentMs: 100,
  doneMs: 400,
  firstEventMs: 150,
  firstTokenMs: 160,
  lastChunkMs: 380,
  itlMs: [10, 20],
  promptTokens: 12,
  completionTokens: 11,
  totalTokens: 23,
  finishReason: "stop",
  stopReason: null,
  answer: '{"recommendation": "yes", "reasoning": "fits"}',
  reasoning: null,
  responseId: "chatcmpl-x",
  systemFingerprint: "vllm-0.28.0-54757788",
  toolCalls: [],
  serverError: null,
  overflow: null,
  vllmSuccess: true,
  ...over,
});

describe("buildRequest", () => {
  it("sends the prompt of its position with seed workload.seed + position (mod 2^31) and the timeouts", () => {
    const signal = new AbortController().signal;
    const req = buildRequest(exp, target, "run-3", 3, exp.prompts[1]!, signal);
    expect(req).toMatchObject({
      baseUrl: target.endpoint,
      apiKey: "k",
      model: target.model,
      api: "chat",
      messages: [{ role: "user", content: "b" }],
      prompt: undefined,
      maxTokens: 64,
      temperature: 0,
      seed: 2,
      stream: true,
      requestId: "run-3",
      timeoutMs: 2_000,
      idleTimeoutMs: 500,
    });
    expect(req.signal).toBe(signal);
    expect(req.params).toEqual({});
  });

  it("carries the workload's sampling fields and extras in vLLM's names (fixed-length: ignore_eos + min_tokens)", async () => {
    const fixed = await loadSpec(
      tmp.dir,
      "fixed",
      simulatedSpec({
        workload: {
          prompts: { inline: ["a"] },
          maxTokens: 128,
          temperature: 0,
          seed: 1,
          ignoreEos: true,
          minTokens: 128,
          topP: 0.95,
          extraBody: { priority: 2 },
        },
      }),
    );
    const req = buildRequest(fixed, target, "r", 0, fixed.prompts[0]!, undefined);
    expect(req.params).toEqual({ top_p: 0.95, ignore_eos: true, min_tokens: 128, priority: 2 });
  });
});

describe("toRow", () => {
  const source = { runId: "run", endpoint: target.endpoint, worker: 2, index: 7, promptId: "p1", warmup: false };

  it("derives TTFT, E2E (to the last chunk with choices, as vLLM bench) and TPOT from the final attempt and checks the answer", () => {
    const row = toRow(exp, source, { outcome: outcome(), attempts: 2, requestId: "run-7-a2" });
    expect(requestRowSchema.parse(row)).toEqual(row);
    // E2EL ends at the last event with choices (380), not at the end of the body after usage and [DONE] (400).
    expect(row).toMatchObject({ done_ms: 400, last_chunk_ms: 380, e2e_ms: 280, tpot_ms: (280 - 50) / 10 });
    expect(row).toMatchObject({ total_tokens: 23, usage_mismatch: false, system_fingerprint: "vllm-0.28.0-54757788" });
    expect(row).toMatchObject({ tool_call_count: 0, tool_call_names: [], vllm_success: true });
    expect(row).toMatchObject({
      run_id: "run",
      experiment_id: "rows",
      request_index: 7,
      prompt_id: "p1",
      request_id: "run-7-a2",
      worker: 2,
      attempts: 2,
      warmup: false,
      status: "ok",
      ttft_ms: 50,
      itl_ms: [10, 20],
      json_valid: true,
      schema_valid: true,
    });
  });

  it("keeps unknown values null and checks no answer of a failed request", () => {
    const failed = outcome({
      ok: false,
      errorClass: "timeout",
      httpStatus: null,
      errorMessage: "no bytes for 500 ms",
      doneMs: null,
      firstEventMs: null,
      firstTokenMs: null,
      lastChunkMs: null,
      completionTokens: null,
      totalTokens: null,
      answer: null,
      vllmSuccess: false,
    });
    const row = toRow(exp, { ...source, warmup: true }, { outcome: failed, attempts: 1, requestId: "run-7" });
    expect(row).toMatchObject({
      status: "error",
      error_class: "timeout",
      ttft_ms: null,
      e2e_ms: null,
      tpot_ms: null,
      warmup: true,
      json_valid: null,
      schema_valid: null,
      tool_call_count: null,
      usage_mismatch: null,
      vllm_success: false,
    });
  });

  it("an HTTP error's row ends at the end of its body and keeps the server's words and an overflow's numbers", () => {
    const overflow = outcome({
      ok: false,
      errorClass: "context_length",
      httpStatus: 400,
      errorMessage: "This model's maximum context length is 4096 tokens. …",
      doneMs: 130,
      firstEventMs: null,
      firstTokenMs: null,
      lastChunkMs: null,
      itlMs: [],
      promptTokens: null,
      completionTokens: null,
      totalTokens: null,
      answer: null,
      serverError: { type: "BadRequestError", code: "400", param: "input_tokens" },
      overflow: { limit: 4096, requested: 5016, prompt: 5000, completion: 16 },
      vllmSuccess: false,
    });
    const row = toRow(exp, source, { outcome: overflow, attempts: 1, requestId: "run-7" });
    expect(requestRowSchema.parse(row)).toEqual(row);
    expect(row).toMatchObject({
      e2e_ms: 30,
      error_type: "BadRequestError",
      error_code: "400",
      error_param: "input_tokens",
      overflow_limit_tokens: 4096,
      overflow_requested_tokens: 5016,
      overflow_prompt_tokens: 5000,
      overflow_completion_tokens: 16,
    });
  });

  it("splits stop_reason into a stop string or a stop token id; flags usage that does not add up", () => {
    const byToken = toRow(exp, source, { outcome: outcome({ stopReason: 106 }), attempts: 1, requestId: "r" });
    expect(byToken).toMatchObject({ stop_reason: null, stop_token_id: 106 });
    const byString = toRow(exp, source, { outcome: outcome({ stopReason: "</answer>" }), attempts: 1, requestId: "r" });
    expect(byString).toMatchObject({ stop_reason: "</answer>", stop_token_id: null });
    const off = toRow(exp, source, { outcome: outcome({ totalTokens: 24 }), attempts: 1, requestId: "r" });
    expect(off.usage_mismatch).toBe(true);
  });

  it("stores each tool call's name, type and whether its arguments parse as JSON", () => {
    const toolCalls = [
      { index: 0, id: "a", type: "function", name: "get_weather", arguments: '{"location": "Seoul"}' },
      { index: 1, id: null, type: null, name: null, arguments: '{"location": "Se' },
    ];
    const row = toRow(exp, source, { outcome: outcome({ toolCalls, answer: "" }), attempts: 1, requestId: "r" });
    expect(requestRowSchema.parse(row)).toEqual(row);
    expect(row).toMatchObject({
      tool_call_count: 2,
      tool_call_names: ["get_weather", ""],
      tool_call_types: ["function", ""],
      tool_call_args_json: [true, false],
    });
  });
});
