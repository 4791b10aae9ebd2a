// The figures an export writes about a run, computed with the project's formulas: `summarizeRun`
// (metrics/summary.ts) over the run's rows as the digest reads them, the inter-token-latency
// distribution and extra latency percentiles in DuckDB (metrics/sql.ts, through the store). A
// recorded run without rows has only its recorded aggregates.
import { summarizeRun, type RunSummary } from "../metrics/summary.ts";
import { METRIC_COLUMNS, readRows } from "../store/columns.ts";
import { itlDistribution, latencyQuantiles, type QuantilePoint } from "../metrics/latency.ts";
import { peaks, type PeakFigures } from "../metrics/peaks.ts";
import { type RunFolder } from "../store/folders.ts";
import type { Manifest } from "../store/schemas/manifest.ts";

/** Percentiles the exports give beyond p50/p90/p95/p99 (llm-d's Statistics: p0p1 … p99p9). */
export const EXTRA_PERCENTILES = [0.1, 1, 5, 10, 25, 75, 99.9] as const;

export interface RunAggregates {
  manifest: Manifest;
  /** From the rows (null for a recorded run without rows). */
  summary: RunSummary | null;
  /** EXTRA_PERCENTILES of TTFT, TPOT and E2EL (empty lists without rows). */
  quantiles: Record<"ttftMs" | "tpotMs" | "e2elMs", QuantilePoint[]>;
  /** Peak output tokens/s and peak concurrent requests (null without rows). */
  peaks: PeakFigures | null;
}

export async function runAggregates(run: RunFolder): Promise<RunAggregates> {
  const path = run.requestsPath;
  if (!path)
    return { manifest: run.manifest, summary: null, quantiles: { ttftMs: [], tpotMs: [], e2elMs: [] }, peaks: null };
  const rows = await readRows(
    path,
    METRIC_COLUMNS.filter((c) => c !== "itl_ms"),
  );
  // The gaps stay in DuckDB (a run holds millions): the ITL distribution is computed there.
  const loadStartMs = run.manifest.load_started_ms ?? null;
  const summary = {
    ...summarizeRun(
      rows.map((r) => Object.assign(r, { itl_ms: null })),
      { loadStartMs },
    ),
    itlMs: await itlDistribution(path),
  };
  const quantiles = await latencyQuantiles(path, EXTRA_PERCENTILES);
  return { manifest: run.manifest, summary, quantiles, peaks: await peaks(path) };
}
