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
import { attemptRequestId, sendWithRetry, type AttemptContext, type RetryPolicy } from "./attempt.ts";
import type { SendOne } from "./loops.ts";
import type { Progress } from "./progress.ts";
import type { JournalState } from "./resume.ts";
import { buildRequest, toRow } from "./row.ts";
import type { SelfCheck } from "./self-check.ts";
import type { Shard } from "./shard.ts";
import type { StopController } from "./stop.ts";
import type { UntilRun } from "./until.ts";

export interface SenderContext {
  exp: LoadedExperiment;
  runId: string;
  server: OpenServer;
  /** Requests [0, warmup) are the warm-up; request i ≥ warmup uses prompt i − warmup. */
  warmup: number;
  policy: RetryPolicy;
  dispatcher: Dispatcher;
  now: () => number;
  stop: StopController;
  /** One health watch per endpoint. */
  health: Map<string, HealthWatch>;
  check: SelfCheck;
  journal: Journal;
  state: JournalState;
  counts: Manifest["counts"];
  progress: Progress;
  /** A shard run: its requests take turns over the endpoints in its own order. */
  shard?: Shard;
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
    const { exp, server, stop, check, now, dispatcher } = this.ctx;
    const isWarmup = i < this.ctx.warmup;
    const position = isWarmup ? i : i - this.ctx.warmup;
    const prompt = exp.prompts[position % exp.prompts.length]!;
    const turn = this.ctx.shard && !isWarmup ? this.ctx.warmup + Math.floor(position / this.ctx.shard.count) : i;
    const endpoint = server.endpoints[turn % server.endpoints.length]!;
    const target = { endpoint, model: server.model, apiKey: server.apiKey };
    const watch = this.ctx.health.get(endpoint)!;
    const attempts: AttemptContext = {
      policy: this.ctx.policy,
      health: watch,
      send: (req) => send(req, { dispatcher, now }),
      stopped: () => stop.stopped() || watch.gone !== null,
      stopSignal: stop.signal,
    };
    const base = `${this.ctx.runId}-${i}`;
    check.sent(scheduledMs);
    const finished = await sendWithRetry(
      (attempt) => buildRequest(exp, target, attemptRequestId(base, attempt), position, prompt, stop.abortSignal),
      attempts,
    );
    check.finished();
    if (watch.gone !== null) stop.stop();
    if (!finished) {
      this.abandoned++;
      return;
    }
    const source = { runId: this.ctx.runId, endpoint, worker, index: i, promptId: prompt.id, warmup: isWarmup };
    this.record(i, toRow(exp, source, finished));
  };

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
