// Fault injection, decided once per request from the simulator seed and the request key
// (X-Request-Id, or the body when there is none), so a rerun injects the same faults.
// Shares come from the experiment's `server.faults` (experiment/schema.ts); stallMs and
// slowFirstTokenMs are simulated durations (divided by the speedup, like everything else).
import type { Faults } from "../experiment/schema.ts";
import { uniform } from "../random.ts";

export type { Faults };

export interface RequestFaults {
  /** Answer with this HTTP status instead of serving the request. */
  httpError: number | null;
  resetBeforeResponse: boolean;
  /** Stream faults happen after this many tokens were written (≥ 1). */
  resetMidStreamAt: number | null;
  stallAt: number | null;
  stallMs: number;
  malformedAt: number | null;
  inBandErrorAt: number | null;
  /** Extra delay before the request reaches the engine (simulated ms). */
  slowFirstTokenMs: number;
}

const DEFAULT_STALL_MS = 5_000;
const DEFAULT_SLOW_FIRST_TOKEN_MS = 5_000;

/**
 * Faults for one request. `outputTokens` bounds the mid-stream positions; stream faults only
 * apply to streamed requests with at least two output tokens.
 */
export function decideFaults(
  faults: Faults | undefined,
  seed: number,
  key: string,
  streamed: boolean,
  outputTokens: number,
): RequestFaults {
  const f = faults ?? {};
  const roll = (knob: string): number => uniform("fault", seed, key, knob);
  const hit = (knob: string, share: number | undefined): boolean =>
    share !== undefined && share > 0 && roll(knob) < share;
  const midStream = streamed && outputTokens >= 2;
  const position = (knob: string): number => 1 + Math.floor(roll(`${knob}:at`) * (outputTokens - 1));
  let httpError: number | null = null;
  if (f.httpErrors) {
    const u = roll("httpErrors");
    let acc = 0;
    for (const [status, share] of Object.entries(f.httpErrors).sort(([a], [b]) => a.localeCompare(b))) {
      acc += share;
      if (u < acc) {
        httpError = Number(status);
        break;
      }
    }
  }
  return {
    httpError,
    resetBeforeResponse: hit("resetBeforeResponse", f.resetBeforeResponse),
    resetMidStreamAt: midStream && hit("resetMidStream", f.resetMidStream) ? position("resetMidStream") : null,
    stallAt: midStream && hit("stall", f.stall) ? position("stall") : null,
    stallMs: f.stallMs ?? DEFAULT_STALL_MS,
    malformedAt: midStream && hit("malformedChunk", f.malformedChunk) ? position("malformedChunk") : null,
    inBandErrorAt: midStream && hit("inBandError", f.inBandError) ? position("inBandError") : null,
    slowFirstTokenMs: hit("slowFirstToken", f.slowFirstToken) ? (f.slowFirstTokenMs ?? DEFAULT_SLOW_FIRST_TOKEN_MS) : 0,
  };
}
