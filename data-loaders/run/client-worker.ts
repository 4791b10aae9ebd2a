// One client thread of a run with `load.clients` > 1 (run/clients.ts is the main thread's side).
// It sends its share of the requests with its own connection pool, health watches, stop
// controller and self-check (its own event loop's delay), and journals nothing: each finished
// request goes to the main thread as a message, which writes its row. Which indices are its share:
// * closed loop: its workers take the next index from a cursor shared by every client (an
//   Int32Array on a SharedArrayBuffer, Atomics.add), so the clients together take each index
//   once, in order, as the one-thread closed loop does;
// * open loop: every clients-th index from from + client, each at its time of the one schedule,
//   from the origin the main thread set for all.
// A shard run (run/shard.ts) does the same over the shard's indices only.
// A worker number is worker × clients + client: unique across clients, and in a closed loop the
// numbers 0..concurrency−1, as with one client.
import { parentPort, workerData } from "node:worker_threads";
import { monotonicOffsetMs } from "../bench/clock.ts";
import { createDispatcher } from "../client/request.ts";
import { HealthWatch } from "../server/health-watch.ts";
import type { Finished, RetryPolicy } from "./attempt.ts";
import { closedLoop, everyNth, openLoop, type LoopContext, type ScheduleOrigin } from "./loops.ts";
import type { SentExperiment } from "./row.ts";
import type { Shard } from "./shard.ts";
import { startSelfCheck, type SelfCheckResult } from "./self-check.ts";
import { sendRequest, type RequestContext } from "./sender.ts";
import { StopController } from "./stop.ts";

export interface ClientWorkerData {
  client: number;
  clients: number;
  exp: SentExperiment;
  server: { endpoints: string[]; model: string; apiKey?: string };
  runId: string;
  warmup: number;
  policy: RetryPolicy;
  /** done[i] = 1 when request i was journaled before this run started (a copy). */
  done: Uint8Array;
  /** This client's share of the closed loop's concurrency (its self-check's target); null for an open loop. */
  targetInFlight: number | null;
  /** Connections of its pool. */
  connections: number;
  /** A shard run (run/shard.ts): the clients share the shard's indices only. */
  shard?: Shard;
}

/** How the run is clocked and stopped: sent once the run's clock starts (after every client is ready). */
export interface ClientStart {
  type: "start";
  /** The run clock's zero on the machine's monotonic clock (ms), and the clock's offset (a resumed run's last time). */
  originMonoMs: number;
  clockOffset: number;
  graceMs?: number;
  capMs: number | null;
}

/** From the main thread. */
export type ToClient =
  | ClientStart
  | { type: "closed"; from: number; to: number; workers: number; cursor: Int32Array; step: number; last: boolean }
  | { type: "open"; from: number; to: number; times: Float64Array; maxInFlight: number; origin: ScheduleOrigin }
  | { type: "stop"; interrupted: boolean }
  | { type: "finish" };

/** To the main thread. */
export type FromClient =
  | { type: "ready" }
  | { type: "done"; index: number; worker: number; finished: Finished }
  | { type: "phase"; abandoned: number; capped: boolean }
  | { type: "gone"; endpoint: string; reason: string }
  | { type: "log"; line: string }
  | { type: "check"; result: SelfCheckResult };

const post = (msg: FromClient) => parentPort!.postMessage(msg);

export function serve(): void {
  parentPort!.once("message", (start: ClientStart) => sendShare(workerData as ClientWorkerData, start));
  post({ type: "ready" });
}

/** Sends this client's share of each phase the main thread asks for. */
function sendShare(data: ClientWorkerData, start: ClientStart): void {
  const offset = monotonicOffsetMs();
  const now = () => performance.now() + offset - start.originMonoMs + start.clockOffset;
  const interrupt = new AbortController();
  const stop = new StopController({ signal: interrupt.signal, graceMs: start.graceMs, capMs: start.capMs, now });
  const dispatcher = createDispatcher(data.connections);
  const log = (line: string) => post({ type: "log", line });
  const limitMs = data.policy.serverGoneMs;
  const health = new Map(
    data.server.endpoints.map((e) => [
      e,
      new HealthWatch(e, { limitMs, apiKey: data.server.apiKey, signal: stop.signal, log }),
    ]),
  );
  let drained = false;
  const check = startSelfCheck({
    targetInFlight: data.targetInFlight,
    totalRequests: Infinity,
    now,
    sending: () => !drained,
  });
  const ctx: RequestContext = { ...data, dispatcher, now, stop, health, check };
  let abandoned = 0;
  const gone = new Set<string>();
  const loop: LoopContext = {
    stop,
    done: data.done,
    now,
    send: async (index, slot, scheduledMs) => {
      const finished = await sendRequest(ctx, index, scheduledMs);
      for (const [endpoint, watch] of health)
        if (watch.gone !== null && !gone.has(endpoint)) {
          gone.add(endpoint);
          post({ type: "gone", endpoint, reason: watch.gone });
        }
      if (finished) post({ type: "done", index, worker: slot * data.clients + data.client, finished });
      else abandoned++;
    },
  };
  /** Takes `take`'s indices; the last phase's end is when nothing remains to be sent (for the in-flight samples). */
  const until = (last: boolean, take: () => number | null) => () => {
    const i = take();
    if (i === null && last) drained = true;
    return i;
  };
  let phases = Promise.resolve();
  const runPhase = (msg: Extract<ToClient, { type: "closed" | "open" }>) => {
    phases = phases.then(async () => {
      if (msg.type === "closed") {
        const take = (_: number, to: number) => until(msg.last, sharedCursor(msg.cursor, data.done, to, msg.step));
        await closedLoop({ ...loop, share: { take } }, msg.from, msg.to, msg.workers);
      } else {
        // A shard's indices are from + shard.index + j·count; this client's, those with j % clients = client.
        const [index, count] = [data.shard?.index ?? 0, data.shard?.count ?? 1];
        const take = (from: number, to: number) =>
          until(true, everyNth(data.done, from + index + data.client * count, to, data.clients * count));
        await openLoop({ ...loop, share: { take, origin: msg.origin } }, msg.from, msg.to, msg.times, msg.maxInFlight);
      }
      post({ type: "phase", abandoned, capped: stop.capped });
      abandoned = 0;
    });
  };
  parentPort!.on("message", (msg: Exclude<ToClient, ClientStart>) => {
    if (msg.type === "closed" || msg.type === "open") runPhase(msg);
    else if (msg.type === "stop") {
      if (msg.interrupted) interrupt.abort();
      else stop.stop();
    } else
      void phases.then(async () => {
        stop.dispose();
        await dispatcher.close();
        post({ type: "check", result: check.finish() });
      });
  });
}

/** The next index below `to` not done yet, from the cursor every client shares (stepping `step`: a shard's). */
export function sharedCursor(cursor: Int32Array, done: Uint8Array, to: number, step = 1): () => number | null {
  return () => {
    for (;;) {
      const i = Atomics.add(cursor, 0, step);
      if (i >= to) return null;
      if (!done[i]) return i;
    }
  };
}
