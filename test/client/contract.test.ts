// Contract test: the same requests the runner sends, against the simulator, checking every
// field the client relies on — and the client's timings against the simulator's ground truth.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { CompletionRequest, Outcome } from "../../data-loaders/client/outcome.ts";
import { createDispatcher, send } from "../../data-loaders/client/request.ts";
import { generateCandidatePrompts, candidateAnswerSchema } from "../../data-loaders/experiment/candidate-profiles.ts";
import { percentile } from "../../data-loaders/metrics/stats.ts";
import { startSimulator, type Simulator } from "../../data-loaders/sim/simulator.ts";

const API_KEY = "sk-contract-test-key";
let sim: Simulator;
const dispatcher = createDispatcher(32);
const now = () => performance.now();
const prompts = generateCandidatePrompts(8, 3, "short");

beforeAll(async () => {
  sim = await startSimulator({
    profile: "llama-3.2-1b@rtx-4080",
    seed: 3,
    speedup: 5,
    groundTruth: true,
    apiKey: API_KEY,
  });
});
afterAll(async () => {
  await dispatcher.close();
  await sim.close();
});

function request(over: Partial<CompletionRequest> = {}): CompletionRequest {
  return {
    baseUrl: sim.url,
    apiKey: API_KEY,
    model: sim.model,
    api: "chat",
    messages: prompts[0]!.messages,
    maxTokens: 256,
    temperature: 0,
    seed: 1,
    stream: true,
    requestId: `contract-${Math.random().toString(16).slice(2)}`,
    ...over,
  };
}

function expectOk(o: Outcome) {
  expect(o.errorMessage).toBeNull();
  expect(o.ok).toBe(true);
  expect(o.httpStatus).toBe(200);
  expect(o.promptTokens).toBeGreaterThan(0);
  expect(o.completionTokens).toBeGreaterThan(0);
  expect(o.finishReason).toMatch(/^(stop|length)$/);
  expect(o.answer?.length).toBeGreaterThan(0);
  expect(o.doneMs).toBeGreaterThanOrEqual(o.sentMs);
}

describe("client ↔ simulator contract", () => {
  it("streaming chat: id from X-Request-Id, usage, finish reason, fingerprint, event timings", async () => {
    const req = request();
    const o = await send(req, { dispatcher, now });
    expectOk(o);
    expect(o.responseId).toBe(`chatcmpl-${req.requestId}`);
    expect(o.systemFingerprint).toMatch(/^vllm-\d+\.\d+\.\d+-[0-9a-f]{8}$/);
    expect(o.firstEventMs).not.toBeNull();
    expect(o.firstTokenMs!).toBeGreaterThanOrEqual(o.firstEventMs!);
    // One chunk per token after the role chunk: completion_tokens events with choices, one gap fewer.
    const truth = sim.groundTruth().find((t) => t.requestId === req.requestId)!;
    expect(truth.completionTokens).toBe(o.completionTokens);
    expect(o.itlMs.length).toBeGreaterThanOrEqual(truth.tokenMs.length - 1);
  });

  it("non-streaming chat and both completions modes give the same usage for the same request", async () => {
    const seen: Outcome[] = [];
    for (const [api, stream] of [
      ["chat", false],
      ["completions", true],
      ["completions", false],
    ] as const) {
      const o = await send(
        request({
          api,
          stream,
          messages: api === "chat" ? prompts[1]!.messages : undefined,
          prompt: api === "completions" ? "Write one line about GPUs." : undefined,
        }),
        { dispatcher, now },
      );
      expectOk(o);
      if (!stream) expect([o.firstEventMs, o.itlMs.length]).toEqual([null, 0]);
      seen.push(o);
    }
    expect(seen[1]!.promptTokens).toBe(seen[2]!.promptTokens);
    expect(seen[1]!.answer).toBe(seen[2]!.answer);
  });

  it("structured output: response_format json_schema yields schema-valid JSON", async () => {
    const o = await send(request({ jsonSchema: z.toJSONSchema(candidateAnswerSchema) as Record<string, unknown> }), {
      dispatcher,
      now,
    });
    expectOk(o);
    expect(candidateAnswerSchema.safeParse(JSON.parse(o.answer!)).success).toBe(true);
  });

  it("errors: unknown model 404, context length 400, missing key 401 — classified, with the server's message", async () => {
    const unknown = await send(request({ model: "no-such-model" }), { dispatcher, now });
    expect([unknown.ok, unknown.httpStatus, unknown.errorClass]).toEqual([false, 404, "http_4xx"]);
    expect(unknown.errorMessage).toContain("no-such-model");

    const long = await send(request({ messages: [{ role: "user", content: "word ".repeat(20_000) }] }), {
      dispatcher,
      now,
    });
    expect([long.ok, long.httpStatus, long.errorClass]).toEqual([false, 400, "context_length"]);
    expect(long.errorMessage).toMatch(/maximum context length/);

    const noKey = await send(request({ apiKey: undefined }), { dispatcher, now });
    expect([noKey.ok, noKey.httpStatus, noKey.errorClass]).toEqual([false, 401, "auth"]);
  });

  it("client timings match the simulator's ground truth (reports p50/p99 error)", async () => {
    // 8 concurrent streams at a time, as a small closed-loop run; simulator and client share this
    // process (and its event loop), so the error includes their contention — bench:client measures
    // the client alone at 1,024 streams.
    const reqs = Array.from({ length: 64 }, (_, i) =>
      request({ messages: prompts[i % prompts.length]!.messages, seed: i }),
    );
    const outcomes: Outcome[] = [];
    for (let i = 0; i < reqs.length; i += 8)
      outcomes.push(...(await Promise.all(reqs.slice(i, i + 8).map((r) => send(r, { dispatcher, now })))));
    const truth = new Map(sim.groundTruth().map((t) => [t.requestId, t]));
    const firstTokenErr: number[] = [];
    const endErr: number[] = [];
    outcomes.forEach((o, i) => {
      expectOk(o);
      const t = truth.get(reqs[i]!.requestId)!;
      // Same clock (performance.now() in this process): client observation minus server write.
      firstTokenErr.push(o.firstTokenMs! - t.firstTokenMs!);
      endErr.push(o.doneMs! - t.endMs!);
    });
    const report = (xs: number[]) => ({ p50: percentile(xs, 50)!, p99: percentile(xs, 99)! });
    const ft = report(firstTokenErr);
    const e2e = report(endErr);
    console.log(
      `client-vs-server error, 64 streams at concurrency 8: TTFT p50 ${ft.p50.toFixed(3)} ms p99 ${ft.p99.toFixed(3)} ms; end p50 ${e2e.p50.toFixed(3)} ms p99 ${e2e.p99.toFixed(3)} ms`,
    );
    expect(Math.min(...firstTokenErr)).toBeGreaterThanOrEqual(0); // the client never sees a token before it is written
    expect(ft.p50).toBeLessThan(5);
    // p90, not p99: of 64 samples the p99 is the single worst, which one pause of a shared
    // machine (other test files, the hypervisor) decides.
    expect(percentile(firstTokenErr, 90)!).toBeLessThan(25);
    expect(percentile(endErr, 90)!).toBeLessThan(25);
  });
});
