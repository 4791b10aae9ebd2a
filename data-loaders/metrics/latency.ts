// Per-request latency metrics, as defined by vLLM bench serve:
//   TTFT = first event with choices − send   (stored as ttft_ms)
//   E2EL = last event with choices − send    (stored as e2e_ms; the usage chunk and [DONE] come
//          after it and are not counted, as in vllm bench serve; without choices, end of body − send)
//   TPOT = (E2EL − TTFT) / (output tokens − 1), only for requests with more than 1 output token
//   ITL  = the flat concatenation of every request's gaps between events (per chunk, not per token)
// Failed requests never enter latency statistics; null values (unknown) are skipped.
// Over a stored run, the same distributions and the percentiles behind the CDF charts are
// computed in DuckDB (a run holds millions of gaps) with the SQL twins in sql.ts
// (`storedLatency`, `itlDistribution`, `latencyQuantiles`).
import { withScratchTable } from "../store/duckdb.ts";
import { itlValuesSql, latencyColumnSql } from "./sql.ts";
import { distribution, storedDistribution, storedDistributionWithPercentiles, storedPercentiles } from "./stats.ts";
import type { Distribution, MetricRow } from "./types.ts";

export type LatencyRow = Pick<MetricRow, "status" | "ttft_ms" | "e2e_ms" | "itl_ms" | "completion_tokens">;

export interface LatencyValues {
  ttftMs: number[];
  tpotMs: number[];
  itlMs: number[];
  e2elMs: number[];
}

export interface LatencyStats {
  ttftMs: Distribution;
  tpotMs: Distribution;
  itlMs: Distribution;
  e2elMs: Distribution;
}

/**
 * Time per output token excluding the first: (e2e_ms − ttft_ms) / (completion_tokens − 1).
 * Null unless completion_tokens > 1 and both latencies are known. The runner fills the
 * `tpot_ms` column with this, so the formula exists once.
 */
export function tpotMs(row: Pick<MetricRow, "ttft_ms" | "e2e_ms" | "completion_tokens">): number | null {
  if (row.completion_tokens === null || row.completion_tokens <= 1) return null;
  if (row.ttft_ms === null || row.e2e_ms === null) return null;
  return (row.e2e_ms - row.ttft_ms) / (row.completion_tokens - 1);
}

/**
 * The values each statistic is computed from, successful requests only. TPOT is recomputed with
 * `tpotMs` rather than read from the stored column, so it cannot drift from the formula.
 */
export function latencyValues(rows: Iterable<LatencyRow>): LatencyValues {
  const out: LatencyValues = { ttftMs: [], tpotMs: [], itlMs: [], e2elMs: [] };
  for (const row of rows) {
    if (row.status !== "ok") continue;
    if (row.ttft_ms !== null) out.ttftMs.push(row.ttft_ms);
    const tpot = tpotMs(row);
    if (tpot !== null) out.tpotMs.push(tpot);
    for (const gap of row.itl_ms ?? []) out.itlMs.push(gap);
    if (row.e2e_ms !== null) out.e2elMs.push(row.e2e_ms);
  }
  return out;
}

export function latency(rows: Iterable<LatencyRow>): LatencyStats {
  const values = latencyValues(rows);
  return {
    ttftMs: distribution(values.ttftMs),
    tpotMs: distribution(values.tpotMs),
    itlMs: distribution(values.itlMs),
    e2elMs: distribution(values.e2elMs),
  };
}

/** The latency distributions of a stored run's successful requests: `latency(rows)`, computed in DuckDB. */
export async function storedLatency(requestsPath: string): Promise<LatencyStats> {
  return (await storedLatencyWithQuantiles(requestsPath, [])).latency;
}

/**
 * `storedLatency` and `latencyQuantiles(requestsPath, ps)` at once: each latency's values are
 * counted once for the ranks of both.
 */
export async function storedLatencyWithQuantiles(
  requestsPath: string,
  ps: readonly number[],
): Promise<{ latency: LatencyStats; quantiles: LatencyQuantiles }> {
  const column = async (name: "ttft_ms" | "tpot_ms" | "e2e_ms") => {
    const { distribution, percentiles } = await storedDistributionWithPercentiles(
      latencyColumnSql(name, "measured"),
      requestsPath,
      ps,
    );
    return { distribution, points: quantilePoints(ps, percentiles) };
  };
  const [ttft, tpot, e2e] = [await column("ttft_ms"), await column("tpot_ms"), await column("e2e_ms")];
  return {
    latency: {
      ttftMs: ttft.distribution,
      tpotMs: tpot.distribution,
      itlMs: await itlDistribution(requestsPath),
      e2elMs: e2e.distribution,
    },
    quantiles: { ttftMs: ttft.points, tpotMs: tpot.points, e2elMs: e2e.points },
  };
}

/**
 * The inter-token-latency distribution of a stored run: `latency(rows).itlMs`, computed in DuckDB.
 * The gaps are unnested once into a scratch table, which the passes of `storedDistribution` read.
 */
export async function itlDistribution(requestsPath: string): Promise<Distribution> {
  return withScratchTable(itlValuesSql("measured"), { path: requestsPath }, (table) =>
    storedDistribution(`SELECT v FROM ${table}`, requestsPath),
  );
}

export interface QuantilePoint {
  /** Percentile, 0–100. */
  p: number;
  ms: number;
}

export type LatencyQuantiles = Record<"ttftMs" | "tpotMs" | "e2elMs", QuantilePoint[]>;

/** Percentiles `ps` with their values as points; none when there are no values. */
function quantilePoints(ps: readonly number[], values: (number | null)[]): QuantilePoint[] {
  return values.every((v) => v !== null) ? values.map((ms, i) => ({ p: ps[i]!, ms: ms! })) : [];
}

/**
 * The `ps` percentiles of TTFT, TPOT and E2EL of a stored run's successful requests (for CDF
 * charts): `percentile` of each `latencyValues` list, computed in DuckDB. Empty lists when there
 * are no values.
 */
export async function latencyQuantiles(requestsPath: string, ps: readonly number[]): Promise<LatencyQuantiles> {
  const points = async (column: "ttft_ms" | "tpot_ms" | "e2e_ms") =>
    quantilePoints(ps, await storedPercentiles(latencyColumnSql(column, "measured"), requestsPath, ps));
  return { ttftMs: await points("ttft_ms"), tpotMs: await points("tpot_ms"), e2elMs: await points("e2e_ms") };
}
