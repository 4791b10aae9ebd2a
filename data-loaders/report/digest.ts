// The digest of one run: every aggregate the pages show about it, computed once from its
// requests.parquet with the formulas in data-loaders/metrics/ and kept on disk, so the loaders of
// several pages (overview, compare, projections, the experiment page) read each 50K-row run once
// per build. The memo key covers the run's files and the code that computes the digest.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { extrapolate, extrapolateRecorded, type Projection } from "../analysis/extrapolate.ts";
import { rowPerPrompt } from "../analysis/pairs.ts";
import { qualitySummary, type QualitySummary } from "../analysis/quality-summary.ts";
import { perEndpoint, perWorker, type EndpointStats, type WorkerStats } from "../metrics/workers.ts";
import { steadyState, timeSeries, type SteadyState, type TimeBin } from "../metrics/steady-state.ts";
import { summarizeRun, type RunSummary } from "../metrics/summary.ts";
import {
  METRIC_COLUMNS,
  answerSample,
  histogram,
  itlDistribution,
  latencyQuantiles,
  outcomeCounts,
  readRows,
  serverMetricSeries,
  type HistogramBin,
  type OutcomeCount,
  type QuantilePoint,
  type RunFolder,
  type SampleRow,
  type ServerMetricBin,
} from "../store/catalog.ts";
import type { Manifest, RequestRow } from "../store/rows.ts";
import { memoDir, memoExists, memoised } from "./memo.ts";

const HISTOGRAM_BINS = 30;
/** Answers an experiment page shows (paged in the browser). */
export const ANSWER_SAMPLE = 200;
/** Bootstrap replicates of the projection intervals (fewer than the default 1000 to keep a 50K-row run near a second; the Methods page says so). */
export const BOOTSTRAP_REPLICATES = 200;
const SERIES_BINS = 60;
/** CDF points: the p-th percentile for p = 0, 2, …, 100. */
const CDF_PERCENTILES = Array.from({ length: 51 }, (_, i) => 2 * i);
const PROJECT = resolve(import.meta.dirname, "../..");
const CODE = [
  "data-loaders/metrics",
  "data-loaders/analysis",
  "data-loaders/store/catalog.ts",
  "data-loaders/report/digest.ts",
];

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
  summary: RunSummary | null;
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
  /** Aggregates of a recorded run (manifest `recorded`), null otherwise. */
  recorded: Manifest["recorded"] | null;
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
 * One row per prompt (`rowPerPrompt` in analysis/pairs.ts: its first successful request, else its
 * first), which is all that pairing by prompt (paired differences, agreement, cascades) reads.
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

/**
 * The run's stored files as `path:size:mtime` lines: what a cached derivative of the run (memo
 * entries, downloads) depends on. The runner writes each file once and renames it into place, so
 * a changed file always has a new size or time.
 */
export function runFilesKey(run: RunFolder): string {
  return [join(run.path, "manifest.json"), run.requestsPath, serverMetricsPath(run)]
    .filter((p): p is string => p !== null && existsSync(p))
    .map((p) => {
      const { size, mtimeMs } = statSync(p);
      return `${p}:${size}:${mtimeMs}`;
    })
    .join("\n");
}

/** The first `ANSWER_SAMPLE` requests with their answers (as stored: publishing is the loader's job), memoised like the digest. */
export async function runAnswers(run: RunFolder): Promise<SampleRow[]> {
  const path = run.requestsPath;
  if (!path) return [];
  return memoised(memoName(run, MEMO.answers), () => answerSample(path, ANSWER_SAMPLE));
}

/** What the memo holds per run: each entry's name ends `<run id>.<key><kind>`. */
const MEMO = { digest: ".json", prompts: ".prompts.json", answers: ".answers.json" } as const;

let codeHash: string | null = null;
/** The memo entry of `kind` for the run, keyed by the run's files and the code that computes it. */
function memoName(run: RunFolder, kind: string): string {
  codeHash ??= hashFiles(CODE.map((p) => join(PROJECT, p)));
  const key = createHash("sha256").update(codeHash).update(runFilesKey(run)).digest("hex").slice(0, 16);
  return join(run.experimentId, `${run.runId}.${key}${kind}`);
}

export function hashFiles(paths: string[]): string {
  const hash = createHash("sha256");
  const visit = (p: string) => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) for (const name of readdirSync(p).sort()) visit(join(p, name));
    else hash.update(p).update(readFileSync(p));
  };
  paths.forEach(visit);
  return hash.digest("hex");
}

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
  const m = run.manifest;
  const concurrency = runConcurrency(m);
  const base = {
    experimentId: run.experimentId,
    runId: run.runId,
    source: m.source,
    status: m.status,
    reason: m.reason,
    model: m.server.model,
    startedAt: m.started_at,
    finishedAt: m.finished_at,
    concurrency,
    level: m.group?.level ?? null,
    repeat: m.group?.repeat ?? 0,
    counts: m.counts,
    recorded: m.recorded ?? null,
    promptHash: m.prompt_hash,
  };
  const path = run.requestsPath;
  if (!path) {
    const projections = m.recorded ? extrapolateRecorded(run.runId, m.recorded) : [];
    return {
      ...base,
      hasRows: false,
      summary: null,
      steady: null,
      series: [],
      serverSeries: [],
      histograms: null,
      cdf: null,
      outcomes: [],
      projections,
      quality: null,
      workers: [],
      endpoints: [],
    };
  }
  // itl_ms stays in DuckDB: the ITL distribution is computed there (itlDistribution), and every
  // other figure of summarizeRun from the rows without it.
  const rows = stored as (Pick<RequestRow, DigestColumn> & { itl_ms: null })[];
  // Added in place: a spread copy ({ ...r, itl_ms }) of this many fields makes V8 keep the rows as
  // slow dictionaries, and every formula below ten times slower.
  for (const r of rows) r.itl_ms = null;
  const summary = { ...summarizeRun(rows), itlMs: await itlDistribution(path) };
  const steady = concurrency === null ? null : steadyState(rows, concurrency);
  const bin = binMs(rows);
  const metricsPath = serverMetricsPath(run);
  return {
    ...base,
    hasRows: true,
    summary,
    steady,
    series: timeSeries(rows, bin),
    serverSeries: metricsPath ? await serverMetricSeries(metricsPath, bin) : [],
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
    quality: qualitySummary(rows, { requestThroughput: steady?.requestThroughput ?? summary.requestThroughput }),
    projections:
      concurrency === null
        ? []
        : extrapolate({ runId: run.runId, rows, concurrency }, { replicates: BOOTSTRAP_REPLICATES }),
  };
}

/** A round bin width giving about SERIES_BINS bins over the run. */
function binMs(rows: readonly { done_ms: number | null }[]): number {
  const lastMs = rows.reduce((max, r) => Math.max(max, r.done_ms ?? 0), 0);
  const steps = [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000];
  return steps.find((s) => lastMs / s <= SERIES_BINS) ?? 3_600_000;
}
