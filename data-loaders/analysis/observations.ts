// The figures the fit and speed models are calibrated on, read from the project's own records:
// vLLM's start-up figures (data-loaders/hardware/vllm-memory.json) for the memory fit, and the
// recorded experiments (experiments/recorded-*.ts) for the speed model.
//
// A recorded experiment becomes a speed observation as follows; every value not in the record is
// an assumption, listed with the observation:
//   model and GPU   the record's `model` (catalog id or alias) and `hardware` (matched against
//                   gpus.json); a model or GPU the catalog lacks skips the record, saying so
//   weights         the model's checkpoint format, unless recorded-assumptions.json says otherwise
//   serving stack   vLLM, unless recorded-assumptions.json says otherwise
//   tokens          mean prompt and output tokens = recorded totals / completed requests, or those
//                   of the experiment named by `tokensLike`; without either the record is skipped
//   measured        the recorded total token throughput, else completed requests / duration ×
//                   (mean prompt + output tokens)
//   concurrency     the record's concurrency; when it was not recorded, every request is taken as
//                   submitted at once (a batch job), so the engine's limits decide: for vLLM the
//                   effective concurrency of fit.ts at vLLM's defaults (gpu_memory_utilization
//                   0.9, max_num_seqs 256); other stacks run the client concurrency
// A failed record (the server never started), a pending one (never run) and a partial one (still
// running when reported) are not speed observations.
import { fit, kvElementBytes, type MemoryCalibration, type MemoryPoint } from "./fit.ts";
import type { SpeedObservation } from "./roofline.ts";
import type { LoadedRecorded } from "../experiment/recorded.ts";
import { findGpu, findModel, resolveWeights, type Catalog } from "../hardware/catalog.ts";

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

export interface SkippedRecord {
  id: string;
  reason: string;
}

export interface RecordedObservations {
  observations: SpeedObservation[];
  skipped: SkippedRecord[];
}

class Skip extends Error {}

/** Speed observations from the recorded experiments (see the header). */
export function observationsFromRecorded(
  recorded: readonly LoadedRecorded[],
  catalog: Catalog,
  memory: MemoryCalibration,
): RecordedObservations {
  const observations: SpeedObservation[] = [];
  const skipped: SkippedRecord[] = [];
  for (const r of recorded) {
    try {
      observations.push(observationFrom(r, recorded, catalog, memory));
    } catch (e) {
      if (!(e instanceof Skip)) throw e;
      skipped.push({ id: r.id, reason: e.message });
    }
  }
  return { observations, skipped };
}

function attempt<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new Skip((e as Error).message);
  }
}

function observationFrom(
  r: LoadedRecorded,
  all: readonly LoadedRecorded[],
  catalog: Catalog,
  memory: MemoryCalibration,
): SpeedObservation {
  const rec = r.recorded;
  if (rec.status === "failed") throw new Skip(`did not run (${rec.reason ?? "failed"})`);
  if (rec.status === "pending") throw new Skip("planned, never run");
  if (rec.status === "partial") throw new Skip("still running when recorded: no figures of a whole run");
  const model = attempt(() => findModel(catalog, rec.model));
  const gpu = attempt(() => findGpu(catalog, rec.hardware));
  const a = catalog.recordedAssumptions[r.id];
  const assumptions = a ? [a.why] : [];
  const format = attempt(() => resolveWeights(catalog, model, a?.weights)).format;
  const backend = a?.backend ?? "vllm";
  const tokens = tokenMeans(r, all, a?.tokensLike, assumptions);
  const completed = rec.figures.completed ?? rec.figures.requests;
  const measured =
    rec.figures.totalTokenThroughput ??
    (rec.figures.durationS ? (completed / rec.figures.durationS) * (tokens.prompt + tokens.output) : null);
  if (measured === null) throw new Skip("no throughput and no duration recorded");
  const client = rec.figures.concurrency ?? a?.concurrency ?? rec.figures.requests;
  if (rec.figures.concurrency === undefined && a?.concurrency === undefined)
    assumptions.push(`concurrency not recorded: all ${rec.figures.requests} requests taken as submitted at once`);
  const target = { arch: model.arch, format, gpuMemoryGiB: gpu.memoryGiB };
  const opts = { concurrency: client, meanPromptTokens: tokens.prompt, meanOutputTokens: tokens.output };
  const effective = backend === "vllm" ? fit(target, opts, memory).concurrency.effective : client;
  if (effective < 1) throw new Skip(`${model.id} in ${format.id} leaves no KV cache on ${gpu.id} at vLLM's defaults`);
  if (backend === "vllm" && effective < client)
    assumptions.push(`vLLM at its defaults runs ${effective} of them at once`);
  return {
    id: r.id,
    model: model.id,
    gpu: gpu.id,
    backend,
    input: {
      arch: model.arch,
      format,
      gpu,
      meanPromptTokens: tokens.prompt,
      meanOutputTokens: tokens.output,
      concurrency: effective,
      enforceEager: false,
      kvElementBytes: kvElementBytes("auto"),
    },
    measuredTotalTokPerS: measured,
    source: `${r.file}: ${rec.origin}`,
    assumptions,
  };
}

function tokenMeans(
  r: LoadedRecorded,
  all: readonly LoadedRecorded[],
  like: string | undefined,
  assumptions: string[],
): { prompt: number; output: number } {
  const own = recordedTokenMeans(r);
  if (own) return own;
  if (!like) throw new Skip("no token counts recorded");
  const other = all.find((x) => x.id === like);
  const means = other ? recordedTokenMeans(other) : null;
  if (!means) throw new Skip(`no token counts recorded, and ${like} (named by tokensLike) has none either`);
  assumptions.push(
    `tokens per request taken from ${like}: ${means.prompt.toFixed(0)} prompt, ${means.output.toFixed(0)} output`,
  );
  return means;
}

/** Mean prompt and output tokens of a recorded run: totals / completed requests. */
export function recordedTokenMeans(r: LoadedRecorded): { prompt: number; output: number } | null {
  const f = r.recorded.figures;
  if (f.totalInputTokens === undefined || f.totalOutputTokens === undefined) return null;
  const completed = f.completed ?? f.requests;
  if (completed < 1) return null;
  return { prompt: f.totalInputTokens / completed, output: f.totalOutputTokens / completed };
}
