// The digest of one run: every aggregate the pages show about it, computed once from its
// requests.parquet with the formulas in data-loaders/metrics/ and kept on disk, so the loaders of
// several pages (overview, compare, projections, the experiment page) read each 50K-row run once
// per build. The memo key covers the run's files and this module's code with everything it imports
// (site/cache.ts).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { extrapolate, projectAtRate, type Projection } from "../analysis/extrapolate.ts";
import { rowPerPrompt } from "../analysis/by-prompt.ts";
import { qualitySummary, type QualitySummary } from "../analysis/quality-summary.ts";
import { judgedRate, type JudgedRate } from "../metrics/rate.ts";
import { recordedSummary, type PartialSummary } from "../metrics/recorded.ts";
import { perEndpoint, perWorker, type EndpointStats, type WorkerStats } from "../metrics/workers.ts";
import { histogram, type HistogramBin } from "../metrics/histogram.ts";
import { runEnergy, type RunEnergy } from "../metrics/energy.ts";
import { itlDistribution, latencyQuantiles, type QuantilePoint } from "../metrics/latency.ts";
import { outcomeCounts, type OutcomeCount } from "../metrics/outcomes.ts";
import { serverMetricSeries, seriesBinMs, timeSeries, type ServerMetricBin, type TimeBin } from "../metrics/series.ts";
import { steadyState, type SteadyState } from "../metrics/steady-state.ts";
import { summarizeRun } from "../metrics/summary.ts";
import { METRIC_COLUMNS, answerSample, readRows, type SampleRow } from "../store/columns.ts";
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
  /** Sweep level (manifest group.level), null when the experiment has one level. */
  level: number | null;
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
  histograms: Record<"prompt_tokens" | "completion_tokens" | "ttft_ms" | "e2e_ms", HistogramBin[]> | null;
  cdf: Record<"ttftMs" | "tpotMs" | "e2elMs", CdfPoint[]> | null;
  outcomes: OutcomeCount[];
  /** Time for 1K…1M requests with prediction intervals (data-loaders/analysis/extrapolate.ts). */
  projections: Projection[];
  /** Per-worker statistics (data-loaders/metrics/workers.ts). */
  workers: WorkerStats[];
  /** Per-endpoint statistics when the run spread its requests over several replicas (else empty). */
  endpoints: EndpointStats[];
  /** Answer quality (data-loaders/analysis/quality-summary.ts); null without rows. */
  quality: QualitySummary | null;
  /** Runs with equal prompt hashes sent the same prompts: only those are paired by prompt. */
  promptHash: string;
  /** The benchmark tool that measured a recorded run (`tracker import`), null for the tracker's own runs. */
  tool: string | null;
  /** GPU energy over the run from nvidia-smi's power samples (metrics/energy.ts); absent or null without them. */
  energy?: RunEnergy | null;
}

/** The digest of a run, from the memo when its files and the code are unchanged. */
export async function runDigest(run: RunFolder): Promise<RunDigest> {
  return memoised(memoName(run, MEMO.digest), async () =>
    computeDigest(run, run.requestsPath ? await readRows(run.requestsPath, DIGEST_COLUMNS) : []),
  );
}

/** Whether `warmRun` has nothing left to compute for this run (memo folder `dir`, default memoDir()). */
export function isWarm(run: RunFolder, dir = memoDir()): boolean {
  const stem = memoName(run, "");
  const kinds = run.requestsPath ? Object.values(MEMO) : [MEMO.digest];
  return kinds.every((kind) => memoExists(stem + kind, dir));
}

/**
 * The digest, per-prompt rows and answer sample of a run, all memoised, reading the rows once for
 * the first two (what `tracker build` computes for every run before the loaders need it).
 */
export async function warmRun(run: RunFolder): Promise<void> {
  if (isWarm(run)) return;
  const path = run.requestsPath;
  let rows: Promise<Pick<RequestRow, DigestColumn | PromptColumn>[]> | null = null;
  const read = () =>
    (rows ??= path ? readRows(path, [...new Set([...DIGEST_COLUMNS, ...PROMPT_COLUMNS])]) : Promise.resolve([]));
  await memoised(memoName(run, MEMO.digest), async () => computeDigest(run, await read()));
  if (!path) return;
  await memoised(memoName(run, MEMO.prompts), async () => promptRowsOf(await read()));
  await runAnswers(run);
}

/** Every column the digest reads, read once. */
const DIGEST_COLUMNS = [
  ...METRIC_COLUMNS.filter((c) => c !== "itl_ms"),
  "worker",
  "endpoint",
  "attempts",
  "json_valid",
  "schema_valid",
  "schema_errors",
  "finish_reason",
] as const;
type DigestColumn = (typeof DIGEST_COLUMNS)[number];

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
 * its first), which is all that pairing by prompt (paired differences, agreement, cascades) reads.
 * Memoised like the digest. Empty without requests.parquet.
 */
export async function promptRows(run: RunFolder): Promise<PromptRow[]> {
  const path = run.requestsPath;
  if (!path) return [];
  return memoised(memoName(run, MEMO.prompts), async () => promptRowsOf(await readRows(path, PROMPT_COLUMNS)));
}

function promptRowsOf(rows: readonly Pick<RequestRow, PromptColumn>[]): PromptRow[] {
  return [...rowPerPrompt(rows).values()].map(
    (r) => Object.fromEntries(PROMPT_COLUMNS.map((c) => [c, r[c]])) as PromptRow,
  );
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

/** The digest of a run from its rows (`DIGEST_COLUMNS`, in request order; none without requests.parquet). */
async function computeDigest(run: RunFolder, stored: Pick<RequestRow, DigestColumn>[]): Promise<RunDigest> {
  const path = run.requestsPath;
  if (!path) return digestWithoutRows(run);
  // itl_ms stays in DuckDB: the ITL distribution is computed there (itlDistribution), and every
  // other figure of summarizeRun from the rows without it.
  const rows = stored as (Pick<RequestRow, DigestColumn> & { itl_ms: null })[];
  // Added in place: a spread copy ({ ...r, itl_ms }) of this many fields makes V8 keep the rows as
  // slow dictionaries, and every formula below ten times slower.
  for (const r of rows) r.itl_ms = null;
  const base = digestBase(run);
  const { concurrency } = base;
  const summary = { ...summarizeRun(rows), itlMs: await itlDistribution(path) };
  const steady = concurrency === null ? null : steadyState(rows, concurrency);
  const rate = judgedRate({ steady, requestThroughput: summary.requestThroughput });
  const bin = seriesBinMs(rows);
  const metricsPath = serverMetricsPath(run);
  return {
    ...base,
    hasRows: true,
    summary,
    rate,
    steady,
    series: timeSeries(rows, bin),
    serverSeries: metricsPath ? await serverMetricSeries(metricsPath, bin) : [],
    energy: await runEnergy(path, metricsPath),
    histograms: {
      prompt_tokens: await histogram(path, "prompt_tokens", HISTOGRAM_BINS),
      completion_tokens: await histogram(path, "completion_tokens", HISTOGRAM_BINS),
      ttft_ms: await histogram(path, "ttft_ms", HISTOGRAM_BINS),
      e2e_ms: await histogram(path, "e2e_ms", HISTOGRAM_BINS),
    },
    cdf: await latencyQuantiles(path, CDF_PERCENTILES),
    outcomes: await outcomeCounts(path),
    workers: perWorker(rows),
    endpoints: new Set(rows.map((r) => r.endpoint)).size > 1 ? perEndpoint(rows) : [],
    quality: qualitySummary(rows, { requestThroughput: rate?.requestThroughput ?? null }),
    projections:
      concurrency === null
        ? []
        : extrapolate({ runId: run.runId, rows, concurrency }, { replicates: BOOTSTRAP_REPLICATES }),
  };
}

/** What every digest holds about its run, from the manifest. */
function digestBase(run: RunFolder) {
  const m = run.manifest;
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
    level: m.group?.level ?? null,
    repeat: m.group?.repeat ?? 0,
    counts: m.counts,
    promptHash: m.prompt_hash,
    tool: m.recorded?.tool ?? null,
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
  return {
    ...digestBase(run),
    hasRows: false,
    summary,
    rate,
    steady: null,
    series: [],
    serverSeries: [],
    histograms: null,
    cdf: null,
    outcomes: [],
    projections: rate ? projectAtRate(run.runId, rate) : [],
    quality: null,
    workers: [],
    endpoints: [],
  };
}
