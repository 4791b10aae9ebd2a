// The request-level data of the experiment page's request explorer: a bounded, stratified sample
// of one run's requests, drawn in DuckDB over its requests.parquet (never every row in
// JavaScript), shipped to the browser as an Arrow IPC stream (src/data/requests/[id].arrow.ts).
//
// The sample: warm-up requests left out (as from every statistic); each request's outcome is
// "ok", "length" (ok but cut at the token limit) or its error class. Strata are (outcome, send-time
// bin), SEND_TIME_BINS equal bins over the run's first to last send. Every failure is kept up to
// FAILURE_CAP; the rest of the SAMPLE_ROWS go to the successful requests. Within each group
// (failures, successes) rows are taken in order of their position inside their stratum (0 for its
// first row, 1/n for its second, …), which allocates the rows in proportion to each stratum's size
// and keeps at least one row of every stratum while the budget lasts. The order inside a stratum
// is a fixed scramble of the request index (multiplicative hashing), so the same run always gives
// the same sample, spread over the run rather than its first requests.
//
// Answers (and error messages for failed requests) are redacted as the experiment publishes them
// (report/publish.ts) and then cut to ANSWER_BYTES bytes of UTF-8 for the explorer's table: with
// 5,000 rows the file stays near 1 MB, inside the 2 MB a page may load. Whole answers are in the
// run's downloads.
import { Dictionary, Float32, Int32, Schema, Table, Utf8, tableToIPC, vectorFromArray } from "apache-arrow";
import { findRun } from "../store/folders.ts";
import { experimentEntries } from "../store/index.ts";
import { query } from "../store/duckdb.ts";
import { redactSql } from "./publish.ts";
import { reportSettings, type PublishAnswers } from "./settings.ts";
import { folderOf, storeDirs, type StoreDirs } from "./store.ts";

/** Rows of the sample at most (failures included). */
export const SAMPLE_ROWS = 5000;
/** Failures kept at most: every one of them when the run has fewer. */
export const FAILURE_CAP = 1000;
/** Send-time bins of the strata. */
export const SEND_TIME_BINS = 20;
/** Bytes of UTF-8 kept of each answer (or error message) for the table. */
export const ANSWER_BYTES = 160;
/** The key of the Arrow schema's metadata that holds `SampleInfo` as JSON. */
export const SAMPLE_METADATA_KEY = "request-sample";

export interface SampleOptions {
  rows?: number;
  failureCap?: number;
  bins?: number;
  answerBytes?: number;
}

/** What the page says about the sample: how many of how many, and how it was drawn. */
export interface SampleInfo {
  /** Measured requests of the run (warm-up left out). */
  total: number;
  sampled: number;
  failures: number;
  failuresKept: number;
  rows: number;
  failureCap: number;
  bins: number;
  answerBytes: number;
  publish: PublishAnswers;
}

/** The sample, column by column (one entry per sampled request, by request index). */
export interface RequestSample {
  info: SampleInfo;
  columns: {
    request_index: number[];
    prompt_id: string[];
    outcome: string[];
    /** Send time, seconds since the run's start. */
    sent_s: (number | null)[];
    ttft_ms: (number | null)[];
    e2e_ms: (number | null)[];
    prompt_tokens: (number | null)[];
    completion_tokens: (number | null)[];
    /** The answer (the error message for a failed request), redacted and cut to `answerBytes`. */
    text: (string | null)[];
  };
}

const OUTCOME_SQL = `CASE WHEN status = 'ok' AND finish_reason = 'length' THEN 'length'
  WHEN status = 'ok' THEN 'ok' ELSE coalesce(error_class, 'unknown') END`;

/** The sample of the run whose requests.parquet is at `path`, answers published as `publish` says. */
export async function sampleRequests(
  path: string,
  publish: PublishAnswers,
  options: SampleOptions = {},
): Promise<RequestSample> {
  const rows = options.rows ?? SAMPLE_ROWS;
  const failureCap = Math.min(options.failureCap ?? FAILURE_CAP, rows);
  const bins = options.bins ?? SEND_TIME_BINS;
  const answerBytes = options.answerBytes ?? ANSWER_BYTES;
  const [span] = await query(
    `SELECT count(*) AS total, count(*) FILTER (WHERE status <> 'ok') AS failures,
       coalesce(min(sent_ms), 0) AS t0, coalesce(max(sent_ms), 0) AS t1 FROM measured`,
    { path },
  );
  const { total, failures, t0, t1 } = span as { total: number; failures: number; t0: number; t1: number };
  const sampled =
    total === 0
      ? []
      : await query(sampleSql(publish), {
          path,
          rows,
          failureCap,
          failures,
          bins,
          t0,
          t1,
          answerChars: answerBytes + 1,
        });
  const column = <T>(name: string) => sampled.map((r) => r[name] as T);
  const info: SampleInfo = {
    total,
    sampled: sampled.length,
    failures,
    failuresKept: sampled.filter((r) => r.failed).length,
    rows,
    failureCap,
    bins,
    answerBytes,
    publish,
  };
  return {
    info,
    columns: {
      request_index: column<number>("request_index"),
      prompt_id: column<string>("prompt_id"),
      outcome: column<string>("outcome"),
      sent_s: column<number | null>("sent_s"),
      ttft_ms: column<number | null>("ttft_ms"),
      e2e_ms: column<number | null>("e2e_ms"),
      prompt_tokens: column<number | null>("prompt_tokens"),
      completion_tokens: column<number | null>("completion_tokens"),
      text: column<string | null>("text").map((t) => (t === null ? null : truncateUtf8(t, answerBytes))),
    },
  };
}

/**
 * The sampling query: strata and positions on the narrow columns only, then the chosen rows'
 * text (redacted) joined back by request index, so no text of an unsampled row is read twice.
 * Each group's rows are taken by a LIMIT (DuckDB keeps only the best rows) rather than by
 * numbering every row of the group in order.
 */
function sampleSql(publish: PublishAnswers): string {
  // Text is cut in characters first (one more than the bytes kept, so a cut text is always marked
  // as cut) so that JavaScript never holds whole answers.
  const text = `left(CASE WHEN m.status = 'ok' THEN ${redactSql("answer", publish)} ELSE ${redactSql("error_message", publish)} END, $answerChars)`;
  return `WITH base AS (
      SELECT request_index, status <> 'ok' AS failed, ${OUTCOME_SQL} AS outcome,
        CASE WHEN sent_ms IS NULL THEN -1 WHEN $t1 = $t0 THEN 0
          ELSE least($bins - 1, floor((sent_ms - $t0) / ($t1 - $t0) * $bins))::INTEGER END AS bin,
        (request_index * 2654435761) % 4294967296 AS scramble
      FROM measured),
    ranked AS (
      SELECT *, (row_number() OVER (PARTITION BY outcome, bin ORDER BY scramble, request_index) - 1)::DOUBLE
          / count(*) OVER (PARTITION BY outcome, bin) AS position
      FROM base),
    chosen AS (
      (SELECT request_index, failed, outcome FROM ranked WHERE failed
        ORDER BY position, scramble, request_index LIMIT $failureCap)
      UNION ALL
      (SELECT request_index, failed, outcome FROM ranked WHERE NOT failed
        ORDER BY position, scramble, request_index LIMIT $rows - least($failureCap, $failures)))
    SELECT c.request_index, c.failed, c.outcome, m.prompt_id, m.sent_ms / 1000 AS sent_s, m.ttft_ms, m.e2e_ms,
      m.prompt_tokens, m.completion_tokens, ${text} AS text
    FROM chosen c JOIN measured m USING (request_index)
    ORDER BY c.request_index`;
}

/** `text` cut to at most `maxBytes` bytes of UTF-8 (whole code points), marked with "…" when cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength("…");
  let bytes = 0;
  let out = "";
  for (const ch of text) {
    bytes += Buffer.byteLength(ch);
    if (bytes > budget) break;
    out += ch;
  }
  return `${out}…`;
}

/** The sample as an Arrow table: 32-bit numbers, dictionary-encoded ids and outcomes, the info in the schema's metadata. */
export function sampleTable(sample: RequestSample): Table {
  const c = sample.columns;
  // Dictionary ids of their own: Arrow's default comes from a counter of the process, so a
  // process that built a sample before would write other ids (and other bytes).
  const dictionary = (id: number) => new Dictionary(new Utf8(), new Int32(), id);
  const table = new Table({
    request_index: vectorFromArray(c.request_index, new Int32()),
    prompt_id: vectorFromArray(c.prompt_id, dictionary(0)),
    outcome: vectorFromArray(c.outcome, dictionary(1)),
    sent_s: vectorFromArray(c.sent_s, new Float32()),
    ttft_ms: vectorFromArray(c.ttft_ms, new Float32()),
    e2e_ms: vectorFromArray(c.e2e_ms, new Float32()),
    prompt_tokens: vectorFromArray(c.prompt_tokens, new Int32()),
    completion_tokens: vectorFromArray(c.completion_tokens, new Int32()),
    text: vectorFromArray(c.text, new Utf8()),
  });
  const metadata = new Map([[SAMPLE_METADATA_KEY, JSON.stringify(sample.info)]]);
  return new Table(new Schema(table.schema.fields, metadata), table.batches);
}

/** The sample as an Arrow IPC stream (what the page reads with `tableFromIPC`). */
export function sampleIpc(sample: RequestSample): Uint8Array {
  return tableToIPC(sampleTable(sample), "stream");
}

/** The request sample of the run experiment `id`'s page shows, as an Arrow IPC stream (empty without stored requests). */
export async function experimentRequestSample(id: string, dirs: StoreDirs = {}): Promise<Uint8Array> {
  const { resultsDir, experimentsDir } = storeDirs(dirs);
  const entry = experimentEntries(resultsDir, experimentsDir).find((e) => e.id === id) ?? null;
  const folder = entry ? folderOf(entry) : id;
  const run = entry ? findRun(resultsDir, folder, entry.run_id) : null;
  const { publish } = await reportSettings(experimentsDir, folder);
  const path = run?.requestsPath;
  return sampleIpc(path ? await sampleRequests(path, publish) : emptySample(publish));
}

function emptySample(publish: PublishAnswers): RequestSample {
  const info: SampleInfo = {
    total: 0,
    sampled: 0,
    failures: 0,
    failuresKept: 0,
    rows: SAMPLE_ROWS,
    failureCap: FAILURE_CAP,
    bins: SEND_TIME_BINS,
    answerBytes: ANSWER_BYTES,
    publish,
  };
  const none = { request_index: [], prompt_id: [], outcome: [], sent_s: [], ttft_ms: [], e2e_ms: [] };
  return { info, columns: { ...none, prompt_tokens: [], completion_tokens: [], text: [] } };
}
