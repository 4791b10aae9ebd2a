// `load.clients: k` > 1: the load is sent from k client threads (run/client-worker.ts), each with
// its own connection pool, event loop and share of the requests, so one event loop's CPU (SSE
// parsing, JSON, timing) no longer caps what the client can drive. This thread stays the run's
// one journal writer and its controller:
// * each finished request comes back as a message and is journaled here (run/sender.ts
//   `Sender.finished`), so the row contract, exactly-once and the resume are those of one client;
// * the stop controller is here: a stop (Ctrl-C, the server gone, a run until precise) is sent to
//   every client; Ctrl-C's grace period runs in each client as in one, and the duration cap is
//   checked by each client on the run clock they share;
// * the closed loop's concurrency is split across the clients as evenly as possible (the first
//   ones get one more), the open loop's schedule by request index (i % k), at the same origin, so
//   together they send the one schedule; at most as many clients start as there are workers (or
//   maxConcurrency slots), so none is left without one;
// * the self-check is each client's own (its event loop's delay, its share of the in-flight), kept
//   per client in the manifest and combined for the run (run/self-check.ts `combineSelfChecks`).
// A client thread that fails ends the run with an error; its journal stays for the resume.
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { monotonicOffsetMs } from "../bench/clock.ts";
import type { HealthWatch } from "../server/health-watch.ts";
import type { ClientWorkerData, FromClient, ToClient } from "./client-worker.ts";
import type { ScheduleOrigin } from "./loops.ts";
import type { Shard } from "./shard.ts";
import { combineSelfChecks, type SelfCheckResult } from "./self-check.ts";
import type { Sender } from "./sender.ts";
import type { StopController } from "./stop.ts";

/** Registers tsx in the thread, then serves the client module (TypeScript). */
const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
import(workerData.tsx).then((tsx) => tsx.register()).then(() => import(workerData.entry)).then((m) => m.serve());
`;

/** Share `c` of `total` split across `k` as evenly as possible (the first ones get one more). */
export function shareOf(total: number, k: number, c: number): number {
  if (!Number.isFinite(total)) return total;
  return Math.floor(total / k) + (c < total % k ? 1 : 0);
}

/** What the clients send: fixed before the run's clock starts. */
export interface ClientPoolOptions extends Omit<ClientWorkerData, "client" | "targetInFlight" | "connections"> {
  /** Closed loop: its workers; open loop: null. */
  concurrency: number | null;
  maxConcurrency: number | undefined;
  /** A shard run (run/shard.ts): concurrency and maxConcurrency are the shard's share; the clients send its indices. */
  shard?: Shard;
  log: (line: string) => void;
}

/** What the clients report to and are stopped by, and the run's clock: given once every client is ready. */
export interface ClientControl {
  /** Journals each finished request. */
  sender: Sender;
  stop: StopController;
  health: Map<string, HealthWatch>;
  /** The run clock's time now (ms) and its offset (a resumed run's last time). */
  now: () => number;
  clockOffset: number;
  graceMs?: number;
  capMs: number | null;
}

interface Client {
  worker: Worker;
  /** Resolves at the end of the phase it was given. */
  phase: { resolve: () => void; reject: (e: Error) => void } | null;
  check: SelfCheckResult | null;
}

export class ClientPool {
  private readonly clients: Client[];
  private readonly ready: Promise<void>;
  private control: ClientControl | null = null;
  private failure: Error | null = null;
  private checked: (() => void) | null = null;

  /** Starts the client threads; resolves once every one has loaded its modules (before the run's clock starts). */
  static async start(opts: ClientPoolOptions): Promise<ClientPool> {
    const pool = new ClientPool(opts);
    try {
      await pool.ready;
    } catch (e) {
      await Promise.all(pool.clients.map((c) => c.worker.terminate()));
      throw e;
    }
    return pool;
  }

  private constructor(private readonly opts: ClientPoolOptions) {
    const k = activeClients(opts.clients, opts.concurrency ?? opts.maxConcurrency ?? Infinity);
    if (k < opts.clients) opts.log(`load.clients = ${opts.clients}: ${k} clients start (one per worker)`);
    const cores = availableParallelism();
    if (k > cores) opts.log(`load.clients = ${k} on ${cores} cores: the client threads share the same cores`);
    const readies: Promise<void>[] = [];
    this.clients = Array.from({ length: k }, (_, c) => {
      const data: ClientWorkerData & { tsx: string; entry: string } = {
        ...{ client: c, clients: k, exp: opts.exp, server: opts.server, runId: opts.runId, warmup: opts.warmup },
        ...{ policy: opts.policy, done: opts.done, shard: opts.shard },
        targetInFlight: opts.concurrency === null ? null : shareOf(opts.concurrency, k, c),
        connections: shareOf(opts.concurrency ?? opts.maxConcurrency ?? 1024 * k, k, c),
        tsx: import.meta.resolve("tsx/esm/api"),
        entry: pathToFileURL(join(import.meta.dirname, "client-worker.ts")).href,
      };
      const worker = new Worker(BOOTSTRAP, { eval: true, workerData: data });
      readies.push(
        new Promise((resolve, reject) => {
          worker.once("message", () => resolve());
          const failed = (why: string) => reject(new Error(`client thread ${c} of load.clients did not start: ${why}`));
          worker.once("error", (e) => failed(e.message));
          worker.once("exit", (code) => failed(`it exited (code ${code})`));
        }),
      );
      const client: Client = { worker, phase: null, check: null };
      this.listen(client, c);
      return client;
    });
    this.ready = Promise.all(readies).then(() => {});
  }

  get size(): number {
    return this.clients.length;
  }

  /** Starts the clients' clocks (the run's) and stop controllers; a stop of the run stops every client. */
  attach(control: ClientControl): void {
    this.control = control;
    // The run clock's zero on the machine's monotonic clock, which every thread reads alike.
    const originMonoMs = monotonicOffsetMs() + performance.now() - (control.now() - control.clockOffset);
    const { clockOffset, graceMs, capMs, stop } = control;
    this.post({ type: "start", originMonoMs, clockOffset, graceMs, capMs });
    const stopAll = () => this.post({ type: "stop", interrupted: stop.interrupted });
    if (stop.signal.aborted) stopAll();
    else stop.signal.addEventListener("abort", stopAll, { once: true });
  }

  /** A closed loop over [from, to): `workers` split across the clients, one shared cursor. */
  async closed(from: number, to: number, workers: number, last: boolean): Promise<void> {
    // The warm-up is every shard's own; the measured requests are the shard's indices.
    const { index, count } = last && this.opts.shard ? this.opts.shard : { index: 0, count: 1 };
    const cursor = new Int32Array(new SharedArrayBuffer(4));
    cursor[0] = from + index;
    await this.phase((c) => ({
      ...{ type: "closed" as const, from, to, workers: shareOf(workers, this.size, c), cursor, step: count, last },
    }));
  }

  /** An open loop over [from, to) at `times` (see loops.ts `openLoop`); every client starts from one origin. */
  async open(from: number, to: number, times: Float64Array, maxInFlight: number, onStart: (ms: number) => void) {
    const { index, count } = this.opts.shard ?? { index: 0, count: 1 };
    let first = from + index;
    while (first < to && this.opts.done[first]) first += count;
    if (first >= to) return;
    const start = first === from + index;
    const origin: ScheduleOrigin = { startAt: this.control!.now(), startOffset: start ? 0 : times[first - from]! };
    if (start) onStart(origin.startAt);
    await this.phase((c) => ({
      ...{ type: "open" as const, from, to, times, origin },
      maxInFlight: shareOf(maxInFlight, this.size, c),
    }));
  }

  /** Waits for every client's self-check, ends the threads and returns the run's check. */
  async close(): Promise<SelfCheckResult | null> {
    const checked = new Promise<void>((resolve) => (this.checked = resolve));
    if (!this.failure) {
      this.post({ type: "finish" });
      await checked;
    }
    await Promise.all(this.clients.map((c) => c.worker.terminate()));
    if (this.failure) return null;
    return combineSelfChecks(this.clients.map((c) => c.check!));
  }

  private async phase(message: (c: number) => ToClient): Promise<void> {
    if (this.failure) throw this.failure;
    await Promise.all(
      this.clients.map(
        (client, c) =>
          new Promise<void>((resolve, reject) => {
            client.phase = { resolve, reject };
            client.worker.postMessage(message(c));
          }),
      ),
    );
  }

  private post(message: ToClient): void {
    for (const c of this.clients) c.worker.postMessage(message);
  }

  private listen(client: Client, c: number): void {
    client.worker.on("message", (msg: FromClient) => this.received(client, msg));
    const fail = (e: Error) => {
      if (this.failure) return;
      this.failure = new Error(`client thread ${c} of load.clients failed: ${e.message}`);
      this.control?.stop.stop();
      for (const x of this.clients) x.phase?.reject(this.failure);
      this.checked?.();
    };
    client.worker.on("error", fail);
    client.worker.on("exit", (code) => {
      if (!client.check) fail(new Error(`it exited (code ${code})`));
    });
  }

  private received(client: Client, msg: FromClient): void {
    const control = this.control;
    if (msg.type === "log") this.opts.log(msg.line);
    if (!control) return; // "ready"
    if (msg.type === "done") control.sender.finished(msg.index, msg.worker, msg.finished);
    else if (msg.type === "phase") {
      control.sender.abandoned += msg.abandoned;
      if (msg.capped) control.stop.capped = true;
      const phase = client.phase;
      client.phase = null;
      phase?.resolve();
    } else if (msg.type === "gone") {
      const watch = control.health.get(msg.endpoint)!;
      watch.gone ??= msg.reason;
      control.stop.stop();
    } else if (msg.type === "check") {
      client.check = msg.result;
      if (this.clients.every((x) => x.check)) this.checked?.();
    }
  }
}

/** Clients that start: no more than the load has workers (closed loop) or slots (open loop). */
export function activeClients(clients: number, slots: number): number {
  return Math.max(1, Math.min(clients, slots));
}
