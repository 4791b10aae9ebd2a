// SQL forms of metric definitions, for the statistics of a stored run: DuckDB computes them over
// its requests.parquet within a fixed memory limit (store/duckdb.ts), so a run of a million rows
// is never brought into JS. Each builder states the same definition as its JS counterpart, and
// tests check that both give the same numbers (test/metrics/sql.test.ts and each module's test on
// the irregular fixture run test/metrics/stored-run.ts):
//   valueStatsSql ↔ stats.ts `distribution`: count, mean, population std (ddof 0), min, max of
//     column `v`, nulls skipped; its percentiles come from orderStatistics (stats.ts
//     `storedPercentiles`), which counts values per bucket (bucketCountsSql) until each wanted
//     rank lies in a bucket small enough to read sorted (bucketValuesSql), then applies
//     `percentile`'s linear interpolation to the values at those ranks.
//   itlValuesSql ↔ latency.ts `latencyValues(...).itlMs`: the flat concatenation of the itl_ms
//     lists of successful requests (per chunk, not per token).
//   latencyColumnSql ↔ latency.ts `latencyValues` for ttftMs, tpotMs, e2elMs: successful
//     requests; TPOT by the formula of `tpotMs` (tpotSql), not read from the stored column.
//   runTotalsSql ↔ summary.ts `summarizeRun` counts and token means, throughput.ts
//     `runDurationS` (first send → last completion, over every row) and `rates` (successful rows).
//   groupTotalsSql ↔ workers.ts `perWorker` / `perEndpoint`: the same totals per worker or endpoint.
//   steadyFullAtSql, steadyEndSql, windowTotalsSql ↔ steady-state.ts `steadyState`: the first
//     time C requests are in flight (completions before sends at equal times), the first
//     completion from then, the end of the window after the last send, and the rates inside it.
//   seriesBinsSql ↔ series.ts `timeSeries`: completions per bin, requests in flight and output
//     tokens spread over each request's span in proportion to its overlap with each bin.
//   extentSql, histogramCountsSql ↔ histogram.ts `histogramBins`: min and max of a column, then
//     bin = least(floor((value − min) / width), bins − 1) per non-null value, counted per bin.
//   outcomeCountsSql ↔ outcomes.ts `countOutcomes`: requests per (status, error class, finish
//     reason), most frequent first.
//   serverSeriesSql ↔ series.ts `serverSeriesBins`: per metric and scrape the sum over endpoints
//     and label sets, then per bin floor(t_ms / binMs)·binMs the mean of those sums.
//   peakConcurrencySql ↔ peaks.ts `peakFigures`: the highest count of [sent_ms, sent_ms + e2e_ms)
//     intervals of successful requests open at once, ends before starts at a tie. (The chunk peak
//     is one fold in peaks.ts over rows in memory and over a stored run's streamed rows.)
//   successCountsSql, successDifferencesSql ↔ success.ts `accountSuccess`: ok requests and those
//     vllm_success says vllm bench serve counts; the requests the two count differently, per
//     (status, error class, vllm_success), most first.
//   usageCheckSql ↔ usage.ts `checkUsage`: the rows with a usage_mismatch verdict and those it
//     flags.
//   histogramIncreasesSql ↔ server-latency.ts `histogramIncreases`: per series (endpoint, metric,
//     labels) the sum over consecutive samples of v − prev, or v when the value fell; summed per
//     metric and `le` label.
//   qualityCountsSql, errorEntriesSql ↔ analysis/quality-summary.ts `qualitySummary`: the counts
//     of checked, valid and length-cut answers, and the most frequent schema error entries.
//   windowCountsSql, lengthCountsSql ↔ analysis/extrapolate.ts `projectionSample`: successful
//     completions per time window of the rate window, and the completion lengths inside it as
//     (value, count) pairs.
//   promptRowsSql ↔ analysis/by-prompt.ts `rowPerPrompt`: each prompt's first successful row,
//     else its first row (of at most PROMPT_SAMPLE prompts, see by-prompt.ts).
// The `$name` parameters are bound by the caller (store/duckdb.ts `query`).

/** TPOT of a row (latency.ts `tpotMs`): (e2e − ttft) / (completion tokens − 1) when there is more than one token. */
export const tpotSql = `CASE WHEN completion_tokens > 1 AND ttft_ms IS NOT NULL AND e2e_ms IS NOT NULL
  THEN (e2e_ms - ttft_ms) / (completion_tokens - 1) END`;

/** Row `(n, mean, std, min, max)` of column `v` of `values` (a SELECT), nulls skipped. */
export function valueStatsSql(values: string): string {
  return `SELECT count(v)::DOUBLE AS n, avg(v)::DOUBLE AS mean, stddev_pop(v)::DOUBLE AS std,
     min(v)::DOUBLE AS min, max(v)::DOUBLE AS max FROM (${values}) WHERE v IS NOT NULL`;
}

/**
 * A part of the values that orderStatistics narrows down: those for which `where` holds (SQL over
 * `v`), `count` of them between `lo` and `hi` (bound as parameters `$lo<id>`, `$w<id>`).
 */
export interface ValueRange {
  id: number;
  where: string;
}

/** The bucket of `v` within range `id`: least(floor((v − lo) / width), buckets − 1). */
export function bucketSql(id: number, buckets: number): string {
  return `least(floor((v - $lo${id}) / $w${id}), ${buckets - 1})`;
}

/**
 * The CTE `candidates`: the non-null values meeting `within`. Materialized when there is a
 * condition, so that DuckDB tests the ranges on the candidates only (it would otherwise push the
 * ranges' CASE below the cheap condition, onto every value).
 */
function candidates(values: string, within: string): string {
  const select = `SELECT v FROM (${values}) WHERE v IS NOT NULL AND ${within}`;
  return within === "TRUE" ? `candidates AS (${select})` : `candidates AS MATERIALIZED (${select})`;
}

/**
 * Rows `(range, bucket, n, lo, hi)`: the non-null values of `values` in each range, counted per
 * bucket. `within` is a cheap condition every value of the ranges meets (it spares testing each
 * range on the values of none).
 */
export function bucketCountsSql(
  values: string,
  ranges: readonly ValueRange[],
  buckets: number,
  within = "TRUE",
): string {
  // One range (the first pass) needs no CASE: DuckDB then groups on one integer per value.
  const one = ranges.length === 1 ? ranges[0]! : null;
  const range = one ? `${one.id}` : `CASE ${ranges.map((r) => `WHEN ${r.where} THEN ${r.id}`).join(" ")} END`;
  const bucket = one
    ? bucketSql(one.id, buckets)
    : `CASE ${ranges.map((r) => `WHEN ${r.where} THEN ${bucketSql(r.id, buckets)}`).join(" ")} END`;
  const where = one ? `(${one.where})` : "range IS NOT NULL";
  return `WITH ${candidates(values, within)}
     SELECT range, bucket::DOUBLE AS bucket, count(*)::DOUBLE AS n, min(v)::DOUBLE AS lo, max(v)::DOUBLE AS hi
     FROM (SELECT v, ${range} AS range, (${bucket})::INTEGER AS bucket FROM candidates WHERE ${one ? where : "TRUE"})
     WHERE ${one ? "TRUE" : where} GROUP BY range, bucket ORDER BY range, bucket`;
}

/** Rows `(range, v)`: the non-null values of `values` in each range (meeting `within`), sorted within the range. */
export function bucketValuesSql(values: string, ranges: readonly ValueRange[], within = "TRUE"): string {
  const range = ranges.map((r) => `WHEN ${r.where} THEN ${r.id}`).join(" ");
  return `WITH ${candidates(values, within)}
     SELECT range, v::DOUBLE AS v FROM (SELECT v, CASE ${range} END AS range FROM candidates)
     WHERE range IS NOT NULL ORDER BY range, v`;
}

/** Rows `(v)`: every inter-token gap of the successful requests in `table`. */
export function itlValuesSql(table: string): string {
  return `SELECT unnest(itl_ms) AS v FROM ${table} WHERE status = 'ok' AND itl_ms IS NOT NULL`;
}

/** Rows `(v)`: one latency of the successful requests in `table` (TPOT by its formula). */
export function latencyColumnSql(column: "ttft_ms" | "tpot_ms" | "e2e_ms", table: string): string {
  return `SELECT ${column === "tpot_ms" ? tpotSql : column} AS v FROM ${table} WHERE status = 'ok'`;
}

/** The totals of `summarizeRun` and `rates` over the rows selected, as a SELECT list. */
function totalsList(): string {
  const ok = `status = 'ok'`;
  return [
    `count(*)::DOUBLE AS requests`,
    `count(*) FILTER (${ok})::DOUBLE AS completed`,
    `coalesce(sum(prompt_tokens) FILTER (${ok}), 0)::DOUBLE AS "totalInputTokens"`,
    `coalesce(sum(completion_tokens) FILTER (${ok}), 0)::DOUBLE AS "totalOutputTokens"`,
    `count(*) FILTER (${ok} AND (prompt_tokens IS NULL OR completion_tokens IS NULL))::DOUBLE AS "missingUsage"`,
    `min(sent_ms)::DOUBLE AS "firstSendMs"`,
    `max(done_ms)::DOUBLE AS "lastDoneMs"`,
  ].join(", ");
}

/** Row of run totals of `table`: counts, token sums, first send, last completion, and the token means of successful rows. */
export function runTotalsSql(table: string): string {
  return `SELECT ${totalsList()},
     avg(prompt_tokens) FILTER (status = 'ok')::DOUBLE AS "meanPromptTokens",
     avg(completion_tokens) FILTER (status = 'ok')::DOUBLE AS "meanCompletionTokens",
     count(DISTINCT endpoint)::DOUBLE AS endpoints
     FROM ${table}`;
}

/** Rows of the same totals per value of `key` (worker or endpoint), with Σ (attempts − 1) as `retries`. */
export function groupTotalsSql(key: "worker" | "endpoint", table: string): string {
  return `SELECT ${key} AS key, ${totalsList()}, coalesce(sum(attempts - 1), 0)::DOUBLE AS retries
     FROM ${table} GROUP BY ${key}`;
}

/** The rows of `table` with both a send and a completion time (steady-state.ts `timed`). */
function timedSql(table: string): string {
  return `SELECT * FROM ${table} WHERE sent_ms IS NOT NULL AND done_ms IS NOT NULL`;
}

/** Row `(fullAt, startMs, lastSendMs, afterLastSend)` for concurrency `$c` (fullAt null when never reached). */
export function steadyFullAtSql(table: string): string {
  return `WITH timed AS (${timedSql(table)}),
     events AS (SELECT sent_ms AS t, 1 AS delta FROM timed UNION ALL SELECT done_ms AS t, -1 AS delta FROM timed),
     running AS (SELECT t, sum(delta) OVER (ORDER BY t, delta ROWS UNBOUNDED PRECEDING) AS in_flight FROM events),
     full_at AS (SELECT min(t) AS t FROM running WHERE in_flight >= $c),
     last_send AS (SELECT max(sent_ms) AS t FROM timed)
     SELECT (SELECT t FROM full_at)::DOUBLE AS "fullAt",
       (SELECT min(done_ms) FROM timed WHERE done_ms >= (SELECT t FROM full_at))::DOUBLE AS "startMs",
       (SELECT t FROM last_send)::DOUBLE AS "lastSendMs",
       (SELECT count(*) FROM timed WHERE done_ms > (SELECT t FROM last_send))::DOUBLE AS "afterLastSend"`;
}

/** Row `(endMs)`: the `$c`-th last completion after the last send `$last`. */
export function steadyEndSql(table: string): string {
  return `SELECT done_ms::DOUBLE AS "endMs" FROM (${timedSql(table)}) WHERE done_ms > $last
     ORDER BY done_ms DESC LIMIT 1 OFFSET ($c - 1)::BIGINT`;
}

/** Row of the totals of the timed rows completed in ($start, $end]. */
export function windowTotalsSql(table: string): string {
  return `SELECT ${totalsList()} FROM (${timedSql(table)}) WHERE done_ms > $start AND done_ms <= $end`;
}

/**
 * Rows `(bin, completed, failed, inFlight, outputTokensPerS)` for bins of `$bin` ms, `$bins` of
 * them (only bins with something in them). Each span (send → completion for requests in flight,
 * first event → completion for a successful request's tokens) adds amount·overlap/(to − from) to
 * each bin it overlaps, or its whole amount to the bin of `to` when it has no length.
 */
export function seriesBinsSql(table: string): string {
  const binOf = (t: string) => `least(greatest(floor(${t} / $bin), 0), $bins - 1)`;
  const overlap = `least(t, (i + 1) * $bin) - greatest(f, i * $bin)`;
  // A span inside one bin (most of them) is cut without listing bins.
  const oneBin = `f >= 0 AND floor(f / $bin) = floor(t / $bin)`;
  return `WITH spans AS (
       SELECT 'inFlight' AS kind, sent_ms AS f, done_ms AS t, (done_ms - sent_ms) / $bin AS amount
       FROM ${table} WHERE sent_ms IS NOT NULL AND done_ms IS NOT NULL
       UNION ALL
       SELECT 'tokens', coalesce(first_event_ms, done_ms), done_ms, completion_tokens / ($bin / 1000)
       FROM ${table} WHERE status = 'ok' AND done_ms IS NOT NULL AND completion_tokens IS NOT NULL),
     cut AS (
       SELECT kind, i, amount * (${overlap}) / (t - f) AS share
       FROM (SELECT *, floor(f / $bin)::BIGINT AS i FROM spans WHERE t > f AND ${oneBin})
       UNION ALL
       SELECT kind, i, amount * (${overlap}) / (t - f) AS share
       FROM (SELECT *, unnest(range(greatest(floor(f / $bin), 0)::BIGINT, least($bins, floor(t / $bin) + 2)::BIGINT)) AS i
             FROM spans WHERE t > f AND NOT (${oneBin}))
       WHERE i * $bin < t AND ${overlap} > 0
       UNION ALL
       SELECT kind, ${binOf("t")} AS i, amount AS share FROM spans WHERE t <= f),
     shares AS (
       SELECT i, sum(share) FILTER (kind = 'inFlight') AS "inFlight", sum(share) FILTER (kind = 'tokens') AS tokens
       FROM cut GROUP BY i),
     done AS (
       SELECT ${binOf("done_ms")} AS i, count(*) FILTER (status = 'ok') AS completed,
         count(*) FILTER (status <> 'ok') AS failed
       FROM ${table} WHERE done_ms IS NOT NULL GROUP BY i)
     SELECT coalesce(shares.i, done.i)::DOUBLE AS bin, coalesce(completed, 0)::DOUBLE AS completed,
       coalesce(failed, 0)::DOUBLE AS failed, coalesce("inFlight", 0)::DOUBLE AS "inFlight",
       coalesce(tokens, 0)::DOUBLE AS "outputTokensPerS"
     FROM shares FULL JOIN done ON shares.i = done.i ORDER BY bin`;
}

/** Row `(lastMs)`: the latest send or completion time in `table` (null when none). */
export function lastTimeSql(table: string): string {
  return `SELECT greatest(max(sent_ms), max(done_ms))::DOUBLE AS "lastMs", max(done_ms)::DOUBLE AS "lastDoneMs" FROM ${table}`;
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

/** Row `(checked, mismatched)` of `table`: rows with a usage verdict, and those whose total_tokens did not add up. */
export function usageCheckSql(table: string): string {
  return `SELECT count(usage_mismatch)::DOUBLE AS checked, count(*) FILTER (usage_mismatch)::DOUBLE AS mismatched
     FROM ${table}`;
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

/** Row of the quality counts of `table` (analysis/quality-summary.ts): successful, checked, valid and length-cut answers. */
export function qualityCountsSql(table: string): string {
  const ok = `status = 'ok'`;
  const checked = `${ok} AND json_valid IS NOT NULL`;
  return `SELECT count(*)::DOUBLE AS requests, count(*) FILTER (${ok})::DOUBLE AS completed,
     count(*) FILTER (${checked})::DOUBLE AS checked,
     count(*) FILTER (${checked} AND json_valid)::DOUBLE AS "jsonValid",
     count(*) FILTER (${checked} AND schema_valid)::DOUBLE AS "schemaValid",
     count(*) FILTER (${ok} AND finish_reason = 'length')::DOUBLE AS "cutByLength"
     FROM ${table}`;
}

/**
 * Characters JavaScript's String.prototype.trim removes (white space and line terminators), as
 * an SQL literal for DuckDB's trim(text, characters), which otherwise removes spaces only.
 */
const JS_WHITESPACE = `'${"\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"}'`;

/**
 * Rows `(error, count)`: the `$top` most frequent schema error entries of the checked answers in
 * `table` (each answer's `; `-separated entries, trimmed, empty ones dropped, counted once per
 * answer), most frequent first, then in code-point order (DuckDB compares text by its UTF-8 bytes).
 */
export function errorEntriesSql(table: string): string {
  return `SELECT error, count(*)::DOUBLE AS count FROM (
       SELECT unnest(list_distinct(list_transform(string_split(schema_errors, '; '), e -> trim(e, ${JS_WHITESPACE})))) AS error
       FROM ${table} WHERE status = 'ok' AND json_valid IS NOT NULL AND schema_errors IS NOT NULL)
     WHERE error <> '' GROUP BY error ORDER BY count DESC, error LIMIT $top`;
}

/** Rows `(window, n)`: successful completions in ($start, $end] per window of `$windowMs` (1-based ceil, the last one closed), `$k` windows. */
export function windowCountsSql(table: string): string {
  return `SELECT least($k - 1, ceil((done_ms - $start) / $windowMs) - 1)::DOUBLE AS "window", count(*)::DOUBLE AS n
     FROM ${table} WHERE status = 'ok' AND done_ms IS NOT NULL AND done_ms > $start AND done_ms <= $end
     GROUP BY "window" ORDER BY "window"`;
}

/** Rows `(value, count)`: the completion lengths of the successful requests completed in ($start, $end], by value. */
export function lengthCountsSql(table: string): string {
  return `SELECT completion_tokens::DOUBLE AS value, count(*)::DOUBLE AS count
     FROM ${table} WHERE status = 'ok' AND done_ms IS NOT NULL AND done_ms > $start AND done_ms <= $end
       AND completion_tokens IS NOT NULL
     GROUP BY value ORDER BY value`;
}

/**
 * `columns` (a SELECT list) of each prompt's first successful row, else its first row, in order of
 * the prompts' first rows; at most `$prompts` prompts: those with the least hash of their id (the
 * same prompts in every run of one prompt set, so runs still pair).
 */
export function promptRowsSql(columns: string, table: string): string {
  return `WITH picks AS (
       SELECT prompt_id AS picked_prompt, min(request_index) AS first_index,
         coalesce(min(request_index) FILTER (status = 'ok'), min(request_index)) AS picked_index
       FROM ${table} GROUP BY prompt_id ORDER BY hash(prompt_id), prompt_id LIMIT $prompts)
     SELECT ${columns} FROM ${table} JOIN picks ON prompt_id = picked_prompt AND request_index = picked_index
     ORDER BY first_index`;
}
