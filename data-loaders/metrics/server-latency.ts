// The server's own view of latency, from the histograms its /metrics exposes (scraped into
// server-metrics.parquet, server/telemetry.ts): time to first token, inter-token latency and
// end-to-end latency, as vLLM measures them (from the request's arrival at the server, without
// the network, and inter-token gaps per engine step and token, not per SSE chunk).
//
//   increase  of each series (endpoint, metric, labels) over the run: the sum over consecutive
//             samples of v − prev, or v when the value fell (the server restarted and its
//             counters began again), the first sample being the baseline; then summed over
//             endpoints (replicas) and label sets, per metric and `le`
//   count     the increase of `<family>_count`; mean = increase of `_sum` ÷ count (s → ms)
//   quantile  Prometheus's histogram_quantile over the increased cumulative buckets: rank =
//             q · total (the +Inf bucket); the first bucket whose count reaches the rank holds it,
//             linearly interpolated between its lower bound (the previous `le`, 0 for the first)
//             and its `le`; a rank in the +Inf bucket gives the largest finite `le`
//
// Requests the run's warm-up sent are in the server's histograms too (it cannot tell them apart).
// The increases of a stored run are computed in DuckDB (`histogramIncreasesSql` in sql.ts), with
// `histogramIncreases` its JS twin; the quantiles of the ~20 buckets per family are computed here.
import { query } from "../store/duckdb.ts";
import type { ServerMetricRow } from "../store/schemas/server-metric.ts";
import { histogramIncreasesSql } from "./sql.ts";

/**
 * The histograms, under the names the telemetry stores them (server/telemetry.ts KEPT_HISTOGRAMS,
 * the old inter-token name already resolved); written out here so that the digest's code does not
 * depend on the scraper's, and a test holds the two lists equal.
 */
export const LATENCY_FAMILIES = {
  ttftMs: "vllm:time_to_first_token_seconds",
  itlMs: "vllm:inter_token_latency_seconds",
  e2elMs: "vllm:e2e_request_latency_seconds",
} as const;
const FAMILIES = LATENCY_FAMILIES;

/** Every sample name the increases are taken of. */
export const LATENCY_HISTOGRAM_METRICS = Object.values(FAMILIES).flatMap((f) => [
  `${f}_bucket`,
  `${f}_sum`,
  `${f}_count`,
]);

export interface HistogramIncrease {
  metric: string;
  /** The bucket's `le` as exposed ("0.5", "+Inf"); null for `_sum` and `_count`. */
  le: string | null;
  increase: number;
}

export interface ServerLatencyStats {
  /** Requests (TTFT, E2EL) or inter-token gaps (ITL) observed during the run. */
  count: number;
  meanMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
}

export type ServerLatency = Record<keyof typeof FAMILIES, ServerLatencyStats | null>;

type Sample = Pick<ServerMetricRow, "endpoint" | "metric" | "labels" | "t_ms" | "value">;

/** The increases of the latency histograms' series over the run (JS twin of histogramIncreasesSql). */
export function histogramIncreases(rows: readonly Sample[]): HistogramIncrease[] {
  const wanted = new Set(LATENCY_HISTOGRAM_METRICS);
  const series = new Map<string, Sample[]>();
  for (const r of rows) {
    if (!wanted.has(r.metric)) continue;
    const key = JSON.stringify([r.endpoint, r.metric, r.labels]);
    const list = series.get(key);
    if (list) list.push(r);
    else series.set(key, [r]);
  }
  const totals = new Map<string, HistogramIncrease>();
  for (const samples of series.values()) {
    samples.sort((a, b) => a.t_ms - b.t_ms);
    let increase = 0;
    for (let i = 1; i < samples.length; i++) {
      const [prev, v] = [samples[i - 1]!.value, samples[i]!.value];
      increase += v >= prev ? v - prev : v;
    }
    const { metric, labels } = samples[0]!;
    const le = (JSON.parse(labels) as Record<string, string>).le ?? null;
    const key = JSON.stringify([metric, le]);
    const total = totals.get(key) ?? { metric, le, increase: 0 };
    total.increase += increase;
    totals.set(key, total);
  }
  return [...totals.values()].sort((a, b) => (a.metric + (a.le ?? "")).localeCompare(b.metric + (b.le ?? "")));
}

const leValue = (le: string): number => (le === "+Inf" ? Infinity : Number(le));

/** Prometheus's histogram_quantile of cumulative buckets (see the header); null without observations. */
export function histogramQuantile(q: number, buckets: readonly { le: number; count: number }[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  let running = 0;
  const cumulative = sorted.map((b) => ({ le: b.le, count: (running = Math.max(running, b.count)) }));
  const total = cumulative.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  const i = cumulative.findIndex((b) => b.count >= rank);
  const bucket = cumulative[i]!;
  if (bucket.le === Infinity) return i > 0 ? cumulative[i - 1]!.le : null;
  const lower = i > 0 ? cumulative[i - 1]!.le : 0;
  const below = i > 0 ? cumulative[i - 1]!.count : 0;
  return lower + ((bucket.le - lower) * (rank - below)) / (bucket.count - below);
}

/** The three families' counts, means and quantiles (ms) from the increases; null for a family not scraped. */
export function serverLatencyFrom(increases: readonly HistogramIncrease[]): ServerLatency {
  const family = (name: string): ServerLatencyStats | null => {
    const of = (suffix: string) => increases.filter((r) => r.metric === name + suffix);
    const buckets = of("_bucket").map((r) => ({ le: leValue(r.le ?? ""), count: r.increase }));
    const count = of("_count")[0]?.increase;
    if (buckets.length === 0 || count === undefined) return null;
    const sum = of("_sum")[0]?.increase ?? null;
    const ms = (v: number | null) => (v === null ? null : v * 1000);
    return {
      count,
      meanMs: count > 0 && sum !== null ? ms(sum / count) : null,
      p50Ms: ms(histogramQuantile(0.5, buckets)),
      p90Ms: ms(histogramQuantile(0.9, buckets)),
      p99Ms: ms(histogramQuantile(0.99, buckets)),
    };
  };
  return { ttftMs: family(FAMILIES.ttftMs), itlMs: family(FAMILIES.itlMs), e2elMs: family(FAMILIES.e2elMs) };
}

/** The server's view of latency of a stored run (DuckDB over its server-metrics.parquet); null when no histogram was scraped. */
export async function serverLatency(serverMetricsPath: string): Promise<ServerLatency | null> {
  const rows = await query(histogramIncreasesSql(LATENCY_HISTOGRAM_METRICS), { path: serverMetricsPath });
  const latency = serverLatencyFrom(rows as unknown as HistogramIncrease[]);
  return Object.values(latency).some((f) => f !== null) ? latency : null;
}
