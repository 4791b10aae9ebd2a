// Run-level summary: the figures shown on the site and printed by the CLI.
// Every formula lives in metrics/*.ts; this module only assembles them. `summarizeRun` does it
// over rows in memory, `storedSummary` over a stored run in DuckDB (sql.ts `runTotalsSql` and the
// stored latency distributions), with the same definitions.
import { query } from "../store/duckdb.ts";
import { latency, storedLatency, type LatencyStats } from "./latency.ts";
import { runTotalsSql } from "./sql.ts";
import { mean } from "./stats.ts";
import { perSecond, throughput, type Throughput } from "./throughput.ts";
import type { Distribution, MetricRow } from "./types.ts";

export interface RunSummary {
  requests: number;
  completed: number;
  failed: number;
  /** completed / requests (0..1). */
  successRate: number;
  /** First send → last completion, seconds. */
  durationS: number;
  requestThroughput: number;
  outputThroughput: number;
  totalTokenThroughput: number;
  totalInputTokens: number;
  totalOutputTokens: number;
  /** Successful requests without server usage (null prompt or completion tokens): left out of the token sums. */
  missingUsage: number;
  meanPromptTokens: number | null;
  meanCompletionTokens: number | null;
  /** meanCompletionTokens / meanPromptTokens. */
  outputInputRatio: number | null;
  ttftMs: Distribution;
  tpotMs: Distribution;
  itlMs: Distribution;
  e2elMs: Distribution;
}

/**
 * Summary of one run. Throughput and token figures follow vLLM bench serve (successful requests
 * over first send → last completion, or from `loadStartMs`, the origin of an open loop's schedule);
 * latency distributions use successful requests only.
 * With no timed rows the duration and throughputs are 0 and the success rate is 0.
 * Token means are over successful requests whose server reported that count.
 */
export function summarizeRun(rows: Iterable<MetricRow>, opts: { loadStartMs?: number | null } = {}): RunSummary {
  const all = [...rows];
  const ok = all.filter((r) => r.status === "ok");
  const t = throughput(all, opts.loadStartMs ?? null);
  const meanPromptTokens = mean(ok.flatMap((r) => (r.prompt_tokens === null ? [] : [r.prompt_tokens])));
  const meanCompletionTokens = mean(ok.flatMap((r) => (r.completion_tokens === null ? [] : [r.completion_tokens])));
  return assemble(all.length, t, { meanPromptTokens, meanCompletionTokens }, latency(all));
}

/** The totals of a stored run's measured rows (sql.ts `runTotalsSql`). */
export async function storedRunTotals(requestsPath: string): Promise<StoredTotals> {
  const [t] = (await query(runTotalsSql("measured"), { path: requestsPath })) as unknown as StoredTotals[];
  return t!;
}

/**
 * `summarizeRun` of a stored run's measured rows (warm-up left out), computed in DuckDB; `totals`
 * and `opts.latency` when the caller has them already (report/digest.ts computes the latencies
 * with its CDF percentiles).
 */
export async function storedSummary(
  requestsPath: string,
  totals?: StoredTotals,
  opts: { loadStartMs?: number | null; latency?: LatencyStats } = {},
): Promise<RunSummary> {
  const t = totals ?? (await storedRunTotals(requestsPath));
  const first = Math.min(opts.loadStartMs ?? Infinity, t.firstSendMs ?? Infinity);
  const last = t.lastDoneMs ?? -Infinity;
  const durationS = last > first ? (last - first) / 1000 : 0;
  const rates: Throughput = {
    durationS,
    completed: t.completed,
    totalInputTokens: t.totalInputTokens,
    totalOutputTokens: t.totalOutputTokens,
    missingUsage: t.missingUsage,
    requestThroughput: perSecond(t.completed, durationS),
    outputThroughput: perSecond(t.totalOutputTokens, durationS),
    totalTokenThroughput: perSecond(t.totalInputTokens + t.totalOutputTokens, durationS),
  };
  return assemble(t.requests, rates, t!, opts.latency ?? (await storedLatency(requestsPath)));
}

/** The totals row of sql.ts `runTotalsSql`. */
export interface StoredTotals {
  requests: number;
  completed: number;
  totalInputTokens: number;
  totalOutputTokens: number;
  missingUsage: number;
  firstSendMs: number | null;
  lastDoneMs: number | null;
  meanPromptTokens: number | null;
  meanCompletionTokens: number | null;
  endpoints: number;
}

function assemble(
  requests: number,
  t: Throughput,
  means: { meanPromptTokens: number | null; meanCompletionTokens: number | null },
  lat: LatencyStats,
): RunSummary {
  const { meanPromptTokens, meanCompletionTokens } = means;
  return {
    requests,
    completed: t.completed,
    failed: requests - t.completed,
    successRate: requests === 0 ? 0 : t.completed / requests,
    durationS: t.durationS,
    requestThroughput: t.requestThroughput,
    outputThroughput: t.outputThroughput,
    totalTokenThroughput: t.totalTokenThroughput,
    totalInputTokens: t.totalInputTokens,
    totalOutputTokens: t.totalOutputTokens,
    missingUsage: t.missingUsage,
    meanPromptTokens,
    meanCompletionTokens,
    outputInputRatio:
      meanPromptTokens === null || meanCompletionTokens === null || meanPromptTokens === 0
        ? null
        : meanCompletionTokens / meanPromptTokens,
    ttftMs: lat.ttftMs,
    tpotMs: lat.tpotMs,
    itlMs: lat.itlMs,
    e2elMs: lat.e2elMs,
  };
}
