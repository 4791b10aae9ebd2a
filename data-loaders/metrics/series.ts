// Time series of a run, in fixed bins of binMs from run start (0), for the over-time charts:
//   bin width  = the first of 100 ms, 250 ms, 500 ms, 1 s, 2 s, 5 s, 10 s, 15 s, 30 s, 1 min,
//                2 min, 5 min, 10 min with last completion / width ≤ 60 (about 60 bins), else
//                1 hour (`seriesBinMs`);
//   client     = per bin, completed and failed requests (by done_ms), output tokens per second
//                (each successful request's tokens spread evenly over first_event_ms..done_ms)
//                and the time-averaged number of requests in flight (`timeSeries`);
//   server     = per bin and gauge of the server's /metrics (KV-cache usage, requests running
//                and waiting), the mean over the bin's scrapes of the total over endpoints
//                (replicas) and label sets (`serverSeriesBins`; for a stored run in DuckDB with
//                `serverSeriesSql` in sql.ts, the same definition).
// `seriesBinMs` and `timeSeries` work on rows in memory; `storedSeries` gives both for a stored
// run, computed in DuckDB (sql.ts `lastTimeSql`, `seriesBinsSql`) with the same definitions.
import { rollup, sum } from "d3";
import { query } from "../store/duckdb.ts";
import type { ServerMetricRow } from "../store/schemas/server-metric.ts";
import { lastTimeSql, serverSeriesSql, seriesBinsSql } from "./sql.ts";
import type { MetricRow } from "./types.ts";

/** Bins the over-time charts aim for. */
const SERIES_BINS = 60;
const BIN_STEPS_MS = [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000];

/** A round bin width giving about `SERIES_BINS` bins up to the run's last completion. */
export function seriesBinMs(rows: readonly { done_ms: number | null }[]): number {
  return binWidthFor(rows.reduce((max, r) => Math.max(max, r.done_ms ?? 0), 0));
}

function binWidthFor(lastDoneMs: number): number {
  return BIN_STEPS_MS.find((s) => lastDoneMs / s <= SERIES_BINS) ?? 3_600_000;
}

export type SeriesRow = Pick<MetricRow, "status" | "sent_ms" | "first_event_ms" | "done_ms" | "completion_tokens">;

export interface TimeBin {
  /** Bin covers [startMs, endMs). */
  startMs: number;
  endMs: number;
  /** Successful / failed requests with done_ms in the bin. */
  completed: number;
  failed: number;
  /** Output tokens generated in the bin per second (see `timeSeries`). */
  outputTokensPerS: number;
  /** Time-averaged number of requests in flight (sent_ms..done_ms) during the bin. */
  inFlight: number;
}

/**
 * Fixed bins of binMs from run start (0) to the bin holding the last time.
 * Output tokens of a successful request are spread evenly over its first_event_ms..done_ms span
 * (proportionally to the overlap with each bin), so the chart shows when tokens were streamed
 * rather than spikes at completions; a request without first_event_ms, or with a zero span, puts
 * all its tokens in the bin of done_ms. Rows with null completion_tokens add no tokens.
 * Bins together hold every counted token: Σ outputTokensPerS·binMs/1000 = Σ completion_tokens.
 */
export function timeSeries(rows: readonly SeriesRow[], binMs: number): TimeBin[] {
  if (!(binMs > 0)) throw new RangeError(`binMs must be positive, got ${binMs}`);
  let lastMs = -Infinity;
  for (const r of rows) lastMs = Math.max(lastMs, r.sent_ms ?? -Infinity, r.done_ms ?? -Infinity);
  if (lastMs < 0) return [];
  const bins: TimeBin[] = [];
  for (let i = 0; i <= Math.floor(lastMs / binMs); i++) {
    bins.push({
      startMs: i * binMs,
      endMs: (i + 1) * binMs,
      completed: 0,
      failed: 0,
      outputTokensPerS: 0,
      inFlight: 0,
    });
  }
  const binOf = (t: number) => bins[Math.min(Math.max(Math.floor(t / binMs), 0), bins.length - 1)]!;

  /** Adds amount·(overlap of [from, to] with the bin)/(to − from) to each bin via `add`. */
  const spread = (from: number, to: number, amount: number, add: (bin: TimeBin, share: number) => void) => {
    if (to <= from) return add(binOf(to), amount);
    for (let i = Math.max(Math.floor(from / binMs), 0); i < bins.length && i * binMs < to; i++) {
      const overlap = Math.min(to, (i + 1) * binMs) - Math.max(from, i * binMs);
      if (overlap > 0) add(bins[i]!, (amount * overlap) / (to - from));
    }
  };

  for (const r of rows) {
    if (r.done_ms !== null) binOf(r.done_ms)[r.status === "ok" ? "completed" : "failed"] += 1;
    if (r.sent_ms !== null && r.done_ms !== null) {
      spread(r.sent_ms, r.done_ms, (r.done_ms - r.sent_ms) / binMs, (bin, share) => (bin.inFlight += share));
    }
    if (r.status === "ok" && r.done_ms !== null && r.completion_tokens !== null) {
      const perS = r.completion_tokens / (binMs / 1000);
      spread(r.first_event_ms ?? r.done_ms, r.done_ms, perS, (bin, share) => (bin.outputTokensPerS += share));
    }
  }
  return bins;
}

/** `seriesBinMs` and `timeSeries` of a stored run's measured rows, computed in DuckDB. */
export async function storedSeries(requestsPath: string): Promise<{ binMs: number; bins: TimeBin[] }> {
  const [last] = await query(lastTimeSql("measured"), { path: requestsPath });
  const binMs = binWidthFor(Math.max(0, (last?.lastDoneMs as number | null) ?? 0));
  const lastMs = (last?.lastMs as number | null) ?? -Infinity;
  if (lastMs < 0) return { binMs, bins: [] };
  const count = Math.floor(lastMs / binMs) + 1;
  const bins: TimeBin[] = Array.from({ length: count }, (_, i) => ({
    startMs: i * binMs,
    endMs: (i + 1) * binMs,
    completed: 0,
    failed: 0,
    outputTokensPerS: 0,
    inFlight: 0,
  }));
  for (const r of await query(seriesBinsSql("measured"), { path: requestsPath, bin: binMs, bins: count })) {
    const bin = bins[r.bin as number]!;
    bin.completed = r.completed as number;
    bin.failed = r.failed as number;
    bin.inFlight = r.inFlight as number;
    bin.outputTokensPerS = r.outputTokensPerS as number;
  }
  return { binMs, bins };
}

/** Server gauges charted next to the client's tokens/s (old and new vLLM names). */
const SERVER_GAUGES = [
  "vllm:kv_cache_usage_perc",
  "vllm:gpu_cache_usage_perc",
  "vllm:num_requests_running",
  "vllm:num_requests_waiting",
] as const;

export interface ServerMetricBin {
  metric: string;
  startMs: number;
  /** Mean of the samples in the bin, summed over endpoints (replicas) and label sets. */
  value: number;
}

export type ServerSample = Pick<ServerMetricRow, "metric" | "t_ms" | "value">;

/** The server series of samples in memory, by metric then bin start. */
export function serverSeriesBins(samples: readonly ServerSample[], binMs: number): ServerMetricBin[] {
  const gauges = new Set<string>(SERVER_GAUGES);
  const perScrape = rollup(
    samples.filter((s) => gauges.has(s.metric)),
    (group) => sum(group, (s) => s.value),
    (s) => s.metric,
    (s) => s.t_ms,
  );
  const out: ServerMetricBin[] = [];
  for (const [metric, byTime] of perScrape) {
    const perBin = rollup(
      [...byTime],
      (group) => sum(group, ([, total]) => total) / group.length,
      ([t]) => Math.floor(t / binMs) * binMs,
    );
    for (const [startMs, value] of perBin) out.push({ metric, startMs, value });
  }
  return out.sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : a.startMs - b.startMs));
}

/** The server series of a run's `server-metrics.parquet` (DuckDB), by metric then bin start. */
export async function serverMetricSeries(serverMetricsPath: string, binMs: number): Promise<ServerMetricBin[]> {
  const rows = await query(serverSeriesSql(SERVER_GAUGES), { path: serverMetricsPath, bin: binMs });
  return rows as unknown as ServerMetricBin[];
}
