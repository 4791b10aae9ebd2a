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
  itlMs: [10, 20],
  promptTokens: 12,
  completionTokens: 11,
  finishReason: "stop",
  answer: '{"recommendation": "yes", "reasoning": "fits"}',
  reasoning: null,
  responseId: "chatcmpl-x",
  systemFingerprint: null,
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
  });
});

describe("toRow", () => {
  const source = { runId: "run", endpoint: target.endpoint, worker: 2, index: 7, promptId: "p1", warmup: false };

  it("derives TTFT, E2E and TPOT from the final attempt and checks the answer against the quality schema", () => {
    const row = toRow(exp, source, { outcome: outcome(), attempts: 2, requestId: "run-7-a2" });
    expect(requestRowSchema.parse(row)).toEqual(row);
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
      e2e_ms: 300,
      tpot_ms: 25,
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
      completionTokens: null,
      answer: null,
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
    });
  });
});
