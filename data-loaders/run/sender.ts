// Sending request i of a run to the end: its prompt and endpoint, its attempts (run/attempt.ts),
// and, once it finished, its row in the journal and the run's counts. A request that did not
// finish (stopped, aborted after the grace period, server gone) is counted as abandoned and not
// journaled, so a resumed run sends it again.
import type { Dispatcher } from "undici";
import { send } from "../client/request.ts";
import type { LoadedExperiment } from "../experiment/load.ts";
import type { HealthWatch } from "../server/health-watch.ts";
import type { OpenServer } from "../server/kinds.ts";
import type { Journal } from "../store/journal.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";
import { attemptRequestId, sendWithRetry, type AttemptContext, type Finished, type RetryPolicy } from "./attempt.ts";
import type { SendOne } from "./loops.ts";
import type { Progress } from "./progress.ts";
import type { JournalState } from "./resume.ts";
import { buildRequest, toRow, type SentExperiment } from "./row.ts";
import type { SelfCheck } from "./self-check.ts";
import type { Shard } from "./shard.ts";
import type { StopController } from "./stop.ts";
import type { UntilRun } from "./until.ts";

/** What sending one request to the end needs (on this thread, or in a client thread: run/client-worker.ts). */
export interface RequestContext {
  exp: SentExperiment;
  server: Pick<OpenServer, "endpoints" | "model" | "apiKey">;
  runId: string;
  /** Requests [0, warmup) are the warm-up; request i ≥ warmup uses prompt i − warmup. */
  warmup: number;
  policy: RetryPolicy;
  dispatcher: Dispatcher;
  now: () => number;
  stop: StopController;
  /** One health watch per endpoint. */
  health: Map<string, HealthWatch>;
  check: SelfCheck;
  /** A shard run: its requests take turns over the endpoints in its own order. */
  shard?: Shard;
}

/** Request i's prompt, its position in the prompt sequence and its endpoint. */
export function requestOf(exp: SentExperiment, endpoints: string[], warmup: number, i: number, shard?: Shard) {
  const isWarmup = i < warmup;
  const position = isWarmup ? i : i - warmup;
  const prompt = exp.prompts[position % exp.prompts.length]!;
  const turn = shard && !isWarmup ? warmup + Math.floor(position / shard.count) : i;
  return { isWarmup, position, prompt, endpoint: endpoints[turn % endpoints.length]! };
}

/** Sends request `i` to the end (its attempts); null when it did not finish. Ends sending when its server is gone. */
export async function sendRequest(ctx: RequestContext, i: number, scheduledMs: number): Promise<Finished | null> {
  const { exp, server, stop, check, now, dispatcher } = ctx;
  const { position, prompt, endpoint } = requestOf(exp, server.endpoints, ctx.warmup, i, ctx.shard);
  const target = { endpoint, model: server.model, apiKey: server.apiKey };
  const watch = ctx.health.get(endpoint)!;
  const attempts: AttemptContext = {
    policy: ctx.policy,
    health: watch,
    send: (req) => send(req, { dispatcher, now }),
    stopped: () => stop.stopped() || watch.gone !== null,
    stopSignal: stop.signal,
  };
  const base = `${ctx.runId}-${i}`;
  check.sent(scheduledMs);
  const finished = await sendWithRetry(
    (attempt) => buildRequest(exp, target, attemptRequestId(base, attempt), position, prompt, stop.abortSignal),
    attempts,
  );
  check.finished();
  if (watch.gone !== null) stop.stop();
  return finished;
}

export interface SenderContext extends RequestContext {
  exp: LoadedExperiment;
  server: OpenServer;
  journal: Journal;
  state: JournalState;
  counts: Manifest["counts"];
  progress: Progress;
  /** A run until precise: sees every journaled request (run/until.ts). */
  until?: UntilRun | null;
}

export class Sender {
  /** Requests that were sent but did not finish. */
  abandoned = 0;
  /** The first system_fingerprint a response carried (the server's version when /version is not served). */
  fingerprint: string | null = null;

  constructor(private readonly ctx: SenderContext) {}

  /** Sends request `i` to the end and journals it; returns without journaling when it did not finish. */
  readonly send: SendOne = async (i, worker, scheduledMs) => {
    const finished = await sendRequest(this.ctx, i, scheduledMs);
    if (!finished) {
      this.abandoned++;
      return;
    }
    this.finished(i, worker, finished);
  };

  /** Journals request `i`, finished (here or by a client thread), then counts it as done. */
  finished(i: number, worker: number, finished: Finished): void {
    const { exp, server, runId, warmup } = this.ctx;
    const { isWarmup, prompt, endpoint } = requestOf(exp, server.endpoints, warmup, i, this.ctx.shard);
    const source = { runId, endpoint, worker, index: i, promptId: prompt.id, warmup: isWarmup };
    this.record(i, toRow(exp, source, finished));
  }

  /** Journals a finished request's row, then counts it as done. */
  private record(i: number, row: RequestRow): void {
    const { journal, state, counts, progress } = this.ctx;
    const ok = row.status === "ok";
    journal.append(row);
    this.fingerprint ??= row.system_fingerprint;
    state.done[i] = 1;
    state.doneCount++;
    counts.done++;
    counts[ok ? "ok" : "error"]++;
    progress.tick(ok);
    this.ctx.until?.observe(row);
  }
}
