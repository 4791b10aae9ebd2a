// One request to the end: attempts with exponential backoff and jitter for retryable failures
// (client/errors.ts `retryable`), a pause while the server is gone, and no attempt after a stop.
//
// The result is either the final outcome (ok, or the last failure) with the number of attempts
// made, or `null` when the request did not finish: stopped (Ctrl-C, duration cap), aborted after
// the grace period, or the server stayed gone. Unfinished requests are not journaled, so a resumed
// run sends them again.
import { retryable } from "../client/errors.ts";
import type { CompletionRequest, Outcome } from "../client/outcome.ts";
import type { Experiment } from "../experiment/schema.ts";
import type { HealthWatch } from "../server/health-watch.ts";

export interface RetryPolicy {
  /** Attempts for retryable failures (1 = no retry). */
  attempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  /** How long to wait for a server that went away. */
  serverGoneMs: number;
}

export function retryPolicy(retry: Experiment["retry"]): RetryPolicy {
  return {
    attempts: retry?.attempts ?? 1,
    backoffMs: retry?.backoffMs ?? 500,
    maxBackoffMs: retry?.maxBackoffMs ?? 30_000,
    serverGoneMs: (retry?.serverGoneS ?? 60) * 1000,
  };
}

/**
 * Delay before retry number `failures` (1 = after the first failure): the exponential step
 * backoffMs·2^(failures−1), capped at maxBackoffMs, with "equal jitter" (half fixed, half random).
 */
export function backoffDelayMs(policy: RetryPolicy, failures: number, random: () => number = Math.random): number {
  const step = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (failures - 1));
  return step / 2 + random() * (step / 2);
}

/** Outages a request may ride out without spending its attempts (bounds a flapping server). */
const FREE_RECONNECTS = 10;

export interface AttemptContext {
  policy: RetryPolicy;
  health: HealthWatch;
  send: (req: CompletionRequest) => Promise<Outcome>;
  /** True once no new attempt may start (Ctrl-C, duration cap, server gone). */
  stopped: () => boolean;
  /** Aborts backoff sleeps when sending stops. */
  stopSignal: AbortSignal;
}

export interface Finished {
  outcome: Outcome;
  attempts: number;
  requestId: string;
}

/** Attempt ids: the first is `<base>`, retries `<base>-a<n>` (so faults keyed by request id differ per attempt). */
export function attemptRequestId(base: string, attempt: number): string {
  return attempt === 1 ? base : `${base}-a${attempt}`;
}

export async function sendWithRetry(
  make: (attempt: number) => CompletionRequest,
  ctx: AttemptContext,
): Promise<Finished | null> {
  let attempt = 0;
  let failures = 0;
  let freeReconnects = 0;
  for (;;) {
    if (!(await ctx.health.clear()) || ctx.stopped()) return null;
    attempt++;
    const req = make(attempt);
    const outcome = await ctx.send(req);
    if (outcome.ok) return { outcome, attempts: attempt, requestId: req.requestId };
    if (outcome.errorClass === "aborted") return null;
    if (outcome.errorClass === "connect") {
      const state = await ctx.health.connectFailed();
      if (state === "gone") return null;
      if (state === "back" && freeReconnects < FREE_RECONNECTS) {
        freeReconnects++;
        continue;
      }
    }
    failures++;
    if (!retryable(outcome.errorClass!) || failures >= ctx.policy.attempts) {
      return { outcome, attempts: attempt, requestId: req.requestId };
    }
    if (ctx.stopped()) return null;
    await sleepUnless(backoffDelayMs(ctx.policy, failures), ctx.stopSignal);
  }
}

/** Sleeps `ms`, or less when the signal aborts. */
export function sleepUnless(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
