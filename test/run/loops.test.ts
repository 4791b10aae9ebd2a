import { describe, expect, it } from "vitest";
import { closedLoop, cursor, openLoop, type LoopContext, type SendOne } from "../../data-loaders/run/loops.ts";
import { StopController } from "../../data-loaders/run/stop.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function context(total: number, send: SendOne, over: { done?: number[]; stop?: StopController } = {}): LoopContext {
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const done = new Uint8Array(total);
  for (const i of over.done ?? []) done[i] = 1;
  return { send, stop: over.stop ?? new StopController({ capMs: null, now }), done, now };
}

describe("cursor", () => {
  it("hands out each index of the range that is not done, once", () => {
    const done = new Uint8Array(8);
    done[2] = done[3] = done[6] = 1;
    const take = cursor(done, 1, 7);
    const got: number[] = [];
    for (let i = take(); i !== null; i = take()) got.push(i);
    expect(got).toEqual([1, 4, 5]);
  });
});

describe("closedLoop", () => {
  it("N workers send every missing index once, each its next when its previous finished", async () => {
    const sent: [number, number][] = [];
    let inFlight = 0;
    let peak = 0;
    const ctx = context(
      20,
      async (i, worker) => {
        sent.push([i, worker]);
        peak = Math.max(peak, ++inFlight);
        await sleep(2);
        inFlight--;
      },
      { done: [0, 5] },
    );
    await closedLoop(ctx, 0, 20, 3);
    expect(sent.map(([i]) => i).sort((a, b) => a - b)).toEqual([...Array(20).keys()].filter((i) => i !== 0 && i !== 5));
    expect(new Set(sent.map(([, w]) => w))).toEqual(new Set([0, 1, 2]));
    expect(peak).toBe(3);
  });

  it("takes nothing new once stopped and waits for what is in flight", async () => {
    const stop = new StopController({ capMs: null, now: () => 0 });
    const finished: number[] = [];
    const ctx = context(
      100,
      async (i) => {
        if (i === 4) stop.stop();
        await sleep(5);
        finished.push(i);
      },
      { stop },
    );
    await closedLoop(ctx, 0, 100, 2);
    expect(finished.length).toBeLessThanOrEqual(6);
    expect(finished).toContain(4);
  });
});

describe("openLoop", () => {
  it("sends on schedule, at most maxInFlight at once, reusing worker numbers as slots", async () => {
    const due: number[] = [];
    const workers = new Set<number>();
    let inFlight = 0;
    let peak = 0;
    const times = Float64Array.from({ length: 12 }, (_, k) => k * 5);
    const ctx = context(12, async (_i, worker, scheduledMs) => {
      due.push(scheduledMs);
      workers.add(worker);
      peak = Math.max(peak, ++inFlight);
      await sleep(30);
      inFlight--;
    });
    const t0 = ctx.now();
    await openLoop(ctx, 0, 12, times, 2);
    expect(due).toHaveLength(12);
    expect(peak).toBe(2);
    expect(workers).toEqual(new Set([0, 1]));
    // due times keep the schedule's gaps, from the first send
    expect(due.map((d) => Math.round(d - due[0]!))).toEqual([...times]);
    expect(due[0]! - t0).toBeLessThan(20);
  });

  it("starts the schedule at its origin, as vllm bench serve: the first request waits its gap, the start is reported", async () => {
    const due: number[] = [];
    const starts: number[] = [];
    const ctx = context(3, async (_i, _w, scheduledMs) => void due.push(scheduledMs));
    ctx.onScheduleStart = (ms) => starts.push(ms);
    await openLoop(ctx, 0, 3, Float64Array.from([80, 120, 200]), Infinity);
    expect(starts).toHaveLength(1);
    // each request is due at origin + its time, the first one included (80 ms after the origin)
    expect(due.map((d) => Math.round(d - starts[0]!))).toEqual([80, 120, 200]);
  });

  it("a resumed run sends only the missing requests, on their original gaps from now", async () => {
    const sent: [number, number][] = [];
    const times = Float64Array.from([0, 100, 200, 300]);
    const ctx = context(4, async (i, _w, scheduledMs) => void sent.push([i, scheduledMs]), { done: [0, 1] });
    const starts: number[] = [];
    ctx.onScheduleStart = (ms) => starts.push(ms);
    const t0 = ctx.now();
    await openLoop(ctx, 0, 4, times, Infinity);
    expect(sent.map(([i]) => i)).toEqual([2, 3]);
    expect(Math.round(sent[1]![1] - sent[0]![1])).toBe(100);
    expect(sent[0]![1] - t0).toBeLessThan(20);
    expect(starts).toEqual([]); // the origin was recorded by the run's first session
  });

  it("a stop wakes a loop that waits for its next arrival", async () => {
    const stop = new StopController({ capMs: null, now: () => 0 });
    const sent: number[] = [];
    const ctx = context(3, async (i) => void sent.push(i), { stop });
    setTimeout(() => stop.stop(), 50);
    const t0 = performance.now();
    await openLoop(ctx, 0, 3, Float64Array.from([0, 60_000, 120_000]), Infinity);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(sent).toEqual([0]);
  });
});
