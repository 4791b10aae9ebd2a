// SQL forms of metric definitions, for statistics over values too many to bring into JS (a 50K-row
// run has millions of inter-token gaps). Each builder states the same definition as its JS
// counterpart, and test/metrics/sql.test.ts checks that both give the same numbers:
//   distributionSql ↔ stats.ts `distribution`: count, mean, median, population std (ddof 0),
//     p50/p90/p95/p99 with linear interpolation (quantile_cont = numpy's default), min, max;
//     nulls skipped.
//   itlValuesSql ↔ latency.ts `latencyValues(...).itlMs`: the flat concatenation of the itl_ms
//     lists of successful requests (per chunk, not per token).
//   quantilesSql ↔ stats.ts `percentile` at several p (linear interpolation), nulls skipped.
//   latencyValuesSql ↔ latency.ts `latencyValues` for ttftMs, tpotMs, e2elMs: successful requests;
//     TPOT is the stored tpot_ms column, which the runner fills with `tpotMs` (the same formula).
//   extentSql, histogramCountsSql ↔ histogram.ts `histogramBins`: min and max of a column, then
//     bin = least(floor((value − min) / width), bins − 1) per non-null value, counted per bin.
//   outcomeCountsSql ↔ outcomes.ts `countOutcomes`: requests per (status, error class, finish
//     reason), most frequent first.
//   serverSeriesSql ↔ series.ts `serverSeriesBins`: per metric and scrape the sum over endpoints
//     and label sets, then per bin floor(t_ms / binMs)·binMs the mean of those sums.
//   peakChunksSql, peakConcurrencySql ↔ peaks.ts `peakFigures`: successful requests' chunk times
//     (first_event_ms, then first_event_ms + the running sum of the gaps) counted per 1-second bin
//     from the earliest send, the fullest bin; and the highest count of [sent_ms, sent_ms + e2e_ms)
//     intervals open at once, ends before starts at a tie. (A running sum adds in its own order;
//     a chunk within ~1e-10 ms of a bin edge could fall on either side.)
//   successCountsSql, successDifferencesSql ↔ success.ts `accountSuccess`: ok requests and those
//     vllm_success says vllm bench serve counts; the requests the two count differently, per
//     (status, error class, vllm_success), most first.
//   histogramIncreasesSql ↔ server-latency.ts `histogramIncreases`: per series (endpoint, metric,
//     labels) the sum over consecutive samples of v − prev, or v when the value fell; summed per
//     metric and `le` label.
// The `$name` parameters are bound by the caller (store/duckdb.ts `query`).
import type { Distribution } from "./types.ts";

/** SELECT list giving the `Distribution` fields of `column` (nulls skipped). */
export function distributionSql(column: string): string {
  const q = (p: number) => `quantile_cont(${column}, ${p})`;
  return [
    `count(${column})::DOUBLE AS n`,
    `avg(${column})::DOUBLE AS mean`,
    `${q(0.5)}::DOUBLE AS median`,
    `stddev_pop(${column})::DOUBLE AS std`,
    `${q(0.5)}::DOUBLE AS p50`,
    `${q(0.9)}::DOUBLE AS p90`,
    `${q(0.95)}::DOUBLE AS p95`,
    `${q(0.99)}::DOUBLE AS p99`,
    `min(${column})::DOUBLE AS min`,
    `max(${column})::DOUBLE AS max`,
  ].join(", ");
}

/** Rows `(v)`: every inter-token gap of the successful requests in `table`. */
export function itlValuesSql(table: string): string {
  return `SELECT unnest(itl_ms) AS v FROM ${table} WHERE status = 'ok' AND itl_ms IS NOT NULL`;
}

/** A list of the `ps` percentiles (0–100) of `column`: quantile_cont, numpy's linear interpolation. */
export function quantilesSql(column: string, ps: readonly number[]): string {
  return `quantile_cont(${column}, [${ps.map((p) => p / 100).join(", ")}])`;
}

/** Rows `(ttft_ms, tpot_ms, e2e_ms)` of the successful requests in `table`. */
export function latencyValuesSql(table: string): string {
  return `SELECT ttft_ms, tpot_ms, e2e_ms FROM ${table} WHERE status = 'ok'`;
}

/** A distribution row read back from DuckDB (n as a number; an empty set gives nulls and n = 0). */
export function distributionFromRow(row: Record<string, unknown>): Distribution {
  const num = (k: string) => (row[k] === null || row[k] === undefined ? null : Number(row[k]));
  return {
    n: num("n") ?? 0,
    mean: num("mean"),
    median: num("median"),
    std: num("std"),
    p50: num("p50"),
    p90: num("p90"),
    p95: num("p95"),
    p99: num("p99"),
    min: num("min"),
    max: num("max"),
  };
}

/** Row `(lo, hi)`: the minimum and maximum of `column` in `table` (null when it has no values). */
export function extentSql(column: string, table: string): string {
  return `SELECT min(${column})::DOUBLE AS lo, max(${column})::DOUBLE AS hi FROM ${table}`;
}

/** Rows `(bin, count)` of the non-null values of `column`, for the bounds `$lo`, `$width` and last bin `$last`. */
export function histogramCountsSql(column: string, table: string): string {
  return `SELECT least(floor((${column} - $lo) / $width), $last)::INTEGER AS bin, count(*) AS count
     FROM ${table} WHERE ${column} IS NOT NULL GROUP BY bin`;
}

/** Rows `(status, error_class, finish_reason, count)`, most frequent first, then by the three keys (nulls last). */
export function outcomeCountsSql(table: string): string {
  return `SELECT status, error_class, finish_reason, count(*) AS count FROM ${table}
     GROUP BY ALL ORDER BY count DESC, status, error_class NULLS LAST, finish_reason NULLS LAST`;
}

/** Rows `(metric, startMs, value)` of the server-metrics file `$path` for the given metrics, in bins of `$bin` ms. */
export function serverSeriesSql(metrics: readonly string[]): string {
  const names = metrics.map((m) => `'${m.replaceAll("'", "''")}'`).join(", ");
  return `WITH per_scrape AS (
       SELECT metric, t_ms, sum(value) AS value FROM read_parquet($path)
       WHERE metric IN (${names}) GROUP BY metric, t_ms)
     SELECT metric, (floor(t_ms / $bin) * $bin)::DOUBLE AS "startMs", avg(value)::DOUBLE AS value
     FROM per_scrape GROUP BY ALL ORDER BY metric, "startMs"`;
}

/** Row `(peak)`: the fullest 1-second bin of the successful requests' chunk arrivals in `table` (null without any). */
export function peakChunksSql(table: string): string {
  return `WITH ok AS (SELECT request_index, sent_ms, first_event_ms, itl_ms FROM ${table}
       WHERE status = 'ok' AND sent_ms IS NOT NULL),
     origin AS (SELECT min(sent_ms) AS t0 FROM ok),
     gaps AS (SELECT request_index, first_event_ms, unnest(itl_ms) AS gap, unnest(range(len(itl_ms))) AS k
       FROM ok WHERE first_event_ms IS NOT NULL AND itl_ms IS NOT NULL),
     chunks AS (
       SELECT first_event_ms AS t FROM ok WHERE first_event_ms IS NOT NULL
       UNION ALL
       SELECT first_event_ms + sum(gap) OVER (PARTITION BY request_index ORDER BY k ROWS UNBOUNDED PRECEDING) FROM gaps),
     bins AS (SELECT floor((t - t0) / 1000) AS bin, count(*) AS n FROM chunks, origin GROUP BY bin)
   SELECT max(n)::DOUBLE AS peak FROM bins`;
}

/** Row `(peak)`: the most successful requests of `table` in flight at once (null without timed ones). */
export function peakConcurrencySql(table: string): string {
  return `WITH ok AS (SELECT sent_ms, e2e_ms FROM ${table}
       WHERE status = 'ok' AND sent_ms IS NOT NULL AND e2e_ms IS NOT NULL),
     events AS (SELECT sent_ms AS t, 1 AS d FROM ok UNION ALL SELECT sent_ms + e2e_ms AS t, -1 AS d FROM ok),
     running AS (SELECT sum(d) OVER (ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS n FROM events)
   SELECT max(n)::DOUBLE AS peak FROM running`;
}

/** Row `(completed, vllm_completed, unknown)` of `table`: ok requests, vllm_success ones, and rows without vllm_success. */
export function successCountsSql(table: string): string {
  return `SELECT count(*) FILTER (status = 'ok')::DOUBLE AS completed,
       count(*) FILTER (vllm_success)::DOUBLE AS vllm_completed,
       count(*) FILTER (vllm_success IS NULL)::DOUBLE AS unknown
     FROM ${table}`;
}

/** Rows `(status, error_class, vllm_success, requests)` of `table` where the tracker and vLLM's count disagree, most first. */
export function successDifferencesSql(table: string): string {
  return `SELECT status, error_class, vllm_success, count(*)::DOUBLE AS requests FROM ${table}
     WHERE vllm_success IS NOT NULL AND (status = 'ok') <> vllm_success
     GROUP BY ALL ORDER BY requests DESC, status, error_class NULLS LAST`;
}

/** Rows `(metric, le, increase)` of the server-metrics file `$path` for the given histogram samples. */
export function histogramIncreasesSql(metrics: readonly string[]): string {
  const names = metrics.map((m) => `'${m.replaceAll("'", "''")}'`).join(", ");
  return `WITH s AS (
       SELECT metric, json_extract_string(labels, '$.le') AS le, value,
              lag(value) OVER (PARTITION BY endpoint, metric, labels ORDER BY t_ms) AS prev
       FROM read_parquet($path) WHERE metric IN (${names}))
     SELECT metric, le,
            sum(CASE WHEN prev IS NULL THEN 0 WHEN value >= prev THEN value - prev ELSE value END)::DOUBLE AS increase
     FROM s GROUP BY metric, le ORDER BY metric, le`;
}
