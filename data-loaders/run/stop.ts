// When a run stops sending, and what happens to the requests in flight:
// * the caller's stop signal (Ctrl-C) ends sending at once and gives requests in flight
//   `graceMs` (default 5 s) to finish, then aborts them (they are not journaled: a resume sends
//   them again);
// * the duration cap (`load.maxDurationS`) ends sending and lets requests in flight finish;
// * a server gone for good (server/health-watch.ts) ends sending too;
// * a run until precise (run/until.ts) ends sending once its projection is precise; requests in
//   flight finish.
import { setMaxListeners } from "node:events";

/** Default time requests in flight get to finish after a stop signal. */
export const DEFAULT_GRACE_MS = 5_000;

export interface StopOptions {
  /** The caller's stop signal (Ctrl-C). */
  signal?: AbortSignal;
  graceMs?: number;
  /** `load.maxDurationS` in ms on the run's clock, or null for no cap. */
  capMs: number | null;
  /** The run's clock. */
  now: () => number;
}

export class StopController {
  private readonly sending = new AbortController();
  private readonly inFlight = new AbortController();
  private graceTimer: NodeJS.Timeout | null = null;
  /** True once the duration cap ended sending. */
  capped = false;
  /** True once a run until precise reached its precision. */
  precise = false;

  constructor(private readonly opts: StopOptions) {
    // every request in flight listens on these (one listener each, removed when it ends)
    setMaxListeners(0, this.sending.signal, this.inFlight.signal);
    if (opts.signal?.aborted) this.onSignal();
    else opts.signal?.addEventListener("abort", this.onSignal, { once: true });
  }

  /** Aborts once nothing new may be sent (wakes sleeping senders). */
  get signal(): AbortSignal {
    return this.sending.signal;
  }

  /** Aborts when requests in flight must end: the grace period after a stop signal is over. */
  get abortSignal(): AbortSignal {
    return this.inFlight.signal;
  }

  /** True once nothing new may be sent; ends sending when the duration cap is reached. */
  stopped(): boolean {
    const { capMs, now } = this.opts;
    if (!this.sending.signal.aborted && capMs !== null && now() >= capMs) {
      this.capped = true;
      this.sending.abort();
    }
    return this.sending.signal.aborted;
  }

  /** Ends sending (the server is gone); requests in flight go on. */
  stop(): void {
    this.sending.abort();
  }

  /** Ends sending because the projection is precise enough; requests in flight go on. */
  stopPrecise(): void {
    this.precise = true;
    this.sending.abort();
  }

  /** Whether the caller's stop signal ended the run. */
  get interrupted(): boolean {
    return this.opts.signal?.aborted ?? false;
  }

  /** Stops listening to the caller's signal and drops the grace timer (the run is over). */
  dispose(): void {
    this.opts.signal?.removeEventListener("abort", this.onSignal);
    if (this.graceTimer) clearTimeout(this.graceTimer);
  }

  private readonly onSignal = (): void => {
    this.sending.abort();
    this.graceTimer = setTimeout(() => this.inFlight.abort(), this.opts.graceMs ?? DEFAULT_GRACE_MS);
  };
}
