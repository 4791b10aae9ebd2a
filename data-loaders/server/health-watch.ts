// A server that went away mid-run (restart, crash): when a request cannot connect, sending to that
// endpoint pauses while one poller asks GET /health with a growing backoff. Any HTTP answer other
// than 503 counts as back (servers without /health answer 404); connection errors and vLLM's 503
// (dead engine) count as gone. Past `limitMs` the outage is final and the run ends resumable.
import type { Dispatcher } from "undici";
import { healthStatus } from "./health.ts";
import { pollUntil } from "./http.ts";

export interface HealthWatchOptions {
  /** How long to wait for the server to come back. */
  limitMs: number;
  apiKey?: string;
  /** First poll delay in ms (default 100; doubles up to maxPollMs, default 1000). */
  firstPollMs?: number;
  maxPollMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  dispatcher?: Dispatcher;
}

export type HealthState = "up" | "back" | "gone";

/** One GET /health: true when the server answered (anything but 503). */
export async function healthy(endpoint: string, apiKey?: string, dispatcher?: Dispatcher): Promise<boolean> {
  const status = await healthStatus(endpoint, { apiKey, dispatcher });
  return status !== null && status !== 503;
}

export class HealthWatch {
  private outage: Promise<HealthState> | null = null;
  /** Set once an outage outlasted the limit: nothing more is sent. */
  gone: string | null = null;

  constructor(
    readonly endpoint: string,
    private readonly opts: HealthWatchOptions,
  ) {}

  /** Resolves when sending may go on (no outage, or it ended); false when the server is gone for good. */
  async clear(): Promise<boolean> {
    if (this.outage) await this.outage;
    return this.gone === null;
  }

  /**
   * After a connect failure: "up" when /health answers at once (the failure was the request's
   * own), "back" when the server was down and came back, "gone" when it stayed down past the limit.
   * Concurrent callers share one outage and one poller.
   */
  connectFailed(): Promise<HealthState> {
    if (this.gone !== null) return Promise.resolve("gone");
    this.outage ??= this.poll().finally(() => {
      this.outage = null;
    });
    return this.outage;
  }

  private async poll(): Promise<HealthState> {
    const { limitMs, apiKey, signal, log, dispatcher } = this.opts;
    if (await healthy(this.endpoint, apiKey, dispatcher)) return "up";
    const started = performance.now();
    log?.(
      `${this.endpoint}: server not reachable; pausing and polling /health for up to ${(limitMs / 1000).toFixed(0)} s`,
    );
    const back = await pollUntil(async () => ((await healthy(this.endpoint, apiKey, dispatcher)) ? true : undefined), {
      timeoutMs: limitMs,
      delayMs: this.opts.firstPollMs ?? 100,
      maxDelayMs: this.opts.maxPollMs ?? 1000,
      waitFirst: true,
      signal,
    });
    if (back) {
      log?.(
        `${this.endpoint}: server back after ${((performance.now() - started) / 1000).toFixed(1)} s; sending again`,
      );
      return "back";
    }
    this.gone = signal?.aborted
      ? "stopped while the server was unreachable"
      : `server ${this.endpoint} unreachable for more than ${(limitMs / 1000).toFixed(0)} s (retry.serverGoneS)`;
    return "gone";
  }
}
