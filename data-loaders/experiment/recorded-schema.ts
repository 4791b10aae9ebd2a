// The format of a recorded experiment (`defineRecorded({...})`, experiment/recorded.ts): the zod
// schema of its figures, tool, launch, workers, samples and history (recorded-history.ts), the
// checks across its fields (recorded-checks.ts), the record a recorded run's manifest keeps in its
// `spec` (`storedRecord`, read back by the digest), and the aggregates it stands for in the
// manifest. Schemas only: no file is read or written here, so the report's code can read a record
// without depending on the store's writers.
import { z } from "zod";
import type { Manifest } from "../store/schemas/manifest.ts";
import { recordProblems, RATE_TOLERANCE } from "./recorded-checks.ts";
import {
  derivedPriceSchema,
  quoteSchema,
  recordedEstimatesSchema,
  recordedProgressSchema,
  recordedSampleSchema,
  recordedSettingsSchema,
  recordedWorkerSchema,
  sourceSchema,
  statedSchema,
} from "./recorded-history.ts";

const count = () => z.number().int().min(0);
const positive = () => z.number().positive();

/** The aggregates as `vllm bench serve` names them (the keys of its --save-result file); give what you have. */
const figuresObject = z.strictObject({
  /** Requests sent. */
  requests: count(),
  /** Successful requests (unknown when not given). */
  completed: count().optional(),
  /** Benchmark duration in seconds. */
  durationS: positive().optional(),
  /** (input + output tokens) / duration, tokens per second. */
  totalTokenThroughput: z.number().min(0).optional(),
  /** Output tokens / duration. */
  outputThroughput: z.number().min(0).optional(),
  /** Completed requests / duration. */
  requestThroughput: z.number().min(0).optional(),
  /** Σ prompt tokens of successful requests. */
  totalInputTokens: count().optional(),
  /** Σ completion tokens of successful requests. */
  totalOutputTokens: count().optional(),
  meanTtftMs: positive().optional(),
  meanTpotMs: positive().optional(),
  meanE2elMs: positive().optional(),
  /** Concurrent requests (workers, or vllm bench's --max-concurrency). */
  concurrency: z.number().int().min(1).optional(),
  /** Extra attempts over all requests. */
  retries: count().optional(),
  /** Σ characters of the successful answers (tokenizer-neutral rates; Unicode code points). */
  answerChars: count().optional(),
  /** Σ words (runs of non-space characters) of the successful answers. */
  answerWords: count().optional(),
});

export const recordedFiguresSchema = figuresObject.superRefine((f, ctx) => {
  for (const [field, message] of contradictions(f)) ctx.addIssue({ code: "custom", path: [field], message });
});

/**
 * Figures that contradict one another, as [field, message]: more successes than requests, a part
 * above its whole, or a throughput more than 10% from the one its counts and the duration give.
 */
function contradictions(f: z.output<typeof figuresObject>): [string, string][] {
  const out: [string, string][] = [];
  if (f.completed !== undefined && f.completed > f.requests)
    out.push(["completed", `${f.completed} successful requests, more than the ${f.requests} sent (figures.requests)`]);
  if (
    f.outputThroughput !== undefined &&
    f.totalTokenThroughput !== undefined &&
    f.outputThroughput > f.totalTokenThroughput
  )
    out.push([
      "outputThroughput",
      `${f.outputThroughput} tok/s is above totalTokenThroughput (${f.totalTokenThroughput}), which includes it`,
    ]);
  if (f.meanTtftMs !== undefined && f.meanE2elMs !== undefined && f.meanTtftMs > f.meanE2elMs)
    out.push([
      "meanTtftMs",
      `${f.meanTtftMs} ms is above meanE2elMs (${f.meanE2elMs}): the first token comes before the end`,
    ]);
  if (f.durationS === undefined) return out;
  const succeeded = f.completed ?? f.requests;
  const tokens =
    f.totalInputTokens !== undefined && f.totalOutputTokens !== undefined
      ? f.totalInputTokens + f.totalOutputTokens
      : undefined;
  const rates: [string, number | undefined, number | undefined, string][] = [
    ["requestThroughput", f.requestThroughput, succeeded, f.completed === undefined ? "requests" : "completed"],
    ["outputThroughput", f.outputThroughput, f.totalOutputTokens, "totalOutputTokens"],
    ["totalTokenThroughput", f.totalTokenThroughput, tokens, "(totalInputTokens + totalOutputTokens)"],
  ];
  for (const [field, given, count, what] of rates) {
    if (given === undefined || count === undefined) continue;
    const implied = count / f.durationS;
    if (Math.abs(given - implied) > RATE_TOLERANCE * Math.max(given, implied))
      out.push([
        field,
        `${given}/s contradicts ${what} / durationS = ${implied.toPrecision(4)}/s (more than 10% apart)`,
      ]);
  }
  return out;
}

/** The benchmark tool that measured the figures (named on the site beside them). */
export const recordedToolSchema = z.strictObject({
  /** e.g. "vllm bench serve", "GuideLLM", "AIPerf". */
  name: z.string().min(1),
  version: z.string().min(1).optional(),
});

/** Server start-up figures, as read from the vLLM log at the time. */
export const recordedLaunchSchema = z.strictObject({
  /** The command, as far as it is known. */
  command: z.string().min(1),
  loadTimeS: positive().optional(),
  weightsGib: positive().optional(),
  kvCacheGib: positive().optional(),
  kvCacheTokens: count().optional(),
  maxConcurrency: positive().optional(),
  cudaGraphGib: positive().optional(),
  /** GPU memory in use once the server was ready, MiB. */
  gpuMemoryAfterMib: positive().optional(),
  /** Time to download the weights the first time, seconds. */
  downloadTimeS: positive().optional(),
  /** Size of the checkpoint (or model file) on disk, GB. */
  modelSizeGb: positive().optional(),
});

const RECORD_STATUSES = ["complete", "failed", "partial", "pending"] as const;

export const recordedObject = z.strictObject({
  title: z.string().min(1).max(200),
  notes: z.string().default(""),
  /** The model as served (Hugging Face id). */
  model: z.string().min(1),
  /** Where it ran, e.g. "RTX 4080 16 GB". */
  hardware: z.string().min(1),
  /** Where the figures come from (tool, person, document). */
  origin: z.string().min(1),
  /** The tool that measured them, when it is a benchmark tool. */
  tool: recordedToolSchema.optional(),
  /** Day of the measurement (YYYY-MM-DD) when known; it then names the run folder (else the day it was recorded here). */
  measuredOn: z.iso.date({ error: "a date such as 2025-10-01" }).optional(),
  /**
   * `failed`: the run did not happen (give `reason`); `partial`: still going when reported (give
   * `progress`); `pending`: planned, never run (give what the report expects in `estimates`).
   */
  status: z.enum(RECORD_STATUSES).default("complete"),
  reason: z.string().min(1).optional(),
  figures: recordedFiguresSchema,
  launch: recordedLaunchSchema.optional(),
  /** vLLM settings the run used (or, when pending, was to use). */
  settings: recordedSettingsSchema.optional(),
  /** Per-worker rows, as the run's log reports them. */
  workers: z.array(recordedWorkerSchema).optional(),
  progress: recordedProgressSchema.optional(),
  /** Answers the report quotes, verbatim. */
  samples: z.array(recordedSampleSchema).optional(),
  /** The report's verdicts on answer quality, verbatim. */
  verdicts: z.array(quoteSchema).optional(),
  /** Why a failed run failed, as the report lists it. */
  causes: z.array(quoteSchema).optional(),
  /** Stated estimates of a pending (or failed) run: never measurements. */
  estimates: recordedEstimatesSchema.optional(),
  /** Figures the report derived (speedups, extrapolations, costs, ratios), recomputed by the tracker. */
  stated: z.array(statedSchema).optional(),
  /** Where each figure of this record is written: path ("figures.durationS") → report line and text. */
  sources: z.record(z.string(), sourceSchema).optional(),
  /** Prices the report's costs imply, derived from a cost it states for this run. */
  prices: z.array(derivedPriceSchema).optional(),
});

export const recordedSchema = recordedObject.superRefine((r, ctx) => {
  for (const [path, message] of recordProblems(r)) ctx.addIssue({ code: "custom", path, message });
});

/** A record as the manifest's `spec.recorded` keeps it: everything but the title and notes. */
export const storedRecordSchema = recordedObject.omit({ title: true, notes: true });
export type StoredRecord = z.output<typeof storedRecordSchema>;

/** The record a recorded run's manifest holds, or null (a run of another source, or a spec this version cannot read). */
export function storedRecord(spec: Record<string, unknown>): StoredRecord | null {
  const parsed = storedRecordSchema.safeParse(spec.recorded);
  return parsed.success ? parsed.data : null;
}

export type RecordedInput = z.input<typeof recordedSchema>;
export type Recorded = z.output<typeof recordedSchema>;

/** The manifest's `recorded` aggregates of a record, as `vllm bench serve` names them (null: not recorded). */
export function recordedAggregates(
  r: Pick<StoredRecord, "origin" | "tool" | "figures">,
): NonNullable<Manifest["recorded"]> {
  const f = r.figures;
  return {
    origin: r.origin,
    tool: r.tool?.name ?? null,
    tool_version: r.tool?.version ?? null,
    requests: f.requests,
    completed: f.completed ?? null,
    duration_s: f.durationS ?? null,
    total_token_throughput: f.totalTokenThroughput ?? null,
    output_throughput: f.outputThroughput ?? null,
    request_throughput: f.requestThroughput ?? null,
    total_input_tokens: f.totalInputTokens ?? null,
    total_output_tokens: f.totalOutputTokens ?? null,
    mean_ttft_ms: f.meanTtftMs ?? null,
    mean_tpot_ms: f.meanTpotMs ?? null,
    mean_e2el_ms: f.meanE2elMs ?? null,
    concurrency: f.concurrency ?? null,
  };
}
