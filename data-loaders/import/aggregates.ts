// The figures an export writes about a run, computed with the project's formulas in DuckDB over
// the run's Parquet, as the digest computes them (metrics/summary.ts `storedSummary`,
// metrics/latency.ts `storedLatencyWithQuantiles`, metrics/peaks.ts): no row of the run is held in
// JavaScript. A recorded run without rows has only its recorded aggregates.
import { storedLatencyWithQuantiles, type QuantilePoint } from "../metrics/latency.ts";
import { peaks, type PeakFigures } from "../metrics/peaks.ts";
import { storedSummary, type RunSummary } from "../metrics/summary.ts";
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
  const { latency, quantiles } = await storedLatencyWithQuantiles(path, EXTRA_PERCENTILES);
  const loadStartMs = run.manifest.load_started_ms ?? null;
  const summary = await storedSummary(path, undefined, { loadStartMs, latency });
  return { manifest: run.manifest, summary, quantiles, peaks: await peaks(path) };
}
