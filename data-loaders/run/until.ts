// Running until precise (`requests: { until: { projection, relativeError }, max }`): every
// journaled measured request goes into the precision window (analysis/precision.ts); every
// `checkEvery` completions (default 100, and never more often than every 5% of what is done) the
// window's projection is checked, in a worker thread (run/precision-worker.ts) so the requests in
// flight keep their timestamps. Once its 95% interval is within ±relativeError, sending stops
// (requests in flight finish and are stored) and the run is complete; at `max` requests it is
// complete too, with the precision it reached (checked once more). The progress line shows the
// precision and the requests still needed; the manifest's `until` keeps the last check and why
// sending stopped. A resumed run refills the window from its journal and goes on until precise.
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import {
  checkPrecision,
  PrecisionWindow,
  WINDOW_ROWS,
  type PrecisionCheck,
  type PrecisionSnapshot,
} from "../analysis/precision.ts";
import type { UntilPrecise } from "../experiment/schema.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";
import type { PrecisionWorkerData } from "./precision-worker.ts";
import type { Progress } from "./progress.ts";

/** Completions between two checks unless the experiment says otherwise. */
export const DEFAULT_CHECK_EVERY = 100;
/** A check waits for at least this share of what is done since the last one (checks stay few in long runs). */
const CHECK_SHARE = 0.05;

const pct = (x: number) => `±${(x * 100).toFixed(1)}%`;
const int = (n: number) => n.toLocaleString("en-US");
const finite = (x: number | null | undefined) => (x != null && Number.isFinite(x) ? x : null);

type Row = Pick<RequestRow, "warmup" | "status" | "sent_ms" | "done_ms" | "prompt_tokens" | "completion_tokens">;

/** Registers tsx in the thread, then serves checks from the worker module (TypeScript). */
const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
import(workerData.tsx).then((tsx) => tsx.register()).then(() => import(workerData.entry)).then((m) => m.serve());
`;

/** One worker thread answering checks in turn; a check it cannot answer runs on this thread. */
class PrecisionThread {
  private worker: Worker | null = null;
  private failed = false;

  constructor(private readonly data: PrecisionWorkerData) {}

  check(snapshot: PrecisionSnapshot): Promise<PrecisionCheck> {
    const local = () => checkPrecision(snapshot, this.data.target, this.data);
    if (this.failed) return Promise.resolve(local());
    const worker = (this.worker ??= new Worker(BOOTSTRAP, {
      eval: true,
      workerData: {
        ...this.data,
        tsx: import.meta.resolve("tsx/esm/api"),
        entry: pathToFileURL(join(import.meta.dirname, "precision-worker.ts")).href,
      },
    }));
    return new Promise((resolve) => {
      const off = () => {
        worker.off("message", done);
        worker.off("error", fail);
        worker.off("exit", fail);
      };
      const done = (c: PrecisionCheck) => {
        off();
        resolve(c);
      };
      const fail = () => {
        off();
        this.failed = true;
        resolve(local());
      };
      worker.on("message", done);
      worker.on("error", fail);
      worker.on("exit", fail);
      // copied, not transferred: a check the thread cannot answer still has its rows here
      worker.postMessage(snapshot);
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }
}

export class UntilRun {
  private readonly window: PrecisionWindow;
  private readonly thread: PrecisionThread;
  private readonly every: number;
  private lastCheckAt = 0;
  private inFlight: Promise<void> | null = null;
  private stopSending: (() => void) | null = null;
  private progress: Progress | null = null;
  /** True once a check found the projection precise enough. */
  precise = false;

  constructor(
    private readonly spec: UntilPrecise,
    private readonly manifest: Manifest,
    concurrency: number,
  ) {
    this.window = new PrecisionWindow(Math.min(spec.max, WINDOW_ROWS));
    this.thread = new PrecisionThread({ target: spec.until, runId: manifest.run_id, concurrency });
    this.every = spec.checkEvery ?? DEFAULT_CHECK_EVERY;
    manifest.until ??= {
      projection: spec.until.projection,
      relative_error: spec.until.relativeError,
      max: spec.max,
      stopped: null,
      checks: 0,
      last_check: null,
    };
    manifest.until.stopped = null;
  }

  /** Adds a journaled request (a warm-up request is left out, as from every statistic). */
  add(row: Row): void {
    if (!row.warmup) this.window.add(row);
  }

  /** Where sending stops and the precision is shown, once sending starts; checks what a resumed run already holds. */
  start(stopSending: () => void, progress: Progress): void {
    this.stopSending = stopSending;
    this.progress = progress;
    if (this.window.added > 0) this.startCheck();
  }

  /** A request was journaled: add it, and check when one is due (and none is running). */
  observe(row: Row): void {
    this.add(row);
    if (row.warmup || this.precise || this.inFlight) return;
    const since = this.window.added - this.lastCheckAt;
    if (since >= Math.max(this.every, Math.ceil(CHECK_SHARE * this.window.added))) this.startCheck();
  }

  private startCheck(): void {
    const snapshot = this.window.snapshot();
    this.lastCheckAt = snapshot.added;
    this.inFlight = this.thread.check(snapshot).then((c) => {
      this.apply(c, snapshot.added);
      this.inFlight = null;
    });
  }

  /** Records a check; stops sending when precise. */
  private apply(c: PrecisionCheck, requests: number): void {
    const until = this.manifest.until!;
    until.checks++;
    until.last_check = {
      requests,
      rows: c.rows,
      seconds: finite(c.projection?.seconds),
      lo: finite(c.projection?.lo),
      hi: finite(c.projection?.hi),
      precision: finite(c.precision),
      needed: c.needed,
    };
    this.progress?.note?.(this.describe(c, requests));
    if (c.precise && !this.precise) {
      this.precise = true;
      until.stopped = "precise";
      this.stopSending?.();
    }
  }

  /** What the progress line shows after a check. */
  private describe(c: PrecisionCheck, requests: number): string {
    const target = pct(this.spec.until.relativeError);
    if (finite(c.precision) === null || c.needed === null)
      return `precision: waiting for a steady state (target ${target})`;
    const left = this.spec.max - requests;
    const needed = c.needed > left ? `more than the ${int(left)} left` : `~${int(c.needed)} more needed`;
    return `${int(this.spec.until.projection)}-request time ${pct(c.precision!)} (target ${target})${c.precise ? ", precise" : `, ${needed}`}`;
  }

  /**
   * Ends the checks (and their thread): the run's reason when sending ended precise, or at `max`
   * (`sentAll`, checked once more), else null.
   */
  async finish(sentAll: boolean): Promise<string | null> {
    this.progress = null;
    this.stopSending = null;
    await this.inFlight;
    try {
      if (!this.precise && sentAll) {
        this.startCheck();
        await this.inFlight;
      }
    } finally {
      await this.thread.close();
    }
    return this.reason(sentAll);
  }

  private reason(sentAll: boolean): string | null {
    const until = this.manifest.until!;
    const at = until.last_check;
    const of = `the 95% interval of the time for ${int(this.spec.until.projection)} requests`;
    const target = pct(this.spec.until.relativeError);
    if (this.precise)
      return `precise: ${of} is ${pct(at!.precision!)} (target ${target}) after ${int(at!.requests)} requests (at most ${int(this.spec.max)})`;
    if (!sentAll) return null;
    until.stopped = "max";
    const reached = at?.precision != null ? pct(at.precision) : "not known (no steady state)";
    const more = at?.needed != null ? `; about ${int(at.needed)} more requests would reach it` : "";
    return `reached requests.max (${int(this.spec.max)}) before precise: ${of} is ${reached} (target ${target})${more}`;
  }
}
