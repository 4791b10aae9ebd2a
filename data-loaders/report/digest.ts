// The digest of one run: every aggregate the pages show about it, computed once from its
// requests.parquet with the formulas in data-loaders/metrics/ and analysis/ and kept on disk, so
// the loaders of several pages (overview, compare, projections, the experiment page) read each run
// once per build. Every figure is computed by DuckDB over the Parquet file within its memory limit
// (the `stored…` twin of each formula, tested against the JS formula), or folded from rows DuckDB
// streams a chunk of 2,048 at a time (the chunk peak, metrics/peaks.ts): JavaScript never holds
// more rows of the run than that, so a run of millions of requests takes the same memory as a
// small one. What is
// kept per run is bounded: per-prompt rows (one per prompt of the experiment's prompt set), the
// first answers, and the projection sample (time windows and completion lengths by value).
// The memo key covers the run's files and this module's code with everything it imports
// (site/cache.ts).
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  project,
  projectAtRate,
  storedProjectionSample,
  type Projection,
  type ProjectionSample,
} from "../analysis/extrapolate.ts";
import { storedPromptRows } from "../analysis/by-prompt.ts";
import { storedQualitySummary, type QualitySummary } from "../analysis/quality-summary.ts";
import { storedCell, type CellAxes } from "../experiment/cells.ts";
import { runQuality, type RunQuality } from "../analysis/run-quality.ts";
import { judgedRate, type JudgedRate } from "../metrics/rate.ts";
import { recordedSummary, recordedTextTotals, type PartialSummary } from "../metrics/recorded.ts";
import { answerTextTotals, textRates, type TextRates } from "../metrics/text-rates.ts";
import { storedRecord, type StoredRecord } from "../experiment/recorded-schema.ts";
import { storedPerEndpoint, storedPerWorker, type EndpointStats, type WorkerStats } from "../metrics/workers.ts";
import { histogram, type HistogramBin } from "../metrics/histogram.ts";
import { storedLatencyWithQuantiles, type QuantilePoint } from "../metrics/latency.ts";
import { runEnergy, type RunEnergy } from "../metrics/energy.ts";
import { outcomeCounts, type OutcomeCount } from "../metrics/outcomes.ts";
import { peaks, type PeakFigures } from "../metrics/peaks.ts";
import { successAccounting, type SuccessAccounting } from "../metrics/success.ts";
import { usageCheck, type UsageCheck } from "../metrics/usage.ts";
import { serverLatency, type ServerLatency } from "../metrics/server-latency.ts";
import { serverMetricSeries, storedSeries, type ServerMetricBin, type TimeBin } from "../metrics/series.ts";
import { storedSteadyState, type SteadyState } from "../metrics/steady-state.ts";
import { storedRunTotals, storedSummary } from "../metrics/summary.ts";
import { answerSample, type SampleRow } from "../store/columns.ts";
import type { RunFolder } from "../store/folders.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";
import { digestMemoName as memoName, memoDir, memoExists, memoised } from "../site/cache.ts";

const HISTOGRAM_BINS = 30;
/** Answers an experiment page shows (paged in the browser). */
export const ANSWER_SAMPLE = 200;
/** Bootstrap replicates of the projection intervals (fewer than the default 1000 to keep a 50K-row run near a second; the Methods page says so). */
export const BOOTSTRAP_REPLICATES = 200;
/** CDF points: the p-th percentile for p = 0, 2, …, 100. */
const CDF_PERCENTILES = Array.from({ length: 51 }, (_, i) => 2 * i);

export type CdfPoint = QuantilePoint;

export interface RunDigest {
  experimentId: string;
  runId: string;
  source: Manifest["source"];
  status: Manifest["status"];
  reason: string | null;
  model: string;
  startedAt: string;
  finishedAt: string | null;
  /** Concurrency of this run: the sweep level, else the spec's single concurrency (null for open-loop loads). */
  concurrency: number | null;
  /** Level of a concurrency sweep: the run's value on a grid's `concurrency` axis (a sweep stored before grids: its group.level); null otherwise. */
  level: number | null;
  /** The grid cell the run measured (experiment/cells.ts), null for an experiment without a grid. */
  cell: { key: string; axes: CellAxes } | null;
  repeat: number;
  counts: Manifest["counts"];
  /** requests.parquet is there (false for runs that never finished and recorded runs imported without rows). */
  hasRows: boolean;
  /**
   * The run's summary (metrics/summary.ts), or for a recorded run its aggregates in the same
   * shape with null for what was not recorded (metrics/recorded.ts); null for a run without rows
   * or record (failed before any request was stored).
   */
  summary: PartialSummary | null;
  /** The rate the run is judged at (metrics/rate.ts); null without a positive rate. */
  rate: JudgedRate | null;
  steady: SteadyState | null;
  series: TimeBin[];
  serverSeries: ServerMetricBin[];
  /** The server's view of latency from its /metrics histograms (metrics/server-latency.ts); null when none was scraped. */
  serverLatency: ServerLatency | null;
  histograms: Record<"prompt_tokens" | "completion_tokens" | "ttft_ms" | "e2e_ms", HistogramBin[]> | null;
  cdf: Record<"ttftMs" | "tpotMs" | "e2elMs", CdfPoint[]> | null;
  outcomes: OutcomeCount[];
  /** Peak output tokens/s and peak concurrent requests, as vllm bench serve computes them (metrics/peaks.ts); null without rows. */
  peaks: PeakFigures | null;
  /** Successful requests by the tracker's rules and as vllm bench serve counts them (metrics/success.ts); null without rows. */
  success: SuccessAccounting | null;
  /** Requests whose usage.total_tokens is not prompt + completion tokens (metrics/usage.ts); null without rows. */
  usage: UsageCheck | null;
  /** Time for 1K…1M requests with prediction intervals (data-loaders/analysis/extrapolate.ts). */
  projections: Projection[];
  /** What projections to other counts are computed from (backtests); null without a rate or rows. */
  projectionSample: ProjectionSample | null;
  /** Per-worker statistics (data-loaders/metrics/workers.ts). */
  workers: WorkerStats[];
  /** Per-endpoint statistics when the run spread its requests over several replicas (else empty). */
  endpoints: EndpointStats[];
  /** Answer quality (data-loaders/analysis/quality-summary.ts); null without rows. */
  quality: QualitySummary | null;
  /** Accuracy against the truth, checks and judge (analysis/run-quality.ts); null before the run is scored. */
  scores: RunQuality | null;
  /** Runs with equal prompt hashes sent the same prompts: only those are paired by prompt. */
  promptHash: string;
  /** The benchmark tool that measured a recorded run (`tracker import`), null for the tracker's own runs. */
  tool: string | null;
  /** Answers, characters and words per second (metrics/text-rates.ts); null without a summary. */
  text: TextRates | null;
  /**
   * A recorded run's record as its manifest keeps it (experiment/recorded.ts): sources, stated
   * figures, workers, samples, settings, progress, estimates; null for other runs.
   */
  record: StoredRecord | null;
  /** GPU energy over the run from nvidia-smi's power samples (metrics/energy.ts); absent or null without them. */
  energy?: RunEnergy | null;
}

/** The digest of a run, from the memo when its files and the code are unchanged. */
export async function runDigest(run: RunFolder): Promise<RunDigest> {
  return memoised(memoName(run, MEMO.digest), () => computeDigest(run));
}

/** Whether `warmRun` has nothing left to compute for this run (memo folder `dir`, default memoDir()). */
export function isWarm(run: RunFolder, dir = memoDir()): boolean {
  const stem = memoName(run, "");
  const kinds = run.requestsPath ? Object.values(MEMO) : [MEMO.digest];
  return kinds.every((kind) => memoExists(stem + kind, dir));
}

/** The digest, per-prompt rows and answer sample of a run, all memoised (what `tracker build` computes for every run before the loaders need it). */
export async function warmRun(run: RunFolder): Promise<void> {
  if (isWarm(run)) return;
  await runDigest(run);
  await promptRows(run);
  await runAnswers(run);
}

export const PROMPT_COLUMNS = [
  "prompt_id",
  "request_index",
  "status",
  "ttft_ms",
  "e2e_ms",
  "prompt_tokens",
  "completion_tokens",
  "finish_reason",
  "answer",
  "schema_valid",
] as const;
type PromptColumn = (typeof PROMPT_COLUMNS)[number];
export type PromptRow = Pick<RequestRow, PromptColumn>;

/**
 * One row per prompt (`rowPerPrompt` in analysis/by-prompt.ts: its first successful request, else
 * its first), which is all that pairing by prompt (paired differences, agreement, cascades) reads:
 * as many rows as the experiment has prompts, however many requests the run sent. Memoised like
 * the digest. Empty without requests.parquet.
 */
export async function promptRows(run: RunFolder): Promise<PromptRow[]> {
  const path = run.requestsPath;
  if (!path) return [];
  return memoised(memoName(run, MEMO.prompts), () => storedPromptRows(path, PROMPT_COLUMNS));
}

/** The first `ANSWER_SAMPLE` requests with their answers (as stored: publishing is the loader's job), memoised like the digest. */
export async function runAnswers(run: RunFolder): Promise<SampleRow[]> {
  const path = run.requestsPath;
  if (!path) return [];
  return memoised(memoName(run, MEMO.answers), () => answerSample(path, ANSWER_SAMPLE));
}

/** What the memo holds per run: each entry's name ends `<run id>.<key><kind>`. */
const MEMO = { digest: ".json", prompts: ".prompts.json", answers: ".answers.json" } as const;

export function serverMetricsPath(run: RunFolder): string | null {
  const path = join(run.path, "server-metrics.parquet");
  return existsSync(path) ? path : null;
}

/**
 * The run's concurrency: its sweep level, else `spec.load.concurrency` when it is one number, else
 * a recorded run's concurrency (an imported run with rows then gets a steady state and projections).
 */
export function runConcurrency(manifest: Manifest): number | null {
  if (typeof manifest.group?.level === "number") return manifest.group.level;
  const load = manifest.spec.load as { concurrency?: unknown } | undefined;
  if (typeof load?.concurrency === "number") return load.concurrency;
  return manifest.recorded?.concurrency ?? null;
}

/** The digest of a run: every figure from its requests.parquet in DuckDB (a recorded run without one: its aggregates). */
async function computeDigest(run: RunFolder): Promise<RunDigest> {
  const path = run.requestsPath;
  if (!path) return digestWithoutRows(run);
  const base = digestBase(run);
  const { concurrency } = base;
  const totals = await storedRunTotals(path);
  const { latency, quantiles } = await storedLatencyWithQuantiles(path, CDF_PERCENTILES);
  const loadStartMs = run.manifest.load_started_ms ?? null;
  const summary = await storedSummary(path, totals, { loadStartMs, latency });
  const steady = concurrency === null ? null : await storedSteadyState(path, concurrency);
  const rate = judgedRate({ steady, requestThroughput: summary.requestThroughput });
  const { binMs, bins } = await storedSeries(path);
  const metricsPath = serverMetricsPath(run);
  const sample =
    concurrency === null ? null : await storedProjectionSample(path, run.runId, { ...summary, ...totals, steady });
  return {
    ...base,
    hasRows: true,
    summary,
    rate,
    steady,
    series: bins,
    serverSeries: metricsPath ? await serverMetricSeries(metricsPath, binMs) : [],
    serverLatency: metricsPath ? await serverLatency(metricsPath) : null,
    energy: await runEnergy(path, metricsPath),
    histograms: {
      prompt_tokens: await histogram(path, "prompt_tokens", HISTOGRAM_BINS),
      completion_tokens: await histogram(path, "completion_tokens", HISTOGRAM_BINS),
      ttft_ms: await histogram(path, "ttft_ms", HISTOGRAM_BINS),
      e2e_ms: await histogram(path, "e2e_ms", HISTOGRAM_BINS),
    },
    cdf: quantiles,
    text: textRates(await answerTextTotals(path), summary.durationS),
    outcomes: await outcomeCounts(path),
    peaks: await peaks(path),
    success: await successAccounting(path),
    usage: await usageCheck(path),
    workers: await storedPerWorker(path),
    endpoints: totals.endpoints > 1 ? await storedPerEndpoint(path) : [],
    quality: await storedQualitySummary(path, { requestThroughput: rate?.requestThroughput ?? null }),
    scores: await runQuality(run.path),
    projections: sample ? project(sample, { replicates: BOOTSTRAP_REPLICATES }) : [],
    projectionSample: sample,
  };
}

/** What every digest holds about its run, from the manifest. */
function digestBase(run: RunFolder) {
  const m = run.manifest;
  const cell = storedCell(m);
  return {
    experimentId: run.experimentId,
    runId: run.runId,
    source: m.source,
    status: m.status,
    reason: m.reason,
    model: m.server.model,
    startedAt: m.started_at,
    finishedAt: m.finished_at,
    concurrency: runConcurrency(m),
    level: typeof cell.axes.concurrency === "number" ? cell.axes.concurrency : null,
    cell: cell.key ? { key: cell.key, axes: cell.axes } : null,
    repeat: m.group?.repeat ?? 0,
    counts: m.counts,
    promptHash: m.prompt_hash,
    tool: m.recorded?.tool ?? null,
    record: m.source === "recorded" ? storedRecord(m.spec) : null,
  };
}

/**
 * The digest of a run without requests.parquet: a recorded run's summary, rate and projections
 * come from its aggregates (the same fields a measured run fills, null where nothing was
 * recorded); any other such run (failed before a request was stored) has none.
 */
function digestWithoutRows(run: RunFolder): RunDigest {
  const recorded = run.manifest.recorded;
  const summary = recorded ? recordedSummary(recorded) : null;
  const rate = summary && judgedRate({ steady: null, requestThroughput: summary.requestThroughput, recorded: true });
  const base = digestBase(run);
  const f = base.record?.figures;
  return {
    ...base,
    text: recorded
      ? textRates(recordedTextTotals(recorded, f?.answerChars ?? null, f?.answerWords ?? null), recorded.duration_s)
      : null,
    hasRows: false,
    summary,
    rate,
    steady: null,
    series: [],
    serverSeries: [],
    serverLatency: null,
    histograms: null,
    cdf: null,
    outcomes: [],
    peaks: null,
    success: null,
    usage: null,
    projections: rate ? projectAtRate(run.runId, rate) : [],
    projectionSample: null,
    quality: null,
    scores: null,
    workers: [],
    endpoints: [],
  };
}
