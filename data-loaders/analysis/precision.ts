// How precise a run's projection is while the run goes, and how many more requests would make it
// precise enough: what `requests: { until: { projection, relativeError }, max }` stops on.
//
//   window     the run's latest WINDOW_ROWS journaled requests (warm-up left out), kept in fixed
//              arrays: memory does not grow with the run, however long; a check reads a copy
//              (snapshot), so it can run in another thread while requests go on
//   projection extrapolate.ts on the window's rows at the run's concurrency, for `projection`
//              requests (the site's formula: steady-state rate, warm-up and drain overhead,
//              percentile-bootstrap 95% interval over time windows and the prompt mix)
//   precision  the interval's larger half relative to the projected time:
//              max(seconds − lo, hi − seconds) / seconds
//   precise    precision ≤ relativeError, from a steady state of at least MIN_WINDOWS time windows
//              (≥ 10 successful requests each): fewer windows give a bootstrap too narrow to trust
//   needed     the interval's half-width shrinks as 1/√n with the n requests it is computed from,
//              so precision p at n requests reaches the target t at n·(p/t)² requests: still
//              needed = ⌈n·(p/t)²⌉ − n (within the window; beyond WINDOW_ROWS the precision stops
//              improving, so a target that needs more is not reached before the cap)
import { extrapolate, type Projection, type ProjectionRow } from "./extrapolate.ts";

/** Journaled requests the precision is computed on (the latest ones). */
export const WINDOW_ROWS = 50_000;
/** Time windows of the steady state needed before a run may stop as precise. */
export const MIN_WINDOWS = 10;
/** Bootstrap replicates of each check (as many as the site's projections: report/digest.ts). */
export const PRECISION_REPLICATES = 200;

export interface PrecisionTarget {
  /** The job size whose projected time must be precise. */
  projection: number;
  /** Target half-width of its 95% interval, relative to the projected time (0.05 = ±5%). */
  relativeError: number;
}

export interface PrecisionCheck {
  /** Rows the check was computed on. */
  rows: number;
  /** The projection for `projection` requests; null before the run has a rate. */
  projection: Projection | null;
  /** Relative half-width of its interval; null without an interval. */
  precision: number | null;
  precise: boolean;
  /** Requests still needed to reach the target (null when it cannot be told yet). */
  needed: number | null;
}

/** The interval's larger half relative to the projected time (null without an interval). */
export function projectionPrecision(p: Projection): number | null {
  if (p.lo === null || p.hi === null || !(p.seconds > 0)) return null;
  return Math.max(p.seconds - p.lo, p.hi - p.seconds) / p.seconds;
}

/** Requests still needed for precision `p` at `n` requests to reach `target` (see the header). */
export function requestsNeeded(p: number, target: number, n: number): number | null {
  if (!Number.isFinite(p) || n < 1) return null;
  return Math.max(0, Math.ceil(n * (p / target) ** 2) - n);
}

/** The window's rows as plain arrays (NaN: unknown), e.g. to be checked in another thread. */
export interface PrecisionSnapshot {
  sent: Float64Array;
  done: Float64Array;
  prompt: Float64Array;
  completion: Float64Array;
  ok: Uint8Array;
  /** Rows added in all when it was taken (the measured requests done). */
  added: number;
}

/** The latest WINDOW_ROWS rows (or `capacity`) in fixed arrays. */
export class PrecisionWindow {
  private readonly columns: Omit<PrecisionSnapshot, "added">;
  private next = 0;
  /** Rows added in all (the window holds the last `capacity` of them). */
  added = 0;

  constructor(readonly capacity = WINDOW_ROWS) {
    this.columns = {
      sent: new Float64Array(capacity),
      done: new Float64Array(capacity),
      prompt: new Float64Array(capacity),
      completion: new Float64Array(capacity),
      ok: new Uint8Array(capacity),
    };
  }

  /** Adds a finished request (an unknown time or count is kept as NaN). */
  add(row: ProjectionRow): void {
    const i = this.next;
    const c = this.columns;
    c.sent[i] = row.sent_ms ?? NaN;
    c.done[i] = row.done_ms ?? NaN;
    c.prompt[i] = row.prompt_tokens ?? NaN;
    c.completion[i] = row.completion_tokens ?? NaN;
    c.ok[i] = row.status === "ok" ? 1 : 0;
    this.next = (i + 1) % this.capacity;
    this.added++;
  }

  /** A copy of the rows it holds, oldest first. */
  snapshot(): PrecisionSnapshot {
    const n = Math.min(this.added, this.capacity);
    const start = this.added > this.capacity ? this.next : 0;
    const copy = <T extends Float64Array | Uint8Array>(a: T): T => {
      const out = new (a.constructor as new (n: number) => T)(n);
      for (let k = 0; k < n; k++) out[k] = a[(start + k) % this.capacity]!;
      return out;
    };
    const c = this.columns;
    return {
      sent: copy(c.sent),
      done: copy(c.done),
      prompt: copy(c.prompt),
      completion: copy(c.completion),
      ok: copy(c.ok),
      added: this.added,
    };
  }
}

function snapshotRows(s: PrecisionSnapshot): ProjectionRow[] {
  const value = (x: number) => (Number.isNaN(x) ? null : x);
  return Array.from({ length: s.ok.length }, (_, i) => ({
    status: s.ok[i] ? "ok" : "error",
    sent_ms: value(s.sent[i]!),
    done_ms: value(s.done[i]!),
    prompt_tokens: value(s.prompt[i]!),
    completion_tokens: value(s.completion[i]!),
  }));
}

/** The projection on a window's rows, its precision and what is still needed (see the header). */
export function checkPrecision(
  s: PrecisionSnapshot,
  target: PrecisionTarget,
  run: { runId: string; concurrency: number },
): PrecisionCheck {
  const rows = snapshotRows(s);
  const [projection] = extrapolate(
    { runId: run.runId, rows, concurrency: run.concurrency },
    { counts: [target.projection], replicates: PRECISION_REPLICATES },
  );
  if (!projection) return { rows: rows.length, projection: null, precision: null, precise: false, needed: null };
  const precision = projectionPrecision(projection);
  const steady = projection.basis.method === "steady-state" && projection.basis.windows >= MIN_WINDOWS;
  const precise = steady && precision !== null && precision <= target.relativeError;
  const needed = precision === null || !steady ? null : requestsNeeded(precision, target.relativeError, rows.length);
  return { rows: rows.length, projection, precision, precise, needed };
}
