// Steady-state window of a run at a target concurrency C. Extrapolations use the steady-state
// throughput, which leaves out the warm-up ramp and the drain tail that pull whole-run throughput
// down.
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
// `steadyState` finds the window in rows in memory; `storedSteadyState` in a stored run, with
// DuckDB (sql.ts `steadyFullAtSql`, `steadyEndSql`, `windowTotalsSql`), by the same rule.
import { query } from "../store/duckdb.ts";
import { steadyEndSql, steadyFullAtSql, windowTotalsSql } from "./sql.ts";
import { perSecond, rates } from "./throughput.ts";
import type { MetricRow } from "./types.ts";

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
  checkConcurrency(concurrency);
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

function checkConcurrency(concurrency: number): void {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
}

/** `steadyState` of a stored run's measured rows, computed in DuckDB. */
export async function storedSteadyState(requestsPath: string, concurrency: number): Promise<SteadyState | null> {
  checkConcurrency(concurrency);
  const path = requestsPath;
  const [ends] = await query(steadyFullAtSql("measured"), { path, c: concurrency });
  const startMs = ends?.startMs as number | null;
  const lastSend = ends?.lastSendMs as number | null;
  if (ends?.fullAt === null || startMs === null || lastSend === null) return null;
  const endMs =
    (ends!.afterLastSend as number) < concurrency
      ? lastSend
      : ((await query(steadyEndSql("measured"), { path, last: lastSend, c: concurrency }))[0]!.endMs as number);
  if (endMs <= startMs) return null;
  const [t] = await query(windowTotalsSql("measured"), { path, start: startMs, end: endMs });
  const durationS = (endMs - startMs) / 1000;
  const completed = t!.completed as number;
  const output = t!.totalOutputTokens as number;
  return {
    startMs,
    endMs,
    requests: completed,
    requestThroughput: perSecond(completed, durationS),
    outputThroughput: perSecond(output, durationS),
    totalTokenThroughput: perSecond((t!.totalInputTokens as number) + output, durationS),
  };
}
