// The runner: sends an experiment's requests, appends one row per finished request to the
// journal, then finalises each run (Parquet + manifest).
//
// An experiment (or one cell of a grid, which the loader made an experiment of its own) is one
// run per repeat of its `load` (run/schedule.ts). Each run:
// * sends requests closed-loop (N workers) or open-loop (gamma arrivals, optional max in flight);
//   `load.warmup` requests go first, closed-loop, and are stored with warmup = true;
// * counts a request as done only after its row is in the journal (store/journal.ts: one
//   writeSync per row, survives kill -9); the runner keeps no rows in memory, only one byte per
//   request index (done or not), so memory stays flat however long the run;
// * resumes a run of the same spec hash and repeat that stopped early: reads its journal,
//   drops a truncated last line, sends only the missing indices, records the interruption. A
//   resumed run's clock continues from its last journaled time (the downtime is not counted);
// * retries retryable failures with backoff (run/attempt.ts) and pauses while the server is gone
//   (server/health-watch.ts); past `retry.serverGoneS` the run ends failed but resumable;
// * on a stop signal (Ctrl-C) sends nothing new, lets requests in flight finish for `graceMs`
//   (default 5 s), then aborts them. Aborted requests are not journaled (they are sent again on
//   resume). The run ends `partial`, with requests.parquet of what is done (for the site) and its
//   journal kept for the resume;
// * with `load.maxDurationS`, stops sending at the cap and lets requests in flight finish; the run
//   is `complete` with fewer requests than asked and a reason saying so (it is not resumed);
// * with `requests: { until, max }`, stops sending once the projection is precise (run/until.ts)
//   and lets requests in flight finish; the run is `complete`, its reason and manifest `until`
//   say why it stopped and how precise it got;
// * with `shard` (run/shard.ts), sends only the shard's share of the measured requests (its
//   warm-up in full) with its share of the workers, into a folder of its own whose manifest says
//   `shard`; a shard run is planned, resumed and finished like any run, among the runs of the
//   same shard only.
//
// One run reads as open → send → finish: open the run folder (new or resumed) and the server
// (server/kinds.ts; with `servers`, a launched server is kept up for the next run that asks for
// the same one: server/reuse.ts), send with the stop controller (run/stop.ts), the loops (run/loops.ts) and
// the per-request sender (run/sender.ts), then close what sending used and decide the status.
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Agent } from "undici";
import { createDispatcher } from "../client/request.ts";
import type { LoadedExperiment } from "../experiment/load.ts";
import { plannedRequests } from "../experiment/schema.ts";
import { HealthWatch } from "../server/health-watch.ts";
import { declaredServer, openServer, type OpenServer } from "../server/kinds.ts";
import { withFingerprint } from "../server/facts.ts";
import { StartFailed } from "../server/launch.ts";
import type { ServerReuse } from "../server/reuse.ts";
import { gpusAreLocal, startGpuTelemetry, type GpuTelemetry } from "../server/gpu-telemetry.ts";
import { startTelemetry, type Telemetry } from "../server/telemetry.ts";
import { listRuns, type RunFolder } from "../store/folders.ts";
import { Journal, type FsyncPolicy } from "../store/journal.ts";
import { JOURNAL_FILE, PARQUET_FILE } from "../store/layout.ts";
import { readManifest, writeManifest } from "../store/manifest.ts";
import { journalToParquet } from "../store/parquet.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import { ROW_SCHEMA_VERSION } from "../store/schemas/request-row.ts";
import { readServerMetrics, SERVER_METRICS_FILE, writeServerMetrics } from "../store/server-metrics.ts";
import { retryPolicy } from "./attempt.ts";
import { captureEnvironmentWithGpus, trackerVersion } from "./environment.ts";
import { ClientPool, type ClientControl } from "./clients.ts";
import { closedLoop, openLoop, type LoopContext } from "./loops.ts";
import { unitRuns, type UnitPlan } from "./plan.ts";
import { createProgress, type Progress } from "./progress.ts";
import { interruptionReason, readJournalState, type JournalState } from "./resume.ts";
import { createRunFolder } from "./run-folder.ts";
import {
  closedLoopConcurrency,
  describeLoad,
  openLoopTimesMs,
  runUnits,
  warmupCount,
  type RunUnit,
} from "./schedule.ts";
import { startSelfCheck, type SelfCheck } from "./self-check.ts";
import { shardLabel, shardMeasured, shardShare, type Shard } from "./shard.ts";
import { Sender } from "./sender.ts";
import { StopController } from "./stop.ts";
import { UntilRun } from "./until.ts";

export interface RunOptions {
  resultsRoot: string;
  /** Stops sending new requests; requests in flight get `graceMs` to finish, then are aborted. */
  signal?: AbortSignal;
  graceMs?: number;
  progress?: (label: string, total: number) => Progress;
  log?: (line: string) => void;
  /** Start new runs for every repeat, even complete ones (`tracker run <id>` of a fresh experiment). */
  rerun?: boolean;
  /** Keeps a launched server up for the next run with the same server (the cells of a grid); the caller closes it. */
  servers?: ServerReuse;
  /** Journal fsync policy (default: at most once a second). */
  fsync?: FsyncPolicy;
  /** Fields a new run's manifest starts with besides the runner's own (a judge run's `judge`). */
  manifestExtra?: Pick<Manifest, "judge">;
  /** Run this shard of the experiment only (run/shard.ts); `resultsRoot` then holds shard runs. */
  shard?: Shard;
}

export interface RunResult {
  runId: string;
  dir: string;
  manifest: Manifest;
}

export interface ExperimentResult extends RunResult {
  /** Every run made or resumed, in repeat order; the fields above repeat the last one. */
  runs: RunResult[];
}

/** Runs (or resumes) every repeat of the experiment that is not complete. */
export async function runExperiment(exp: LoadedExperiment, opts: RunOptions): Promise<ExperimentResult> {
  const plans: UnitPlan[] = opts.rerun
    ? runUnits(exp.spec.load).map((unit) => ({ unit, action: "new", run: null }))
    : unitRuns(
        exp,
        sameShard(
          listRuns(opts.resultsRoot, () => {}, { shards: true }),
          opts.shard,
        ),
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

/** The runs of this shard (without one: the runs that are no shard). */
function sameShard(runs: RunFolder[], shard: Shard | undefined): RunFolder[] {
  return runs.filter((r) => r.manifest.shard?.index === shard?.index && r.manifest.shard?.count === shard?.count);
}

/** A run's folder, its manifest (kept up to date while it runs) and what its journal holds. */
interface OpenRun {
  dir: string;
  manifest: Manifest;
  state: JournalState;
  /** Requests of the run, warm-up included (a shard: its share). */
  total: number;
  /** Request indices of the run: [0, space) (a shard sends some of them). */
  space: number;
  shard: Shard | undefined;
  /** A run until precise: its precision window and checks. */
  until: UntilRun | null;
}

/** What sending uses, from the opened server to the end of the send loops. */
interface Sending {
  stop: StopController;
  sender: Sender;
  loop: LoopContext;
  journal: Journal;
  progress: Progress;
  dispatcher: Agent;
  telemetry: Telemetry;
  /** nvidia-smi sampling when the GPUs are on this machine (server/gpu-telemetry.ts), else null. */
  gpu: GpuTelemetry | null;
  check: SelfCheck;
  health: Map<string, HealthWatch>;
}

/** One run: new (resumeDir null) or resumed from its folder. */
async function runUnit(
  exp: LoadedExperiment,
  unit: RunUnit,
  resumeDir: string | null,
  opts: RunOptions,
): Promise<RunResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + "\n"));
  const run = resumeDir ? resumeRun(exp, unit, resumeDir, log) : await newRun(exp, unit, opts, log);
  writeManifest(run.dir, run.manifest);
  let server: OpenServer;
  try {
    server = await openRunServer(exp, unit, run, opts.servers, log);
  } catch (e) {
    if (e instanceof StartFailed) run.manifest.launch = e.record;
    return finish(run, "failed", `server: ${(e as Error).message}`);
  }
  // With `load.clients` > 1, client threads send (run/clients.ts), ready before the run's clock starts.
  const clients = (exp.spec.load.clients ?? 1) > 1 ? await startClients(exp, run, server, log) : null;
  const sending = startSending(exp, unit, run, server, opts, log);
  clients?.attach(clientControl(exp, run, sending, opts));
  try {
    await (clients ? sendFromClients(exp, unit, run, sending, clients) : sendAll(exp, unit, run, sending));
  } finally {
    // The client threads end first: no row may reach the journal once it is closed.
    const checked = await clients?.close();
    await stopSending(run, sending, server);
    if (checked) run.manifest.self_check = checked;
  }
  return finishRun(exp, run, sending);
}

/** A new run: its own folder (named by time and spec hash, created atomically: run/run-folder.ts) and a fresh manifest. */
async function newRun(
  exp: LoadedExperiment,
  unit: RunUnit,
  opts: RunOptions,
  log: (line: string) => void,
): Promise<OpenRun> {
  const { shard } = opts;
  const [total, space] = [runTotal(exp, shard), runTotal(exp)];
  const repeated = (exp.spec.load.repeats ?? 1) > 1;
  const folder = { experimentId: exp.id, specHash: exp.specHash, unit, repeated, shard };
  const manifestFor = async (id: string) => ({
    ...(await newManifest(exp, id, unit, shard, log)),
    ...opts.manifestExtra,
  });
  const { dir, manifest } = await createRunFolder(opts.resultsRoot, folder, manifestFor, log);
  const until = untilRun(exp, manifest);
  const state = readJournalState(dir, space, (row) => until?.add(row));
  return { dir, manifest, state, total, space, shard, until };
}

/** Requests of a run, warm-up included (a run until precise: at most `max`; a shard: its share). */
function runTotal(exp: LoadedExperiment, shard?: Shard): number {
  const measured = plannedRequests(exp.spec.requests);
  return warmupCount(exp.spec.load) + (shard ? shardMeasured(shard, measured) : measured);
}

/** The precision checks of a run until precise (null for `requests: N`). */
function untilRun(exp: LoadedExperiment, manifest: Manifest): UntilRun | null {
  const { requests, load } = exp.spec;
  return typeof requests === "number" ? null : new UntilRun(requests, manifest, closedLoopConcurrency(load)!);
}

/** A stopped run picked up again: its journal says what is done; the manifest records the interruption. */
function resumeRun(exp: LoadedExperiment, unit: RunUnit, dir: string, log: (line: string) => void): OpenRun {
  const manifest = readManifest(dir);
  const shard = manifest.shard;
  const [total, space] = [runTotal(exp, shard), runTotal(exp)];
  const until = untilRun(exp, manifest);
  const state = readJournalState(dir, space, (row) => until?.add(row));
  const reason = interruptionReason(manifest, state);
  manifest.interruptions = [...(manifest.interruptions ?? []), { at: new Date().toISOString(), reason }];
  manifest.status = "running";
  manifest.reason = null;
  manifest.finished_at = null;
  manifest.counts = { requests: total, done: state.doneCount, ok: state.ok, error: state.error };
  log(`${runLabel(exp)}: resuming ${manifest.run_id} (${reason})`);
  return { dir, manifest, state, total, space, shard, until };
}

async function newManifest(
  exp: LoadedExperiment,
  runId: string,
  unit: RunUnit,
  shard: Shard | undefined,
  log: (line: string) => void,
): Promise<Manifest> {
  const simulated = "simulate" in exp.spec.server;
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
    // Filled in from the opened server (openRunServer) before any request is sent.
    server: declaredServer(exp.spec.server),
    started_at: new Date().toISOString(),
    finished_at: null,
    counts: { requests: runTotal(exp, shard), done: 0, ok: 0, error: 0 },
    environment: await captureEnvironmentWithGpus(log),
    group: { level: null, repeat: unit.repeat },
    ...(exp.cell ? { cell: { key: exp.cell.key, axes: exp.cell.axes } } : {}),
    ...(shard ? { shard } : {}),
    interruptions: [],
  };
}

/** Opens the experiment's server and records what it is in the manifest. */
async function openRunServer(
  exp: LoadedExperiment,
  unit: RunUnit,
  run: OpenRun,
  servers: ServerReuse | undefined,
  log: (line: string) => void,
): Promise<OpenServer> {
  const { dir, manifest } = run;
  const options = { seed: exp.spec.workload.seed, runDir: dir, log };
  const server = await (servers ? servers.open(exp.spec.server, options) : openServer(exp.spec.server, options));
  manifest.server.kind = server.kind;
  manifest.server.endpoint = server.endpoints.join(" ");
  manifest.server.model = server.model;
  if (server.launch) manifest.launch = server.launch;
  manifest.server_facts = server.facts;
  writeManifest(dir, manifest);
  const pending = run.total - run.state.doneCount;
  log(
    `${runLabel(exp)}: ${pending} of ${run.total} requests to ${server.model} at ${server.endpoints.join(", ")}` +
      `${server.simulated ? " (simulated)" : ""}, ${describeLoad(exp.spec.load, unit)}` +
      `${run.shard ? `, ${shardLabel(run.shard)} with ${describeShardLoad(exp.spec.load, run.shard)}` : ""}`,
  );
  return server;
}

/** Starts what sending uses: the journal, progress, connection pool, run clock, telemetry, self-check, stop and health watches. */
function startSending(
  exp: LoadedExperiment,
  unit: RunUnit,
  run: OpenRun,
  server: OpenServer,
  opts: RunOptions,
  log: (line: string) => void,
): Sending {
  const { load } = exp.spec;
  const pending = run.total - run.state.doneCount;
  const policy = retryPolicy(exp.spec.retry);
  const journal = new Journal(join(run.dir, JOURNAL_FILE), opts.fsync);
  const progress = (opts.progress ?? ((label, n) => createProgress({ label, total: n })))(
    unitLabel(exp, unit),
    pending,
  );
  const { workers, maxInFlight } = shardLoad(load, run.shard);
  const dispatcher = createDispatcher(workers ?? maxInFlight ?? 1024);
  const t0 = performance.now();
  run.manifest.clock_zero_at ??= new Date(performance.timeOrigin + t0).toISOString();
  const clockOffset = run.state.lastMs;
  const now = () => performance.now() - t0 + clockOffset;
  const { endpoints, apiKey, logStats } = server;
  const telemetry = startTelemetry({
    endpoints,
    intervalMs: 1000,
    now,
    runId: run.manifest.run_id,
    apiKey,
    log,
    logStats,
  });
  const gpu = gpusAreLocal(server) ? startGpuTelemetry({ now, runId: run.manifest.run_id, log }) : null;
  const check = startSelfCheck({ targetInFlight: workers, totalRequests: pending, now });
  const capMs = load.maxDurationS === undefined ? null : load.maxDurationS * 1000;
  const stop = new StopController({ signal: opts.signal, graceMs: opts.graceMs, capMs, now });
  const limitMs = policy.serverGoneMs;
  const health = new Map(
    endpoints.map((e) => [e, new HealthWatch(e, { limitMs, apiKey, signal: stop.signal, log })] as const),
  );
  const sender = new Sender({
    ...{ exp, runId: run.manifest.run_id, server, warmup: warmupCount(load), policy, dispatcher, now, stop },
    shard: run.shard,
    ...{ health, check, journal, state: run.state, counts: run.manifest.counts, progress, until: run.until },
  });
  const onScheduleStart = (ms: number) => {
    run.manifest.load_started_ms ??= ms;
    writeManifest(run.dir, run.manifest);
  };
  run.until?.start(() => stop.stopPrecise(), progress);
  const loop = { send: sender.send, stop, done: run.state.done, now, onScheduleStart };
  return { stop, sender, loop, journal, progress, dispatcher, telemetry, gpu, check, health };
}

/** The warm-up (closed loop), then the measured requests in the load's shape. */
async function sendAll(exp: LoadedExperiment, unit: RunUnit, run: OpenRun, sending: Sending): Promise<void> {
  const { load, requests, workload } = exp.spec;
  const warmup = warmupCount(load);
  const { workers, maxInFlight } = shardLoad(load, run.shard);
  if (warmup > 0) await closedLoop(sending.loop, 0, warmup, workers ?? maxInFlight ?? 1);
  const times = openLoopTimesMs(load, plannedRequests(requests), workload.seed + unit.repeat);
  if (times) await openLoop(sending.loop, warmup, run.space, times, maxInFlight ?? Infinity, run.shard);
  else await closedLoop(sending.loop, warmup, run.space, workers!, run.shard);
}

/** What a shard's share of the load is, for the log. */
function describeShardLoad(load: LoadedExperiment["spec"]["load"], shard: Shard): string {
  const { workers, maxInFlight } = shardLoad(load, shard);
  if (workers !== null) return `${workers} of the workers`;
  return maxInFlight === null ? "its arrivals" : `its arrivals, max ${maxInFlight} in flight`;
}

/** Closed-loop workers and an open loop's max in flight, a shard's share of them (run/shard.ts). */
function shardLoad(load: LoadedExperiment["spec"]["load"], shard: Shard | undefined) {
  const [workers, max] = [closedLoopConcurrency(load), load.maxConcurrency ?? null];
  const share = (n: number | null) => (n === null || !shard ? n : shardShare(shard, n));
  return { workers: share(workers), maxInFlight: share(max) };
}

/** The client threads of a load with `clients` > 1: they send, this thread journals (run/clients.ts). */
function startClients(
  exp: LoadedExperiment,
  run: OpenRun,
  server: OpenServer,
  log: (line: string) => void,
): Promise<ClientPool> {
  const { load, workload, timeouts, retry } = exp.spec;
  return ClientPool.start({
    clients: load.clients!,
    exp: { prompts: exp.prompts, answerJsonSchema: exp.answerJsonSchema, spec: { workload, timeouts } },
    server: { endpoints: server.endpoints, model: server.model, apiKey: server.apiKey },
    ...{ runId: run.manifest.run_id, warmup: warmupCount(load), policy: retryPolicy(retry) },
    done: run.state.done,
    concurrency: shardLoad(load, run.shard).workers,
    maxConcurrency: shardLoad(load, run.shard).maxInFlight ?? undefined,
    ...(run.shard ? { shard: run.shard } : {}),
    log,
  });
}

/** What the client threads report to (this thread's journaling sender), are stopped by, and are clocked with. */
function clientControl(exp: LoadedExperiment, run: OpenRun, sending: Sending, opts: RunOptions): ClientControl {
  const { maxDurationS } = exp.spec.load;
  const { sender, stop, health, loop } = sending;
  const capMs = maxDurationS === undefined ? null : maxDurationS * 1000;
  // Nothing is journaled yet: the clock's offset is still the resumed run's last time (startSending).
  return { sender, stop, health, now: loop.now, clockOffset: run.state.lastMs, graceMs: opts.graceMs, capMs };
}

/** sendAll, from the client threads: each phase split across them. */
async function sendFromClients(
  exp: LoadedExperiment,
  unit: RunUnit,
  run: OpenRun,
  sending: Sending,
  clients: ClientPool,
): Promise<void> {
  const { load, requests, workload } = exp.spec;
  const warmup = warmupCount(load);
  const { workers, maxInFlight } = shardLoad(load, run.shard);
  if (warmup > 0) await clients.closed(0, warmup, workers ?? maxInFlight ?? 1, false);
  const times = openLoopTimesMs(load, plannedRequests(requests), workload.seed + unit.repeat);
  if (times) await clients.open(warmup, run.space, times, maxInFlight ?? Infinity, sending.loop.onScheduleStart!);
  else await clients.closed(warmup, run.space, workers!, true);
}

/** Closes what sending used; stores the self-check and the server series; lets the server go. */
async function stopSending(run: OpenRun, sending: Sending, server: OpenServer): Promise<void> {
  const gpuRows = (await sending.gpu?.stop()) ?? []; // first: nvidia-smi never outlives the run
  sending.stop.dispose();
  sending.progress.stop();
  sending.journal.close();
  run.manifest.self_check = sending.check.finish();
  // A resumed run keeps the series scraped before its interruptions.
  const earlier = existsSync(join(run.dir, SERVER_METRICS_FILE)) ? await readServerMetrics(run.dir) : [];
  await writeServerMetrics(run.dir, [...earlier, ...(await sending.telemetry.stop()), ...gpuRows]);
  await sending.dispatcher.close();
  await server.close(); // completes manifest.launch (GPU memory, stop) for a launched server
}

/** Writes the Parquet of what is done and decides the run's status and reason. */
async function finishRun(exp: LoadedExperiment, run: OpenRun, sending: Sending): Promise<RunResult> {
  const { dir, manifest, total } = run;
  if (manifest.server_facts) manifest.server_facts = withFingerprint(manifest.server_facts, sending.sender.fingerprint);
  const gone = [...sending.health.values()].find((h) => h.gone !== null)?.gone ?? null;
  const { done, ok } = manifest.counts;
  const journalPath = join(dir, JOURNAL_FILE);
  const untilReason = run.until ? await run.until.finish(done >= total) : null;
  if (done > 0) await journalToParquet(journalPath, join(dir, PARQUET_FILE));
  const shard = run.shard ? ` --shard ${run.shard.index}/${run.shard.count}` : "";
  const resume = `\`tracker run ${exp.id}${exp.cell ? ` --cell ${exp.cell.key}` : ""}${shard}\` resumes it`;
  if (done < total) {
    const abandoned = sending.sender.abandoned;
    const aborted = abandoned > 0 ? ` (${abandoned} unfinished in flight, sent again on resume)` : "";
    if (sending.stop.interrupted)
      return finish(run, "partial", `interrupted after ${done} of ${total} requests${aborted}; ${resume}`);
    if (gone) return finish(run, "failed", `${gone}; ${done} of ${total} requests done; ${resume}`);
    if (sending.stop.capped) {
      const reason = `stopped at the duration cap (load.maxDurationS = ${exp.spec.load.maxDurationS}) after ${done} of ${total} requests`;
      return dropJournal(journalPath, finish(run, "complete", reason));
    }
    if (sending.stop.precise) {
      // The run needed fewer requests than its cap: it counts the ones it sent.
      manifest.counts.requests = done;
      return dropJournal(journalPath, finish(run, "complete", untilReason));
    }
    return finish(run, "partial", `stopped after ${done} of ${total} requests${aborted}; ${resume}`);
  }
  if (ok === 0) return dropJournal(journalPath, finish(run, "failed", `all ${total} requests failed`));
  return dropJournal(journalPath, finish(run, "complete", untilReason));
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

/** The experiment, with its cell for a grid: `grid-id [model=gemma-3-1b,concurrency=16]`. */
export function runLabel(exp: LoadedExperiment): string {
  return exp.cell ? `${exp.id} [${exp.cell.key}]` : exp.id;
}

function unitLabel(exp: LoadedExperiment, unit: RunUnit): string {
  return (exp.spec.load.repeats ?? 1) > 1 ? `${runLabel(exp)} #${unit.repeat + 1}` : runLabel(exp);
}

function finish(run: OpenRun, status: Manifest["status"], reason: string | null): RunResult {
  const { dir, manifest } = run;
  manifest.status = status;
  manifest.reason = reason;
  manifest.finished_at = new Date().toISOString();
  writeManifest(dir, manifest);
  return { runId: manifest.run_id, dir, manifest };
}
