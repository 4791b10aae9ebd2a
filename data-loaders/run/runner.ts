// The runner: sends an experiment's requests, appends one row per finished request to the
// journal, then finalises each run (Parquet + manifest).
//
// An experiment is one run per (sweep level, repeat) of its `load` (run/schedule.ts). Each run:
// * sends requests closed-loop (N workers) or open-loop (gamma arrivals, optional max in flight);
//   `load.warmup` requests go first, closed-loop, and are stored with warmup = true;
// * counts a request as done only after its row is in the journal (store/journal.ts: one
//   writeSync per row, survives kill -9); the runner keeps no rows in memory, only one byte per
//   request index (done or not), so memory stays flat however long the run;
// * resumes a run of the same spec hash and (level, repeat) that stopped early: reads its journal,
//   drops a truncated last line, sends only the missing indices, records the interruption. A
//   resumed run's clock continues from its last journaled time (the downtime is not counted);
// * retries retryable failures with backoff (run/attempt.ts) and pauses while the server is gone
//   (run/health-watch.ts); past `retry.serverGoneS` the run ends failed but resumable;
// * on a stop signal (Ctrl-C) sends nothing new, lets requests in flight finish for `graceMs`
//   (default 5 s), then aborts them. Aborted requests are not journaled (they are sent again on
//   resume). The run ends `partial`, with requests.parquet of what is done (for the site) and its
//   journal kept for the resume;
// * with `load.maxDurationS`, stops sending at the cap and lets requests in flight finish; the run
//   is `complete` with fewer requests than asked and a reason saying so (it is not resumed).
import { setMaxListeners } from "node:events";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { checkAnswer } from "../analysis/quality.ts";
import type { CompletionRequest, Outcome } from "../client/outcome.ts";
import { createDispatcher, send } from "../client/request.ts";
import type { LoadedExperiment } from "../experiment/load.ts";
import { tpotMs } from "../metrics/latency.ts";
import { unitRuns, type UnitPlan } from "../build/plan.ts";
import { listRuns } from "../store/folders.ts";
import { Journal, type FsyncPolicy } from "../store/journal.ts";
import { JOURNAL_FILE, PARQUET_FILE } from "../store/layout.ts";
import { readManifest, writeManifest } from "../store/manifest.ts";
import { journalToParquet } from "../store/parquet.ts";
import { ROW_SCHEMA_VERSION, type RequestRow } from "../store/schemas/request-row.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import { attemptRequestId, retryPolicy, sendWithRetry, sleepUnless, type AttemptContext } from "./attempt.ts";
import { captureEnvironmentWithGpus, trackerVersion } from "./environment.ts";
import { startSelfCheck } from "./self-check.ts";
import { fetchServerFacts } from "../server/facts.ts";
import { StartFailed } from "../server/launch.ts";
import { startTelemetry } from "../server/telemetry.ts";
import { readServerMetrics, SERVER_METRICS_FILE, writeServerMetrics } from "../store/server-metrics.ts";
import { HealthWatch } from "./health-watch.ts";
import { createProgress, type Progress } from "./progress.ts";
import { createRunFolder } from "./run-folder.ts";
import { interruptionReason, readJournalState, type JournalState } from "./resume.ts";
import {
  closedLoopConcurrency,
  describeLoad,
  openLoopTimesMs,
  runUnits,
  warmupCount,
  type RunUnit,
} from "./schedule.ts";
import { openServer, type OpenServer } from "./server.ts";

/** Default time requests in flight get to finish after a stop signal. */
export const DEFAULT_GRACE_MS = 5_000;

export interface RunOptions {
  resultsRoot: string;
  /** Stops sending new requests; requests in flight get `graceMs` to finish, then are aborted. */
  signal?: AbortSignal;
  graceMs?: number;
  progress?: (label: string, total: number) => Progress;
  log?: (line: string) => void;
  /** Start new runs for every (level, repeat), even complete ones (`tracker run <id>` of a fresh experiment). */
  rerun?: boolean;
  /** Journal fsync policy (default: at most once a second). */
  fsync?: FsyncPolicy;
}

export interface RunResult {
  runId: string;
  dir: string;
  manifest: Manifest;
}

export interface ExperimentResult extends RunResult {
  /** Every run made or resumed, in (level, repeat) order; the fields above repeat the last one. */
  runs: RunResult[];
}

/** Runs (or resumes) every (level, repeat) of the experiment that is not complete. */
export async function runExperiment(exp: LoadedExperiment, opts: RunOptions): Promise<ExperimentResult> {
  const plans: UnitPlan[] = opts.rerun
    ? runUnits(exp.spec.load).map((unit) => ({ unit, action: "new", run: null }))
    : unitRuns(
        exp,
        listRuns(opts.resultsRoot, () => {}),
      );
  const runs: RunResult[] = [];
  for (const plan of plans) {
    if (plan.action === "complete") continue;
    if (opts.signal?.aborted) break;
    runs.push(await runUnit(exp, plan.unit, plan.action === "resume" ? plan.run!.path : null, opts));
  }
  const last = runs.at(-1);
  if (!last) {
    // Nothing left to run: report the latest complete run.
    const done = plans.at(-1)!.run!;
    const only = { runId: done.runId, dir: done.path, manifest: done.manifest };
    return { ...only, runs: [] };
  }
  return { ...last, runs };
}

async function newManifest(
  exp: LoadedExperiment,
  runId: string,
  unit: RunUnit,
  log: (line: string) => void,
): Promise<Manifest> {
  const s = exp.spec.server;
  const simulated = "simulate" in s;
  const total = warmupCount(exp.spec.load) + exp.spec.requests;
  return {
    row_schema_version: ROW_SCHEMA_VERSION,
    tracker_version: trackerVersion(),
    run_id: runId,
    experiment_id: exp.id,
    source: simulated ? "simulated" : "measured",
    status: "running",
    reason: null,
    spec_hash: exp.specHash,
    prompt_hash: exp.promptHash,
    spec: exp.resolvedSpec,
    // Filled in from the opened server (openServer) before any request is sent.
    server: {
      kind: simulated ? "simulate" : "launch" in s ? "launch" : "url",
      endpoint: "",
      model: "launch" in s ? s.launch.model : "model" in s ? s.model : "",
      profile: simulated ? s.simulate : null,
    },
    started_at: new Date().toISOString(),
    finished_at: null,
    counts: { requests: total, done: 0, ok: 0, error: 0 },
    environment: await captureEnvironmentWithGpus(log),
    group: { level: unit.level, repeat: unit.repeat },
    interruptions: [],
  };
}

/** One run: new (resumeDir null) or resumed from its folder. */
async function runUnit(
  exp: LoadedExperiment,
  unit: RunUnit,
  resumeDir: string | null,
  opts: RunOptions,
): Promise<RunResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + "\n"));
  const load = exp.spec.load;
  const warmup = warmupCount(load);
  const total = warmup + exp.spec.requests;

  let dir: string;
  let manifest: Manifest;
  let state: JournalState;
  if (resumeDir) {
    dir = resumeDir;
    manifest = readManifest(dir);
    state = readJournalState(dir, total);
    const reason = interruptionReason(manifest, state);
    manifest.interruptions = [...(manifest.interruptions ?? []), { at: new Date().toISOString(), reason }];
    manifest.status = "running";
    manifest.reason = null;
    manifest.finished_at = null;
    manifest.counts = { requests: total, done: state.doneCount, ok: state.ok, error: state.error };
    log(`${exp.id}: resuming ${manifest.run_id} (${reason})`);
  } else {
    const folder = { experimentId: exp.id, specHash: exp.specHash, unit, repeated: (load.repeats ?? 1) > 1 };
    ({ dir, manifest } = await createRunFolder(opts.resultsRoot, folder, (id) => newManifest(exp, id, unit, log), log));
    state = readJournalState(dir, total);
  }
  writeManifest(dir, manifest);
  const runId = manifest.run_id;

  let server: OpenServer;
  try {
    server = await openServer(exp.spec.server, { seed: exp.spec.workload.seed, runDir: dir, log });
  } catch (e) {
    if (e instanceof StartFailed) manifest.launch = e.record;
    return finish(dir, manifest, "failed", `server: ${(e as Error).message}`);
  }
  manifest.server.kind = server.kind;
  manifest.server.endpoint = server.endpoints.join(" ");
  manifest.server.model = server.model;
  if (server.launch) manifest.launch = server.launch;
  manifest.server_facts = await fetchServerFacts(server.endpoints[0]!, server.apiKey, { model: server.model });
  writeManifest(dir, manifest);
  const pending = total - state.doneCount;
  log(
    `${exp.id}: ${pending} of ${total} requests to ${server.model} at ${server.endpoints.join(", ")}` +
      `${server.simulated ? " (simulated)" : ""}, ${describeLoad(load, unit)}`,
  );

  const policy = retryPolicy(exp.spec.retry);
  const journal = new Journal(join(dir, JOURNAL_FILE), opts.fsync);
  const progress = (opts.progress ?? ((label, n) => createProgress({ label, total: n })))(
    unitLabel(exp, unit),
    pending,
  );
  const workers = closedLoopConcurrency(load, unit);
  const dispatcher = createDispatcher(workers ?? load.maxConcurrency ?? 1024);
  const t0 = performance.now();
  const clockOffset = state.lastMs;
  const now = () => performance.now() - t0 + clockOffset;
  const telemetry = startTelemetry({
    endpoints: server.endpoints,
    intervalMs: 1000,
    now,
    runId,
    apiKey: server.apiKey,
    log,
  });
  const check = startSelfCheck({ targetInFlight: workers, totalRequests: pending, now });

  // Stopping: `stop` ends sending (Ctrl-C, duration cap, server gone); `hardStop` aborts requests in flight.
  const stop = new AbortController();
  const hardStop = new AbortController();
  // every request in flight listens on these (one listener each, removed when it ends)
  setMaxListeners(0, stop.signal, hardStop.signal);
  let graceTimer: NodeJS.Timeout | null = null;
  const onSignal = () => {
    stop.abort();
    graceTimer = setTimeout(() => hardStop.abort(), opts.graceMs ?? DEFAULT_GRACE_MS);
  };
  if (opts.signal?.aborted) onSignal();
  else opts.signal?.addEventListener("abort", onSignal, { once: true });
  const capMs = load.maxDurationS === undefined ? null : load.maxDurationS * 1000;
  let capped = false;
  const stopped = () => {
    if (!stop.signal.aborted && capMs !== null && now() >= capMs) {
      capped = true;
      stop.abort();
    }
    return stop.signal.aborted;
  };

  const health = new Map(
    server.endpoints.map((e) => [
      e,
      new HealthWatch(e, { limitMs: policy.serverGoneMs, apiKey: server.apiKey, signal: stop.signal, log }),
    ]),
  );
  let abandoned = 0;
  const timeouts = exp.spec.timeouts;

  /** Sends request `i` to the end and journals it; returns without journaling when it did not finish. */
  const one = async (i: number, worker: number, scheduledMs: number): Promise<void> => {
    const isWarmup = i < warmup;
    const position = isWarmup ? i : i - warmup;
    const prompt = exp.prompts[position % exp.prompts.length]!;
    const endpoint = server.endpoints[i % server.endpoints.length]!;
    const watch = health.get(endpoint)!;
    const ctx: AttemptContext = {
      policy,
      health: watch,
      send: (req) => send(req, { dispatcher, now }),
      stopped: () => stopped() || watch.gone !== null,
      stopSignal: stop.signal,
    };
    const base = `${runId}-${i}`;
    check.sent(scheduledMs);
    const finished = await sendWithRetry(
      (attempt) => ({
        ...buildRequest(exp, server, endpoint, attemptRequestId(base, attempt), position, prompt, hardStop.signal),
        timeoutMs: timeouts?.requestS ? timeouts.requestS * 1000 : undefined,
        idleTimeoutMs: timeouts?.idleS ? timeouts.idleS * 1000 : undefined,
      }),
      ctx,
    );
    check.finished();
    if (watch.gone !== null) stop.abort();
    if (!finished) {
      abandoned++;
      return;
    }
    const row = toRow(
      exp,
      runId,
      endpoint,
      worker,
      i,
      prompt.id,
      finished.requestId,
      finished.outcome,
      finished.attempts,
      isWarmup,
    );
    journal.append(row);
    state.done[i] = 1;
    state.doneCount++;
    manifest.counts.done++;
    manifest.counts[row.status === "ok" ? "ok" : "error"]++;
    progress.tick(row.status === "ok");
  };

  /** The next index in [from, to) that is not done yet, from a shared cursor. */
  const cursor = (from: number, to: number) => {
    let next = from;
    return (): number | null => {
      while (next < to && state.done[next]) next++;
      return next < to ? next++ : null;
    };
  };

  const closedLoop = async (from: number, to: number, n: number) => {
    const take = cursor(from, to);
    await Promise.all(
      Array.from({ length: n }, async (_, w) => {
        for (;;) {
          if (stopped()) return;
          const i = take();
          if (i === null) return;
          await one(i, w, now());
        }
      }),
    );
  };

  const openLoop = async (from: number, to: number, times: Float64Array, maxInFlight: number) => {
    const take = cursor(from, to);
    const free: number[] = [];
    let slots = 0;
    let inFlight = 0;
    let wake: (() => void) | null = null;
    const tasks = new Set<Promise<void>>();
    let startAt: number | null = null;
    let startOffset = 0;
    stop.signal.addEventListener("abort", () => wake?.(), { once: true });
    for (;;) {
      if (stopped()) break;
      const i = take();
      if (i === null) break;
      const at = times[i - from]!;
      if (startAt === null) {
        startAt = now();
        startOffset = at; // a resumed run sends its missing requests on the original gaps, from now
      }
      const wait = startAt + (at - startOffset) - now();
      if (wait > 0) await sleepUnless(wait, stop.signal);
      while (inFlight >= maxInFlight && !stop.signal.aborted) await new Promise<void>((r) => (wake = r));
      if (stopped()) break;
      const worker = free.pop() ?? slots++;
      inFlight++;
      const task = one(i, worker, startAt + (at - startOffset)).finally(() => {
        inFlight--;
        free.push(worker);
        tasks.delete(task);
        const w = wake;
        wake = null;
        w?.();
      });
      tasks.add(task);
    }
    await Promise.all(tasks);
  };

  try {
    if (warmup > 0) await closedLoop(0, warmup, workers ?? load.maxConcurrency ?? 1);
    const times = openLoopTimesMs(load, exp.spec.requests, exp.spec.workload.seed + unit.repeat);
    if (times) await openLoop(warmup, total, times, load.maxConcurrency ?? Infinity);
    else await closedLoop(warmup, total, workers!);
  } finally {
    opts.signal?.removeEventListener("abort", onSignal);
    if (graceTimer) clearTimeout(graceTimer);
    progress.stop();
    journal.close();
    manifest.self_check = check.finish();
    // A resumed run keeps the series scraped before its interruptions.
    const earlier = existsSync(join(dir, SERVER_METRICS_FILE)) ? await readServerMetrics(dir) : [];
    await writeServerMetrics(dir, [...earlier, ...(await telemetry.stop())]);
    await dispatcher.close();
    await server.close(); // completes manifest.launch (GPU memory, stop) for a launched server
  }

  const gone = [...health.values()].find((h) => h.gone !== null)?.gone ?? null;
  const { done, ok } = manifest.counts;
  const journalPath = join(dir, JOURNAL_FILE);
  if (done > 0) await journalToParquet(journalPath, join(dir, PARQUET_FILE));
  const resume = `\`tracker run ${exp.id}\` resumes it`;
  if (done < total) {
    const aborted = abandoned > 0 ? ` (${abandoned} unfinished in flight, sent again on resume)` : "";
    if (opts.signal?.aborted)
      return finish(dir, manifest, "partial", `interrupted after ${done} of ${total} requests${aborted}; ${resume}`);
    if (gone) return finish(dir, manifest, "failed", `${gone}; ${done} of ${total} requests done; ${resume}`);
    if (capped) {
      const reason = `stopped at the duration cap (load.maxDurationS = ${load.maxDurationS}) after ${done} of ${total} requests`;
      return dropJournal(journalPath, finish(dir, manifest, "complete", reason));
    }
    return finish(dir, manifest, "partial", `stopped after ${done} of ${total} requests${aborted}; ${resume}`);
  }
  if (ok === 0) return dropJournal(journalPath, finish(dir, manifest, "failed", `all ${total} requests failed`));
  return dropJournal(journalPath, finish(dir, manifest, "complete", null));
}

/**
 * Removes the journal of a finalised run, after its manifest says so: a kill between the two
 * leaves a finished run with a stray journal, never a "running" run without one (which a resume
 * would send again).
 */
function dropJournal(journalPath: string, result: RunResult): RunResult {
  rmSync(journalPath, { force: true });
  return result;
}

function unitLabel(exp: LoadedExperiment, unit: RunUnit): string {
  const parts = [exp.id];
  if (unit.level !== null) parts.push(`c=${unit.level}`);
  if ((exp.spec.load.repeats ?? 1) > 1) parts.push(`#${unit.repeat + 1}`);
  return parts.join(" ");
}

function finish(dir: string, manifest: Manifest, status: Manifest["status"], reason: string | null): RunResult {
  manifest.status = status;
  manifest.reason = reason;
  manifest.finished_at = new Date().toISOString();
  writeManifest(dir, manifest);
  return { runId: manifest.run_id, dir, manifest };
}

/** The request for prompt `position` of the sequence (its sampling seed is workload.seed + position). */
function buildRequest(
  exp: LoadedExperiment,
  server: OpenServer,
  endpoint: string,
  requestId: string,
  position: number,
  prompt: LoadedExperiment["prompts"][number],
  signal: AbortSignal | undefined,
): CompletionRequest {
  const w = exp.spec.workload;
  return {
    baseUrl: endpoint,
    apiKey: server.apiKey,
    model: server.model,
    api: w.api,
    messages: w.api === "chat" ? prompt.messages : undefined,
    prompt: w.api === "completions" ? prompt.text : undefined,
    maxTokens: w.maxTokens,
    temperature: w.temperature,
    seed: (w.seed + position) % 2 ** 31,
    stream: w.stream,
    jsonSchema: w.structuredOutput && exp.answerJsonSchema ? exp.answerJsonSchema : undefined,
    requestId,
    signal,
  };
}

/** The stored row of a finished request: the final attempt's outcome (so latency is the successful attempt's). */
export function toRow(
  exp: LoadedExperiment,
  runId: string,
  endpoint: string,
  worker: number,
  index: number,
  promptId: string,
  requestId: string,
  o: Outcome,
  attempts = 1,
  warmup = false,
): RequestRow {
  const ttft = o.firstEventMs === null ? null : o.firstEventMs - o.sentMs;
  const e2e = o.doneMs === null ? null : o.doneMs - o.sentMs;
  const quality = checkAnswer(o.ok ? o.answer : null, exp.spec.quality?.schema);
  return {
    run_id: runId,
    experiment_id: exp.id,
    request_index: index,
    prompt_id: promptId,
    request_id: requestId,
    endpoint,
    worker,
    attempts,
    warmup,
    status: o.ok ? "ok" : "error",
    error_class: o.errorClass,
    http_status: o.httpStatus,
    error_message: o.errorMessage,
    sent_ms: o.sentMs,
    first_event_ms: o.firstEventMs,
    first_token_ms: o.firstTokenMs,
    done_ms: o.doneMs,
    ttft_ms: ttft,
    e2e_ms: e2e,
    tpot_ms: tpotMs({ ttft_ms: ttft, e2e_ms: e2e, completion_tokens: o.completionTokens }),
    itl_ms: o.itlMs,
    prompt_tokens: o.promptTokens,
    completion_tokens: o.completionTokens,
    finish_reason: o.finishReason,
    answer: o.answer,
    reasoning: o.reasoning,
    ...quality,
  };
}
