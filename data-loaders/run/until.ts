// Running until precise (`requests: { until: { projection, relativeError }, max }`): every
// journaled measured request goes into the precision window (analysis/precision.ts); every
// `checkEvery` completions (default 100, and never more often than every 5% of what is done) the
// window's projection is checked. Once its 95% interval is within ±relativeError, sending stops
// (requests in flight finish and are stored) and the run is complete; at `max` requests it is
// complete too, with the precision it reached. The progress line shows the precision and the
// requests still needed; the manifest's `until` keeps the last check and why sending stopped.
// A resumed run refills the window from its journal and goes on until precise.
import { PrecisionWindow, WINDOW_ROWS, type PrecisionCheck } from "../analysis/precision.ts";
import type { UntilPrecise } from "../experiment/schema.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";
import type { Progress } from "./progress.ts";

/** Completions between two checks unless the experiment says otherwise. */
export const DEFAULT_CHECK_EVERY = 100;
/** A check waits for at least this share of what is done since the last one (checks stay cheap in long runs). */
const CHECK_SHARE = 0.05;

const pct = (x: number) => `±${(x * 100).toFixed(1)}%`;
const int = (n: number) => n.toLocaleString("en-US");

export class UntilRun {
  private readonly window: PrecisionWindow;
  private readonly every: number;
  private lastCheckAt = 0;
  private stopSending: (() => void) | null = null;
  private progress: Progress | null = null;
  /** True once a check found the projection precise enough. */
  precise = false;

  constructor(
    private readonly spec: UntilPrecise,
    private readonly manifest: Manifest,
    concurrency: number,
  ) {
    this.window = new PrecisionWindow(spec.until, manifest.run_id, concurrency, Math.min(spec.max, WINDOW_ROWS));
    this.every = spec.checkEvery ?? DEFAULT_CHECK_EVERY;
    manifest.until ??= {
      projection: spec.until.projection,
      relative_error: spec.until.relativeError,
      max: spec.max,
      stopped: null,
      checks: 0,
      last_check: null,
    };
    manifest.until.stopped = null;
  }

  /** Adds a journaled request (a warm-up request is left out, as from every statistic). */
  add(
    row: Pick<RequestRow, "warmup" | "status" | "sent_ms" | "done_ms" | "prompt_tokens" | "completion_tokens">,
  ): void {
    if (!row.warmup) this.window.add(row);
  }

  /** Where sending stops and the precision is shown, once sending starts; checks what a resumed run already holds. */
  start(stopSending: () => void, progress: Progress): void {
    this.stopSending = stopSending;
    this.progress = progress;
    if (this.window.added > 0) this.check();
  }

  /** A request was journaled: add it, and check when one is due. */
  observe(row: Parameters<UntilRun["add"]>[0]): void {
    this.add(row);
    if (row.warmup || this.precise) return;
    const since = this.window.added - this.lastCheckAt;
    if (since >= Math.max(this.every, Math.ceil(CHECK_SHARE * this.window.added))) this.check();
  }

  /** Checks now; stops sending when precise. */
  check(): PrecisionCheck {
    this.lastCheckAt = this.window.added;
    const c = this.window.check();
    const finite = (x: number | null | undefined) => (x != null && Number.isFinite(x) ? x : null);
    const until = this.manifest.until!;
    until.checks++;
    until.last_check = {
      requests: this.window.added,
      rows: c.rows,
      seconds: finite(c.projection?.seconds),
      lo: finite(c.projection?.lo),
      hi: finite(c.projection?.hi),
      precision: finite(c.precision),
      needed: c.needed,
    };
    this.progress?.note?.(this.describe(c));
    if (c.precise) {
      this.precise = true;
      until.stopped = "precise";
      this.stopSending?.();
    }
    return c;
  }

  /** What the progress line shows after a check. */
  private describe(c: PrecisionCheck): string {
    const target = pct(this.spec.until.relativeError);
    if (c.precision === null || !Number.isFinite(c.precision) || c.needed === null)
      return `precision: waiting for a steady state (target ${target})`;
    const left = this.spec.max - this.window.added;
    const needed = c.needed > left ? `more than the ${int(left)} left` : `~${int(c.needed)} more needed`;
    return `${int(this.spec.until.projection)}-request time ${pct(c.precision)} (target ${target})${c.precise ? ", precise" : `, ${needed}`}`;
  }

  /** The run's reason when sending ended: precise, or at `max` (checked once more), else null. */
  finish(sentAll: boolean): string | null {
    this.progress = null;
    this.stopSending = null;
    const until = this.manifest.until!;
    const of = `the 95% interval of the time for ${int(this.spec.until.projection)} requests`;
    const target = pct(this.spec.until.relativeError);
    if (this.precise) {
      const at = until.last_check!;
      return `precise: ${of} is ${pct(at.precision!)} (target ${target}) after ${int(at.requests)} requests (at most ${int(this.spec.max)})`;
    }
    if (!sentAll) return null;
    const last = this.check();
    if (this.precise) return this.finish(true);
    until.stopped = "max";
    const reached =
      last.precision !== null && Number.isFinite(last.precision) ? pct(last.precision) : "not known (no steady state)";
    const more = last.needed !== null ? `; about ${int(last.needed)} more requests would reach it` : "";
    return `reached requests.max (${int(this.spec.max)}) before precise: ${of} is ${reached} (target ${target})${more}`;
  }
}
