// Client self-check: was the client (this process), not the server, the bottleneck of a run?
//
// Three measurements during the run:
// - send lag: how late each request was sent against its schedule (open loop: its planned
//   arrival time; closed loop: the moment its worker became free), ms;
// - event-loop delay: perf_hooks.monitorEventLoopDelay (resolution 10 ms), ms;
// - in-flight requests: sampled every `sampleMs` while requests remain to be sent (the drain at
//   the end, when fewer requests than workers remain, is not counted), against the target
//   concurrency (closed loop only; null for open-loop runs).
//
// A run is flagged `client_bound` when any of these holds (thresholds chosen so that a busy but
// healthy Node client on a shared machine stays below them, while a client that cannot keep up
// — a blocked event loop, a saturated CPU — crosses them):
//   send lag p99            > SEND_LAG_P99_MS (25 ms); open loop, where a schedule exists
//   event-loop delay p90    > EVENT_LOOP_P90_MS (50 ms): the loop was late by more than 50 ms
//                             in over 10% of its ticks, i.e. overloaded for a sustained part of
//                             the run. Isolated stalls (JIT at start, GC, a neighbour process
//                             taking the CPU for a moment) do not flag a run; they show in the
//                             recorded p99.
//   mean in-flight          < IN_FLIGHT_MIN_FRACTION (0.9) × target, with at least 10 samples
// In a closed loop the next request is sent in the same callback that saw the previous one end,
// so send lag stays near 0 there; a slow client shows as event-loop delay and missing in-flight.
// `reason` names every threshold crossed, with the measured values.
//
// Use (runner): const check = startSelfCheck({ targetInFlight: concurrency, totalRequests: n, now });
//   before each send: check.sent(scheduledMs); after its outcome: check.finished();
//   at the end: manifest.self_check = check.finish();
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import type { Manifest } from "../store/schemas/manifest.ts";
import { percentile } from "../metrics/stats.ts";

export type SelfCheckResult = NonNullable<Manifest["self_check"]>;

export const SEND_LAG_P99_MS = 25;
export const EVENT_LOOP_P90_MS = 50;
export const IN_FLIGHT_MIN_FRACTION = 0.9;
const MIN_IN_FLIGHT_SAMPLES = 10;

export interface SelfCheckOptions {
  /** Concurrency the load shape asks for (closed loop); null for open-loop arrival rates. */
  targetInFlight: number | null;
  /** Requests the run will send (in-flight is sampled until all have been sent). */
  totalRequests: number;
  /** The run's clock (ms). */
  now: () => number;
  /** In-flight sampling interval (default 50 ms). */
  sampleMs?: number;
  /** Whether requests remain to be sent, for a client that does not know its count (default: fewer than totalRequests sent). */
  sending?: () => boolean;
}

export interface SelfCheck {
  /** A request is being sent now; `scheduledMs` is when it should have been sent (run clock). */
  sent(scheduledMs: number): void;
  /** A sent request finished (any outcome). */
  finished(): void;
  /** Stops measuring and judges the run. */
  finish(): SelfCheckResult;
}

const round = (v: number): number => Math.round(v * 1000) / 1000;

export function startSelfCheck(opts: SelfCheckOptions): SelfCheck {
  const lags: number[] = [];
  const inFlightSamples: number[] = [];
  let inFlight = 0;
  let sentCount = 0;
  const loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const sampler = setInterval(() => {
    if (sentCount > 0 && (opts.sending ? opts.sending() : sentCount < opts.totalRequests))
      inFlightSamples.push(inFlight);
  }, opts.sampleMs ?? 50);
  sampler.unref();
  let result: SelfCheckResult | null = null;

  return {
    sent(scheduledMs) {
      lags.push(Math.max(0, opts.now() - scheduledMs));
      inFlight++;
      sentCount++;
    },
    finished() {
      inFlight = Math.max(0, inFlight - 1);
    },
    finish() {
      if (result) return result;
      clearInterval(sampler);
      loop.disable();
      const sendLagP99 = lags.length ? percentile(lags, 99) : null;
      // The histogram holds nanoseconds; it is empty when the run was shorter than one resolution tick.
      const loopP99 = loop.count > 0 ? loop.percentile(99) / 1e6 : null;
      const loopP90 = loop.count > 0 ? loop.percentile(90) / 1e6 : null;
      const meanInFlight = inFlightSamples.length
        ? inFlightSamples.reduce((a, b) => a + b, 0) / inFlightSamples.length
        : null;
      const reasons: string[] = [];
      if (sendLagP99 !== null && sendLagP99 > SEND_LAG_P99_MS) {
        reasons.push(`send lag p99 ${sendLagP99.toFixed(1)} ms > ${SEND_LAG_P99_MS} ms`);
      }
      if (loopP90 !== null && loopP90 > EVENT_LOOP_P90_MS) {
        reasons.push(`event-loop delay p90 ${loopP90.toFixed(1)} ms > ${EVENT_LOOP_P90_MS} ms`);
      }
      if (
        opts.targetInFlight !== null &&
        meanInFlight !== null &&
        inFlightSamples.length >= MIN_IN_FLIGHT_SAMPLES &&
        meanInFlight < IN_FLIGHT_MIN_FRACTION * opts.targetInFlight
      ) {
        reasons.push(
          `mean in-flight ${meanInFlight.toFixed(1)} < ${IN_FLIGHT_MIN_FRACTION} × target ${opts.targetInFlight}`,
        );
      }
      result = {
        send_lag_p99_ms: sendLagP99 === null ? null : round(sendLagP99),
        event_loop_delay_p99_ms: loopP99 === null ? null : round(loopP99),
        mean_in_flight: meanInFlight === null ? null : round(meanInFlight),
        target_in_flight: opts.targetInFlight,
        client_bound: reasons.length > 0,
        reason: reasons.length ? `client was the bottleneck: ${reasons.join("; ")}` : null,
      };
      return result;
    },
  };
}

/**
 * The run's check from its clients' (`load.clients` > 1): each client is judged on its own share
 * (its event loop, its send lag, its in-flight against its share of the concurrency); the run is
 * client-bound when any client is. The run's send lag and event-loop delay are the worst client's;
 * its in-flight and target are the clients' sums.
 */
export function combineSelfChecks(clients: SelfCheckResult[]): SelfCheckResult {
  const worst = (key: "send_lag_p99_ms" | "event_loop_delay_p99_ms") => {
    const values = clients.map((c) => c[key]).filter((v): v is number => v !== null);
    return values.length ? Math.max(...values) : null;
  };
  const sum = (key: "mean_in_flight" | "target_in_flight") =>
    clients.some((c) => c[key] === null) ? null : round(clients.reduce((a, c) => a + c[key]!, 0));
  const bound = clients.flatMap((c, i) => (c.client_bound ? [`client ${i}: ${c.reason}`] : []));
  return {
    send_lag_p99_ms: worst("send_lag_p99_ms"),
    event_loop_delay_p99_ms: worst("event_loop_delay_p99_ms"),
    mean_in_flight: sum("mean_in_flight"),
    target_in_flight: sum("target_in_flight"),
    client_bound: bound.length > 0,
    reason: bound.length ? bound.join("; ") : null,
    clients: clients.map(({ clients: _, ...c }, client) => ({ client, ...c })),
  };
}
