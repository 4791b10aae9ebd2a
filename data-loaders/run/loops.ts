// The two ways a run sends its requests, over a range [from, to) of request indices, skipping
// those already done (a resumed run):
// * closedLoop: N workers, each sending its next request when its previous one finished;
// * openLoop: requests at scheduled times (gamma arrivals or a ramp, run/schedule.ts), at most
//   `maxInFlight` at once; a request whose time has come waits for a free slot. A worker number
//   is a slot (reused once free), so it still names "who sent it" in the stored rows. As in
//   `vllm bench serve`, the schedule starts at its origin: the first request waits its own gap,
//   and the run's duration is counted from the origin (`onScheduleStart`), not from the first send
//   (which would leave the first gap out and over-report a small run's throughput by about 1/N).
// Both stop taking new indices once the stop controller says so and wait for what is in flight.
// A shard (run/shard.ts) takes every count-th index of the range from from + index.
import { sleepUnless } from "./attempt.ts";
import type { Shard } from "./shard.ts";
import type { StopController } from "./stop.ts";

/** Sends request `index` to the end (and journals it); `scheduledMs` is when it was due. */
export type SendOne = (index: number, worker: number, scheduledMs: number) => Promise<void>;

export interface LoopContext {
  send: SendOne;
  stop: StopController;
  /** done[i] = 1 when request index i is already journaled. */
  done: Uint8Array;
  /** The run's clock. */
  now: () => number;
  /** Called once when an open loop's schedule starts from its origin (not on a resume), with the run-clock time. */
  onScheduleStart?: (ms: number) => void;
  /**
   * One of several clients (run/clients.ts): how this client takes its next index in [from, to)
   * (instead of every index not done), and where an open loop's schedule starts (the same for
   * every client, so together they keep the one schedule).
   */
  share?: { take: (from: number, to: number) => () => number | null; origin?: ScheduleOrigin };
}

/** An open loop's start: `startAt` on the run clock is schedule time `startOffset`. */
export interface ScheduleOrigin {
  startAt: number;
  startOffset: number;
}

/** The next index in [from, to) (a shard's indices of it) that is not done yet, from a shared cursor. */
export function cursor(done: Uint8Array, from: number, to: number, shard?: Shard): () => number | null {
  return everyNth(done, from + (shard?.index ?? 0), to, shard?.count ?? 1);
}

/** The indices start, start + step, … below `to` that are not done yet. */
export function everyNth(done: Uint8Array, start: number, to: number, step: number): () => number | null {
  let next = start;
  return (): number | null => {
    while (next < to && done[next]) next += step;
    if (next >= to) return null;
    const i = next;
    next += step;
    return i;
  };
}

export async function closedLoop(
  ctx: LoopContext,
  from: number,
  to: number,
  workers: number,
  shard?: Shard,
): Promise<void> {
  const take = ctx.share ? ctx.share.take(from, to) : cursor(ctx.done, from, to, shard);
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (;;) {
        if (ctx.stop.stopped()) return;
        const i = take();
        if (i === null) return;
        await ctx.send(i, w, ctx.now());
      }
    }),
  );
}

/**
 * `times[i - from]` is when request i is due, in ms from the schedule's origin. A resumed run
 * (its first request already done) sends its first missing request at once and the rest on their
 * original gaps from it. A shard keeps the unsharded schedule for its own indices.
 */
export async function openLoop(
  ctx: LoopContext,
  from: number,
  to: number,
  times: Float64Array,
  maxInFlight: number,
  shard?: Shard,
): Promise<void> {
  const { stop, now } = ctx;
  const take = ctx.share ? ctx.share.take(from, to) : cursor(ctx.done, from, to, shard);
  const first = from + (shard?.index ?? 0);
  const slots = new Slots();
  const tasks = new Set<Promise<void>>();
  let startAt: number | null = ctx.share?.origin?.startAt ?? null;
  let startOffset = ctx.share?.origin?.startOffset ?? 0;
  stop.signal.addEventListener("abort", () => slots.wakeUp(), { once: true });
  for (;;) {
    if (stop.stopped()) break;
    const i = take();
    if (i === null) break;
    const at = times[i - from]!;
    if (startAt === null) {
      startAt = now();
      startOffset = i === first ? 0 : at;
      if (i === first) ctx.onScheduleStart?.(startAt);
    }
    const due = startAt + (at - startOffset);
    const wait = due - now();
    if (wait > 0) await sleepUnless(wait, stop.signal);
    while (slots.inFlight >= maxInFlight && !stop.signal.aborted) await slots.freed();
    if (stop.stopped()) break;
    const worker = slots.take();
    const task = ctx.send(i, worker, due).finally(() => {
      slots.release(worker);
      tasks.delete(task);
    });
    tasks.add(task);
  }
  await Promise.all(tasks);
}

/** Worker numbers of an open loop: the most recently freed one is reused, a new one when none is free. */
class Slots {
  private readonly free: number[] = [];
  private count = 0;
  inFlight = 0;
  private wake: (() => void) | null = null;

  take(): number {
    this.inFlight++;
    return this.free.pop() ?? this.count++;
  }

  release(worker: number): void {
    this.inFlight--;
    this.free.push(worker);
    this.wakeUp();
  }

  /** Resolves at the next release (or wake-up). */
  freed(): Promise<void> {
    return new Promise<void>((r) => (this.wake = r));
  }

  wakeUp(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
