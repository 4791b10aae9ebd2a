import { describe, expect, it } from "vitest";
import { StopController } from "../../data-loaders/run/stop.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("StopController", () => {
  it("a stop signal ends sending at once and aborts requests in flight after the grace period", async () => {
    const signal = new AbortController();
    const stop = new StopController({ signal: signal.signal, graceMs: 80, capMs: null, now: () => 0 });
    expect(stop.stopped()).toBe(false);
    signal.abort();
    expect(stop.stopped()).toBe(true);
    expect(stop.signal.aborted).toBe(true);
    expect(stop.interrupted).toBe(true);
    expect(stop.abortSignal.aborted).toBe(false);
    await sleep(120);
    expect(stop.abortSignal.aborted).toBe(true);
    expect(stop.capped).toBe(false);
  });

  it("a signal aborted before the run starts stops it from the beginning", () => {
    const signal = AbortSignal.abort();
    const stop = new StopController({ signal, graceMs: 10_000, capMs: null, now: () => 0 });
    expect(stop.stopped()).toBe(true);
    stop.dispose(); // the grace timer goes with it
    expect(stop.abortSignal.aborted).toBe(false);
  });

  it("a precise projection ends sending; requests in flight go on", () => {
    const stop = new StopController({ capMs: null, now: () => 0 });
    stop.stopPrecise();
    expect([stop.stopped(), stop.precise, stop.capped, stop.interrupted]).toEqual([true, true, false, false]);
    expect(stop.abortSignal.aborted).toBe(false);
  });

  it("the duration cap ends sending once the run clock reaches it; requests in flight go on", () => {
    let t = 0;
    const stop = new StopController({ capMs: 800, now: () => t });
    t = 799;
    expect(stop.stopped()).toBe(false);
    t = 800;
    expect(stop.stopped()).toBe(true);
    expect(stop.capped).toBe(true);
    expect(stop.interrupted).toBe(false);
    expect(stop.abortSignal.aborted).toBe(false);
  });

  it("stop() (server gone) ends sending without counting as an interruption or the cap", () => {
    const stop = new StopController({ capMs: 10, now: () => 0 });
    stop.stop();
    expect(stop.stopped()).toBe(true);
    expect([stop.interrupted, stop.capped, stop.abortSignal.aborted]).toEqual([false, false, false]);
  });

  it("dispose stops listening to the caller's signal", () => {
    const signal = new AbortController();
    const stop = new StopController({ signal: signal.signal, capMs: null, now: () => 0 });
    stop.dispose();
    signal.abort();
    expect(stop.signal.aborted).toBe(false);
  });
});
