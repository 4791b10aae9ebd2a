// The rate a run is judged at: the one request rate (successful requests per second) that every
// figure built on "how fast is this setup" uses — projections of time for N requests,
// self-hosted cost per request, speedups on the Compare page, valid answers per GPU-hour and the
// cascade planner.
//
//   1. steady-state: the request throughput of the steady-state window (metrics/steady-state.ts)
//      when the run reached its concurrency and that window's rate is positive. It leaves out the
//      warm-up ramp and the drain tail, which a long job does not repeat.
//   2. whole-run: else the whole-run request throughput (metrics/throughput.ts: successful
//      requests over first send → last completion) when it is positive; open-loop runs (no
//      concurrency to reach) and short runs end here.
//   3. recorded: a recorded run has no rows, so no window: its recorded request throughput, or
//      completed / duration when only those were recorded (metrics/recorded.ts).
//   4. none: no successful request, so no rate; the figures that need one are left out.
import type { SteadyState } from "./steady-state.ts";

export type RateMethod = "steady-state" | "whole-run" | "recorded";

export interface JudgedRate {
  /** Successful requests per second. */
  requestThroughput: number;
  method: RateMethod;
}

export interface RateInputs {
  /** The steady-state window (null when the run never reached its concurrency or has none). */
  steady: Pick<SteadyState, "requestThroughput"> | null;
  /** The whole-run request throughput (null when unknown, as for a record without it). */
  requestThroughput: number | null;
  /** The run is a recorded one: its whole-run rate is what was recorded. */
  recorded?: boolean;
}

/** The rate a run is judged at (rules above); null when the run has no positive rate. */
export function judgedRate({ steady, requestThroughput, recorded = false }: RateInputs): JudgedRate | null {
  if (!recorded && steady !== null && steady.requestThroughput > 0) {
    return { requestThroughput: steady.requestThroughput, method: "steady-state" };
  }
  if (requestThroughput !== null && requestThroughput > 0) {
    return { requestThroughput, method: recorded ? "recorded" : "whole-run" };
  }
  return null;
}
