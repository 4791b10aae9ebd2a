// The figures the fit and speed models are calibrated on, read from the project's own records:
// vLLM's start-up figures (data-loaders/hardware/vllm-memory.json) for the memory fit, and the
// runs the store holds — measured runs and recorded ones (experiments/recorded-*.ts, imports) —
// for the speed model.
//
// Which runs: per experiment, the complete runs of the spec hash of its latest complete run (one
// observation per sweep level and repeat). A run becomes a speed observation as follows; every
// value not in the run is an assumption, listed with the observation:
//   source        measured or recorded; simulated runs are not observations of real hardware
//                 (the simulator's speed is itself calibrated on the recorded runs) and are
//                 skipped, saying so
//   model         the model the server reported (server_facts root, else the served name) or the
//                 recorded `model`, as a catalog id or alias; a model the catalog lacks skips the run
//   GPU           recorded: the record's `hardware`; measured: the GPUs nvidia-smi listed on the
//                 machine that ran the tracker (manifest environment.gpus), which serve the model
//                 only when the tracker launched the server (`server.launch`) or reached it on this
//                 machine (a loopback URL); a run on another host, over replicas, with tensor
//                 parallelism or without GPU facts is skipped
//   weights       the launch's --quantization when it names a catalog format, else the model's
//                 checkpoint format, unless recorded-assumptions.json says otherwise
//   serving stack vLLM, unless recorded-assumptions.json says otherwise
//   settings      gpu_memory_utilization and the KV-cache dtype from the server's cache_config (or
//                 the launch flags), max_model_len from /v1/models (or --max-model-len),
//                 max_num_seqs and enforce_eager from the launch flags; else vLLM's defaults
//   tokens        the run's mean prompt and output tokens (recorded: totals / completed requests),
//                 or those of the experiment named by `tokensLike`; without either it is skipped
//   measured      a measured run: its steady-state total token throughput (metrics/steady-state.ts),
//                 else its whole-run one; a recorded run: the recorded total token throughput, else
//                 completed / duration × (mean prompt + output tokens)
//   concurrency   the run's concurrency (sweep level, load.concurrency, recorded concurrency); when
//                 none was recorded, every request is taken as submitted at once (a batch job), so
//                 the engine's limits decide: for vLLM the effective concurrency of fit.ts at the
//                 run's settings; other stacks run the client concurrency
// A failed or partial run is not a speed observation, nor is a record of a run that was only
// planned (pending) or still going when reported (partial).
import { fit, kvElementBytes, type FitOptions, type MemoryCalibration, type MemoryPoint } from "./fit.ts";
import type { SpeedInput, SpeedObservation } from "./roofline.ts";
import { type LoadedRecorded } from "../experiment/recorded.ts";
import { storedRecord } from "../experiment/recorded-schema.ts";
import type { PartialSummary } from "../metrics/recorded.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import {
  findGpu,
  findModel,
  resolveWeights,
  type Catalog,
  type CatalogModel,
  type Gpu,
  type WeightFormat,
} from "../hardware/catalog.ts";

/** vLLM's start-up figures resolved against the catalog. */
export function memoryPoints(catalog: Catalog): MemoryPoint[] {
  return catalog.memory.map((m) => {
    const model = findModel(catalog, m.model);
    return {
      id: m.id,
      arch: model.arch,
      format: resolveWeights(catalog, model).format,
      gpuMemoryGiB: findGpu(catalog, m.gpu).memoryGiB,
      gpuMemoryUtilization: m.gpuMemoryUtilization ?? null,
      kvCacheDtype: m.kvCacheDtype,
      kvCacheTokens: m.kvCacheTokens ?? null,
      kvCacheGiB: m.kvCacheGiB ?? null,
      cudaGraphGiB: m.cudaGraphGiB ?? null,
      useForOverhead: m.useForOverhead,
    };
  });
}

/** A run as the speed model reads it: its manifest and what its digest says (report/digest.ts). */
export interface ObservedRun {
  manifest: Manifest;
  /** The run's summary (a recorded run's from its aggregates); null without one. */
  summary: Pick<PartialSummary, "meanPromptTokens" | "meanCompletionTokens" | "totalTokenThroughput"> | null;
  /** Total token throughput of the steady-state window, when the run has one. */
  steadyTotalTokPerS: number | null;
  /** The run's concurrency (report/digest.ts runConcurrency); null when it was not fixed or recorded. */
  concurrency: number | null;
}

export interface SkippedRun {
  id: string;
  runId: string | null;
  reason: string;
}

export interface RunObservations {
  observations: SpeedObservation[];
  skipped: SkippedRun[];
}

class Skip extends Error {}

function attempt<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new Skip((e as Error).message);
  }
}

/** Per experiment, the runs of the spec hash of its latest complete run (see the header); others as they are. */
export function currentRuns(runs: readonly ObservedRun[]): ObservedRun[] {
  const latest = new Map<string, string>();
  for (const r of runs)
    if (r.manifest.status === "complete") latest.set(r.manifest.experiment_id, r.manifest.spec_hash);
  return runs.filter((r) => {
    const hash = latest.get(r.manifest.experiment_id);
    return hash === undefined || r.manifest.spec_hash === hash;
  });
}

/** Speed observations from the store's runs (see the header); the others with the reason they are not. */
export function observationsFromRuns(
  runs: readonly ObservedRun[],
  catalog: Catalog,
  memory: MemoryCalibration,
): RunObservations {
  const observations: SpeedObservation[] = [];
  const skipped: SkippedRun[] = [];
  const current = currentRuns(runs);
  for (const r of current) {
    try {
      observations.push(observationFrom(r, current, catalog, memory));
    } catch (e) {
      if (!(e instanceof Skip)) throw e;
      skipped.push({ id: runLabel(r.manifest), runId: r.manifest.run_id || null, reason: e.message });
    }
  }
  return { observations, skipped };
}

/** A run's name in tables: its experiment, with the sweep level and repeat when it has them. */
export function runLabel(m: Manifest): string {
  const level = m.group?.level;
  const repeat = m.group?.repeat ?? 0;
  return `${m.experiment_id}${typeof level === "number" ? ` c=${level}` : ""}${repeat > 0 ? ` #${repeat + 1}` : ""}`;
}

function observationFrom(
  run: ObservedRun,
  all: readonly ObservedRun[],
  catalog: Catalog,
  memory: MemoryCalibration,
): SpeedObservation {
  const m = run.manifest;
  if (m.source === "simulated") throw new Skip("simulated: the simulator is not real hardware");
  if (m.status === "failed") throw new Skip(`did not run (${m.reason ?? "failed"})`);
  const record = m.source === "recorded" ? storedRecord(m.spec) : null;
  if (record?.status === "pending") throw new Skip("planned, never run");
  if (record?.status === "partial") throw new Skip("still running when recorded: no figures of a whole run");
  if (m.status !== "complete") throw new Skip(`${m.status}: only complete runs are observations`);
  const workload = runWorkload(run, all, catalog, memory);
  const measured = measuredThroughput(run, workload.input);
  return {
    id: runLabel(m),
    unit: `${m.experiment_id}\u0000${m.group?.level ?? ""}`,
    runId: m.run_id || null,
    kind: m.source,
    model: workload.model.id,
    gpu: workload.gpu.id,
    backend: workload.backend,
    input: workload.input,
    clientConcurrency: workload.clientConcurrency,
    requests: m.recorded?.completed ?? m.counts.ok,
    measuredTotalTokPerS: measured.value,
    source: `${m.source === "recorded" ? (m.recorded?.origin ?? "recorded") : `run ${m.run_id}`}; ${measured.what}`,
    assumptions: workload.assumptions,
  };
}

/** The throughput a run is compared with the speed model at (see the header: measured). */
export function measuredThroughput(run: ObservedRun, input: SpeedInput): { value: number; what: string } {
  const s = run.summary;
  if (run.manifest.source !== "recorded" && run.steadyTotalTokPerS !== null && run.steadyTotalTokPerS > 0)
    return { value: run.steadyTotalTokPerS, what: "steady-state total token throughput" };
  if (s?.totalTokenThroughput != null && s.totalTokenThroughput > 0)
    return { value: s.totalTokenThroughput, what: "whole-run total token throughput" };
  const r = run.manifest.recorded;
  const completed = r?.completed ?? r?.requests ?? null;
  if (r?.duration_s && completed)
    return {
      value: (completed / r.duration_s) * (input.meanPromptTokens + input.meanOutputTokens),
      what: "completed requests / duration × mean tokens",
    };
  throw new Skip(r ? "no throughput and no duration recorded" : "no throughput: no successful request");
}

/** What a run asks of the model and GPU: everything the speed model needs but the measured figure. */
export interface RunWorkload {
  model: CatalogModel;
  gpu: Gpu;
  backend: string;
  /** The concurrency the client kept (or every request, for a batch job). */
  clientConcurrency: number;
  settings: Omit<FitOptions, "concurrency" | "meanPromptTokens" | "meanOutputTokens">;
  input: SpeedInput;
  assumptions: string[];
}

/**
 * A run's model, GPU, settings, tokens and effective concurrency (see the header), for any run with
 * tokens: simulated runs too (the GPU their profile names), so a page can set a prediction beside
 * what the simulator did. Throws (an Error whose message says why) when it cannot be read.
 */
export function runWorkload(
  run: ObservedRun,
  all: readonly ObservedRun[],
  catalog: Catalog,
  memory: MemoryCalibration,
): RunWorkload {
  const m = run.manifest;
  const a = catalog.recordedAssumptions[m.experiment_id];
  const assumptions = a ? [a.why] : [];
  const model = runModel(m, catalog);
  const gpu = runGpu(m, catalog, assumptions);
  const serving = servingSettings(m);
  const format = attempt(() => resolveWeights(catalog, model, a?.weights ?? serving.weights)).format;
  const backend = a?.backend ?? "vllm";
  const tokens = tokenMeans(run, all, a?.tokensLike, assumptions);
  const client = clientConcurrency(run, a?.concurrency, assumptions);
  const opts = {
    ...serving.settings,
    concurrency: client,
    meanPromptTokens: tokens.prompt,
    meanOutputTokens: tokens.output,
  };
  const effective = backend === "vllm" ? attempt(() => fitFor(model, format, gpu, opts, memory)) : client;
  if (effective < 1)
    throw new Skip(`${model.id} in ${format.id} leaves no KV cache on ${gpu.id} at the run's settings`);
  if (backend === "vllm" && effective < client)
    assumptions.push(`vLLM at these settings runs ${effective} of them at once`);
  return {
    model,
    gpu,
    backend,
    clientConcurrency: client,
    settings: serving.settings,
    input: {
      arch: model.arch,
      format,
      gpu,
      meanPromptTokens: tokens.prompt,
      meanOutputTokens: tokens.output,
      concurrency: effective,
      enforceEager: serving.settings.enforceEager ?? false,
      kvElementBytes: kvElementBytes(serving.settings.kvCacheDtype ?? "auto"),
    },
    assumptions,
  };
}

/** The run's concurrency, else (recorded) every request at once, else (open loop) the mean in flight. */
function clientConcurrency(run: ObservedRun, assumed: number | undefined, assumptions: string[]): number {
  const m = run.manifest;
  if (run.concurrency !== null) return run.concurrency;
  if (assumed !== undefined) return assumed;
  if (m.source === "recorded") {
    const requests = m.recorded?.requests ?? m.counts.requests;
    assumptions.push(`concurrency not recorded: all ${requests} requests taken as submitted at once`);
    return requests;
  }
  const inFlight = m.self_check?.mean_in_flight;
  if (inFlight == null || inFlight < 1) throw new Skip("open-loop load without a measured mean in flight");
  assumptions.push(`open-loop load: its mean in flight (${inFlight.toFixed(1)}) taken as the concurrency`);
  return Math.round(inFlight);
}

function fitFor(
  model: CatalogModel,
  format: WeightFormat,
  gpu: Gpu,
  opts: FitOptions,
  memory: MemoryCalibration,
): number {
  return fit({ arch: model.arch, format, gpuMemoryGiB: gpu.memoryGiB }, opts, memory).concurrency.effective;
}

function runModel(m: Manifest, catalog: Catalog): CatalogModel {
  const root = m.server_facts?.root;
  if (root) {
    try {
      return findModel(catalog, root);
    } catch {
      // a local path or another name: the served model name may still be known
    }
  }
  return attempt(() => findModel(catalog, m.server.model));
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1", "0.0.0.0"]);

function isLoopback(endpoint: string): boolean {
  try {
    return LOOPBACK.has(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

/** The GPU a run's model ran on (see the header). */
function runGpu(m: Manifest, catalog: Catalog, assumptions: string[]): Gpu {
  if (m.source === "recorded") return attempt(() => findGpu(catalog, m.environment.host));
  if (m.source === "simulated") {
    const profile = m.server.profile ?? "";
    return attempt(() => findGpu(catalog, profile.slice(profile.lastIndexOf("@") + 1)));
  }
  if (m.server.kind === "url" && m.server.endpoint.includes(" "))
    throw new Skip("served by several replicas: not one GPU");
  if (m.server.kind !== "launch" && !isLoopback(m.server.endpoint))
    throw new Skip(
      `the GPU is not known: the server (${m.server.endpoint}) is not on the machine whose GPUs the manifest lists`,
    );
  const gpus = m.environment.gpus ?? [];
  if (!gpus.length) throw new Skip("the GPU is not known: nvidia-smi listed no GPU on the machine that ran it");
  const tp = numberArg(launchArgs(m)["--tensor-parallel-size"]) ?? 1;
  if (tp > 1) throw new Skip(`tensor parallel over ${tp} GPUs: the speed model is for one GPU`);
  if (gpus.length > 1) assumptions.push(`${gpus.length} GPUs listed; the model is taken to run on the first`);
  return attempt(() => findGpu(catalog, gpus[0]!.name));
}

function launchArgs(m: Manifest): Record<string, unknown> {
  const server = m.spec.server as { launch?: { args?: unknown } } | undefined;
  const args = server?.launch?.args;
  return typeof args === "object" && args !== null ? (args as Record<string, unknown>) : {};
}

function numberArg(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** The vLLM settings a run was served with, as far as the manifest tells. */
function servingSettings(m: Manifest): { settings: RunWorkload["settings"]; weights?: string } {
  const args = launchArgs(m);
  const cache = m.server_facts?.cache_config ?? {};
  const dtype = String(cache.cache_dtype ?? args["--kv-cache-dtype"] ?? "auto");
  const settings: RunWorkload["settings"] = {
    gpuMemoryUtilization: numberArg(cache.gpu_memory_utilization) ?? numberArg(args["--gpu-memory-utilization"]),
    maxModelLen: m.server_facts?.max_model_len ?? numberArg(args["--max-model-len"]),
    maxNumSeqs: numberArg(args["--max-num-seqs"]),
    kvCacheDtype: dtype.startsWith("fp8") ? "fp8" : "auto",
    enforceEager: args["--enforce-eager"] === true,
  };
  const clean = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
  const q = args["--quantization"];
  return { settings: clean, ...(typeof q === "string" ? { weights: q } : {}) };
}

function tokenMeans(
  run: ObservedRun,
  all: readonly ObservedRun[],
  like: string | undefined,
  assumptions: string[],
): { prompt: number; output: number } {
  const own = summaryTokens(run);
  if (own) return own;
  if (!like) throw new Skip("no token counts recorded");
  const other = all.find((x) => x.manifest.experiment_id === like);
  const means = other ? summaryTokens(other) : null;
  if (!means) throw new Skip(`no token counts recorded, and ${like} (named by tokensLike) has none either`);
  assumptions.push(
    `tokens per request taken from ${like}: ${means.prompt.toFixed(0)} prompt, ${means.output.toFixed(0)} output`,
  );
  return means;
}

function summaryTokens(run: ObservedRun): { prompt: number; output: number } | null {
  const p = run.summary?.meanPromptTokens;
  const o = run.summary?.meanCompletionTokens;
  return p != null && o != null && p >= 1 && o >= 1 ? { prompt: p, output: o } : null;
}

/** Mean prompt and output tokens of a recorded experiment: totals / completed requests. */
export function recordedTokenMeans(r: LoadedRecorded): { prompt: number; output: number } | null {
  const f = r.recorded.figures;
  if (f.totalInputTokens === undefined || f.totalOutputTokens === undefined) return null;
  const completed = f.completed ?? f.requests;
  if (completed < 1) return null;
  return { prompt: f.totalInputTokens / completed, output: f.totalOutputTokens / completed };
}
