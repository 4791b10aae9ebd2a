import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDispatcher, send } from "../../data-loaders/client/request.ts";
import { combineSelfChecks, startSelfCheck, type SelfCheckResult } from "../../data-loaders/run/self-check.ts";
import { startSimulator, type Simulator } from "../../data-loaders/sim/simulator.ts";

/** A closed loop of `workers` workers sending `requests` streamed requests through the tracker's client. */
async function closedLoop(
  sim: Simulator,
  opts: { workers: number; target: number; requests: number; busyEveryMs?: number; busyMs?: number },
): Promise<SelfCheckResult> {
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const check = startSelfCheck({ targetInFlight: opts.target, totalRequests: opts.requests, now, sampleMs: 20 });
  const dispatcher = createDispatcher(opts.workers);
  // The deliberately blocked event loop: a timer that busy-waits.
  const blocker = opts.busyEveryMs
    ? setInterval(() => {
        const until = performance.now() + opts.busyMs!;
        while (performance.now() < until) {
          /* busy */
        }
      }, opts.busyEveryMs)
    : null;
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: opts.workers }, async () => {
        let freeAt = now();
        while (next < opts.requests) {
          const i = next++;
          check.sent(freeAt);
          const outcome = await send(
            {
              baseUrl: sim.url,
              model: sim.model,
              api: "chat",
              messages: [{ role: "user", content: `Evaluate candidate ${i}.` }],
              maxTokens: 64,
              temperature: 0.7,
              seed: i,
              stream: true,
              requestId: `sc-${i}`,
            },
            { dispatcher, now },
          );
          check.finished();
          expect(outcome.ok).toBe(true);
          freeAt = now();
        }
      }),
    );
  } finally {
    if (blocker) clearInterval(blocker);
    await dispatcher.close();
  }
  return check.finish();
}

describe("client self-check", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ profile: "gemma-3-1b@rtx-4080", speedup: 20, seed: 4 });
  });
  afterAll(() => sim.close());

  // Retried: on a host overloaded by other processes (load average ≫ cores) the event loop of a
  // healthy client is genuinely late for long stretches, and flagging that run is correct.
  it("does not flag a normal run", { retry: 2 }, async () => {
    const r = await closedLoop(sim, { workers: 8, target: 8, requests: 64 });
    expect(r.reason).toBeNull();
    expect(r.client_bound).toBe(false);
    expect(r.target_in_flight).toBe(8);
    expect(r.mean_in_flight!).toBeGreaterThan(7.5);
    expect(r.send_lag_p99_ms!).toBeLessThan(5);
  });

  it("flags a run whose event loop was blocked", async () => {
    const r = await closedLoop(sim, { workers: 8, target: 8, requests: 32, busyEveryMs: 100, busyMs: 120 });
    expect(r.client_bound).toBe(true);
    expect(r.event_loop_delay_p99_ms!).toBeGreaterThan(100);
    expect(r.reason).toMatch(/^client was the bottleneck: event-loop delay p90 \d+\.\d ms > 50 ms$/);
  });

  it("flags an open-loop run whose sends fell behind their schedule", async () => {
    const t0 = performance.now();
    const now = () => performance.now() - t0;
    const check = startSelfCheck({ targetInFlight: null, totalRequests: 40, now });
    await new Promise<void>((resolve) => {
      let sent = 0;
      for (let i = 0; i < 40; i++) {
        const planned = i * 10;
        setTimeout(() => {
          check.sent(planned);
          check.finished();
          if (i % 5 === 0) {
            const until = performance.now() + 60;
            while (performance.now() < until) {
              /* busy */
            }
          }
          if (++sent === 40) resolve();
        }, planned);
      }
    });
    const r = check.finish();
    expect(r.send_lag_p99_ms!).toBeGreaterThan(100);
    expect(r.reason).toMatch(/send lag p99 \d+\.\d ms > 25 ms/);
  });

  it("flags a run that kept fewer requests in flight than the target", async () => {
    const r = await closedLoop(sim, { workers: 4, target: 8, requests: 48 });
    expect(r.client_bound).toBe(true);
    expect(r.mean_in_flight!).toBeLessThanOrEqual(4);
    expect(r.reason).toMatch(/mean in-flight \d\.\d < 0.9 × target 8/);
    expect(r.reason).not.toMatch(/event-loop/);
  });

  it("has no in-flight criterion for open-loop runs and nulls for what it did not measure", () => {
    const check = startSelfCheck({ targetInFlight: null, totalRequests: 10, now: () => 0 });
    const r = check.finish();
    expect(r).toMatchObject({
      send_lag_p99_ms: null,
      mean_in_flight: null,
      target_in_flight: null,
      client_bound: false,
      reason: null,
    });
    expect(check.finish()).toBe(r);
  });

  it("samples in-flight only while its client says requests remain (a client thread of load.clients)", async () => {
    let sending = true;
    const check = startSelfCheck({
      targetInFlight: 2,
      totalRequests: Infinity,
      now: () => 0,
      sampleMs: 5,
      sending: () => sending,
    });
    check.sent(0);
    check.sent(0);
    await new Promise((r) => setTimeout(r, 60));
    sending = false;
    check.finished();
    check.finished();
    await new Promise((r) => setTimeout(r, 60));
    expect(check.finish().mean_in_flight).toBe(2);
  });
});

describe("the run's check from its clients' (load.clients)", () => {
  const client = (over: Partial<SelfCheckResult>): SelfCheckResult => ({
    send_lag_p99_ms: 0.2,
    event_loop_delay_p99_ms: 12,
    mean_in_flight: 3,
    target_in_flight: 3,
    client_bound: false,
    reason: null,
    ...over,
  });

  it("keeps each client's check, the worst lags, the summed in-flight, and is client-bound when any client is", () => {
    const bound = client({ event_loop_delay_p99_ms: 80, client_bound: true, reason: "client was the bottleneck: x" });
    const r = combineSelfChecks([client({ target_in_flight: 3, mean_in_flight: 2.9 }), bound]);
    expect(r).toMatchObject({
      send_lag_p99_ms: 0.2,
      event_loop_delay_p99_ms: 80,
      mean_in_flight: 5.9,
      target_in_flight: 6,
      client_bound: true,
      reason: "client 1: client was the bottleneck: x",
    });
    expect(r.clients!.map((c) => [c.client, c.event_loop_delay_p99_ms])).toEqual([
      [0, 12],
      [1, 80],
    ]);
    const open = combineSelfChecks([
      client({ target_in_flight: null, mean_in_flight: null, send_lag_p99_ms: null }),
      client({}),
    ]);
    expect(open).toMatchObject({
      target_in_flight: null,
      mean_in_flight: null,
      send_lag_p99_ms: 0.2,
      client_bound: false,
      reason: null,
    });
  });
});
