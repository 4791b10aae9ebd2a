// Steady-state window of a run at a target concurrency C, and the per-bin time series behind the
// tokens-per-second-over-time chart. Extrapolations use the steady-state throughput, which leaves
// out the warm-up ramp and the drain tail that pull whole-run throughput down.
//
// Window rule (times in ms since run start; a request is in flight from sent_ms to done_ms,
// failed requests included because they occupy a slot; at equal times completions are applied
// before sends, so a worker that finishes and immediately sends again never counts twice):
//   1. fullAt = the first moment the number in flight reaches C.
//   2. startMs = the first completion (done_ms) at or after fullAt. Before it, the completions
//      come from the ramp (or there are none yet).
//   3. endMs = the first moment at or after the last send at which fewer than C requests are in
//      flight: the last send itself when fewer than C are then in flight, otherwise the
//      completion that brings the count below C. After it the run only drains.
//   4. The window's figures count the successful requests with startMs < done_ms ≤ endMs, with
//      their tokens attributed at completion (as vLLM does), divided by (endMs − startMs).
//      Because both ends are completion times (or the last send), the count is an
//      inter-completion rate: evenly spaced completions give the exact rate.
// No window (null) when the in-flight count never reaches C or the window is empty.
import { rates } from "./throughput.ts";
import type { MetricRow } from "./summary.ts";

export type WindowRow = Pick<MetricRow, "status" | "sent_ms" | "done_ms" | "prompt_tokens" | "completion_tokens">;

export interface SteadyState {
  startMs: number;
  endMs: number;
  /** Successful requests completed inside the window. */
  requests: number;
  requestThroughput: number;
  outputThroughput: number;
  totalTokenThroughput: number;
}

export function steadyState(rows: readonly WindowRow[], concurrency: number): SteadyState | null {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  const timed = rows.filter((r) => r.sent_ms !== null && r.done_ms !== null);
  if (timed.length === 0) return null;

  const fullAt = firstFullAt(timed, concurrency);
  if (fullAt === null) return null;
  const doneTimes = timed.map((r) => r.done_ms!).sort((a, b) => a - b);
  const startMs = doneTimes.find((t) => t >= fullAt);
  if (startMs === undefined) return null;

  const lastSend = timed.reduce((max, r) => Math.max(max, r.sent_ms!), -Infinity);
  const doneAfterLastSend = doneTimes.filter((t) => t > lastSend);
  // After the last send only completions happen; the k-th of them leaves (count − k) in flight.
  const endMs =
    doneAfterLastSend.length < concurrency ? lastSend : doneAfterLastSend[doneAfterLastSend.length - concurrency]!;
  if (endMs <= startMs) return null;

  const inside = timed.filter((r) => r.done_ms! > startMs && r.done_ms! <= endMs);
  const r = rates(inside, (endMs - startMs) / 1000);
  return {
    startMs,
    endMs,
    requests: r.completed,
    requestThroughput: r.requestThroughput,
    outputThroughput: r.outputThroughput,
    totalTokenThroughput: r.totalTokenThroughput,
  };
}

function firstFullAt(rows: readonly WindowRow[], concurrency: number): number | null {
  const events: { t: number; delta: number }[] = [];
  for (const r of rows) events.push({ t: r.sent_ms!, delta: 1 }, { t: r.done_ms!, delta: -1 });
  events.sort((a, b) => a.t - b.t || a.delta - b.delta);
  let inFlight = 0;
  for (const e of events) {
    inFlight += e.delta;
    if (inFlight >= concurrency) return e.t;
  }
  return null;
}

export type SeriesRow = Pick<MetricRow, "status" | "sent_ms" | "first_event_ms" | "done_ms" | "completion_tokens">;

export interface TimeBin {
  /** Bin covers [startMs, endMs). */
  startMs: number;
  endMs: number;
  /** Successful / failed requests with done_ms in the bin. */
  completed: number;
  failed: number;
  /** Output tokens generated in the bin per second (see `timeSeries`). */
  outputTokensPerS: number;
  /** Time-averaged number of requests in flight (sent_ms..done_ms) during the bin. */
  inFlight: number;
}

/**
 * Fixed bins of binMs from run start (0) to the bin holding the last time.
 * Output tokens of a successful request are spread evenly over its first_event_ms..done_ms span
 * (proportionally to the overlap with each bin), so the chart shows when tokens were streamed
 * rather than spikes at completions; a request without first_event_ms, or with a zero span, puts
 * all its tokens in the bin of done_ms. Rows with null completion_tokens add no tokens.
 * Bins together hold every counted token: Σ outputTokensPerS·binMs/1000 = Σ completion_tokens.
 */
export function timeSeries(rows: readonly SeriesRow[], binMs: number): TimeBin[] {
  if (!(binMs > 0)) throw new RangeError(`binMs must be positive, got ${binMs}`);
  let lastMs = -Infinity;
  for (const r of rows) lastMs = Math.max(lastMs, r.sent_ms ?? -Infinity, r.done_ms ?? -Infinity);
  if (lastMs < 0) return [];
  const bins: TimeBin[] = [];
  for (let i = 0; i <= Math.floor(lastMs / binMs); i++) {
    bins.push({
      startMs: i * binMs,
      endMs: (i + 1) * binMs,
      completed: 0,
      failed: 0,
      outputTokensPerS: 0,
      inFlight: 0,
    });
  }
  const binOf = (t: number) => bins[Math.min(Math.max(Math.floor(t / binMs), 0), bins.length - 1)]!;

  /** Adds amount·(overlap of [from, to] with the bin)/(to − from) to each bin via `add`. */
  const spread = (from: number, to: number, amount: number, add: (bin: TimeBin, share: number) => void) => {
    if (to <= from) return add(binOf(to), amount);
    for (let i = Math.max(Math.floor(from / binMs), 0); i < bins.length && i * binMs < to; i++) {
      const overlap = Math.min(to, (i + 1) * binMs) - Math.max(from, i * binMs);
      if (overlap > 0) add(bins[i]!, (amount * overlap) / (to - from));
    }
  };

  for (const r of rows) {
    if (r.done_ms !== null) binOf(r.done_ms)[r.status === "ok" ? "completed" : "failed"] += 1;
    if (r.sent_ms !== null && r.done_ms !== null) {
      spread(r.sent_ms, r.done_ms, (r.done_ms - r.sent_ms) / binMs, (bin, share) => (bin.inFlight += share));
    }
    if (r.status === "ok" && r.done_ms !== null && r.completion_tokens !== null) {
      const perS = r.completion_tokens / (binMs / 1000);
      spread(r.first_event_ms ?? r.done_ms, r.done_ms, perS, (bin, share) => (bin.outputTokensPerS += share));
    }
  }
  return bins;
}
