import { describe, expect, it } from "vitest";
import type { CompletionRequest, Outcome } from "../../data-loaders/client/outcome.ts";
import { attemptRequestId, backoffDelayMs, retryPolicy, sendWithRetry } from "../../data-loaders/run/attempt.ts";
import { HealthWatch } from "../../data-loaders/server/health-watch.ts";
import type { ErrorClass } from "../../data-loaders/store/schemas/request-row.ts";

const outcome = (errorClass: ErrorClass | null): Outcome => ({
  ok: errorClass === null,
  errorClass,
  httpStatus: null,
  errorMessage: errorClass,
  sentMs: 0,
  doneMs: 1,
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
  serverError: null,
  overflow: null,
  vllmSuccess: errorClass === null,
});

/** A fake server answering with the given classes in turn; records the request ids it saw. */
function fake(classes: (ErrorClass | null)[]) {
  const seen: string[] = [];
  return {
    seen,
    send: async (req: CompletionRequest) => {
      seen.push(req.requestId);
      return outcome(classes[seen.length - 1] ?? null);
    },
  };
}

const make = (attempt: number) => ({ requestId: attemptRequestId("run-7", attempt) }) as CompletionRequest;
const policy = { ...retryPolicy({ attempts: 4, backoffMs: 1, maxBackoffMs: 4 }) };
const health = () => new HealthWatch("http://127.0.0.1:9", { limitMs: 0 });
const ctx = (
  send: (r: CompletionRequest) => Promise<Outcome>,
  over: Partial<Parameters<typeof sendWithRetry>[1]> = {},
) => ({
  policy,
  health: health(),
  send,
  stopped: () => false,
  stopSignal: new AbortController().signal,
  ...over,
});

describe("attempts with retries", () => {
  it("retries retryable classes until success, counting every attempt, with a distinct request id per attempt", async () => {
    const f = fake(["http_5xx", "reset", "in_band_error", null]);
    const done = await sendWithRetry(make, ctx(f.send));
    expect(done?.outcome.ok).toBe(true);
    expect(done?.attempts).toBe(4);
    expect(f.seen).toEqual(["run-7", "run-7-a2", "run-7-a3", "run-7-a4"]);
    expect(done?.requestId).toBe("run-7-a4");
  });

  it("stops at retry.attempts and keeps the last failure's class", async () => {
    const f = fake(["http_5xx", "timeout", "reset", "http_5xx", null]);
    const done = await sendWithRetry(make, ctx(f.send));
    expect(done?.outcome.errorClass).toBe("http_5xx");
    expect(done?.attempts).toBe(4);
    expect(f.seen).toHaveLength(4);
  });

  it("does not retry non-retryable classes", async () => {
    for (const c of ["http_4xx", "context_length", "malformed_stream", "auth"] as const) {
      const f = fake([c, null]);
      const done = await sendWithRetry(make, ctx(f.send));
      expect([done?.outcome.errorClass, done?.attempts]).toEqual([c, 1]);
    }
  });

  it("default policy: one attempt (no retry)", async () => {
    const f = fake(["http_5xx", null]);
    const done = await sendWithRetry(make, ctx(f.send, { policy: retryPolicy(undefined) }));
    expect([done?.outcome.errorClass, done?.attempts]).toEqual(["http_5xx", 1]);
  });

  it("an aborted attempt or a stop leaves the request unfinished (null: not journaled, re-sent on resume)", async () => {
    expect(await sendWithRetry(make, ctx(fake(["aborted"]).send))).toBeNull();
    let stop = false;
    const f = fake(["http_5xx", null]);
    const send = async (r: CompletionRequest) => {
      stop = true;
      return f.send(r);
    };
    expect(await sendWithRetry(make, ctx(send, { stopped: () => stop }))).toBeNull();
    expect(f.seen).toHaveLength(1);
  });

  it("a connect error with the server gone past serverGoneS leaves the request unfinished", async () => {
    const f = fake(["connect", null]);
    expect(await sendWithRetry(make, ctx(f.send))).toBeNull();
    expect(f.seen).toHaveLength(1);
  });

  it("backoff doubles per failure up to the cap, with jitter between half and the full step", () => {
    const p = retryPolicy({ backoffMs: 100, maxBackoffMs: 1000 });
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(p, n, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(p, n, () => 1))).toEqual([100, 200, 400, 800, 1000]);
  });
});
