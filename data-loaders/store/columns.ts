// A run's stored rows as columns: reading the columns a loader needs from `requests.parquet`
// (warm-up requests left out, in request order), the answers a page pages through, and copies
// of the file for download. Statistics over the rows live in data-loaders/metrics/.
import { duckdbColumns, type RequestRow } from "./schemas/request-row.ts";
import { query, queryColumns, quoteIdentifier, sqlString } from "./duckdb.ts";

export type Column = keyof RequestRow;

/**
 * The given columns of every measured row of a run (warm-up requests left out), in request
 * order. Read column-wise (much faster than row objects for 50K-row runs); BIGINT columns come
 * back as numbers.
 */
export async function readRows<K extends Column>(
  requestsPath: string,
  columns: readonly K[],
): Promise<Pick<RequestRow, K>[]> {
  const byColumn = await queryColumns(`SELECT ${selectList(columns)} FROM measured ORDER BY request_index`, {
    path: requestsPath,
  });
  const n = byColumn[columns[0]!]?.length ?? 0;
  const rows = new Array<Record<string, unknown>>(n);
  for (let i = 0; i < n; i++) {
    const row: Record<string, unknown> = {};
    for (const c of columns) row[c] = byColumn[c]![i];
    rows[i] = row;
  }
  return rows as Pick<RequestRow, K>[];
}

/** The columns as a SELECT list, BIGINT columns as DOUBLE (so they come back as numbers). */
export function selectList(columns: readonly Column[]): string {
  const types = duckdbColumns();
  return columns
    .map((c) => (types[c] === "BIGINT" ? `${quoteIdentifier(c)}::DOUBLE AS ${quoteIdentifier(c)}` : quoteIdentifier(c)))
    .join(", ");
}

/**
 * The given columns of a run's rows (warm-up rows left out), in request order, `size` rows at a
 * time: for writing a large run out without holding all of it.
 */
export async function* readRowBatches<K extends Column>(
  requestsPath: string,
  columns: readonly K[],
  size = 10_000,
): AsyncGenerator<Pick<RequestRow, K>[]> {
  for (let after = -1; ;) {
    const byColumn = await queryColumns(
      `SELECT request_index::DOUBLE AS "_index", ${selectList(columns)} FROM measured
       WHERE request_index > $after ORDER BY request_index LIMIT $size`,
      { path: requestsPath, after, size },
    );
    const index = byColumn._index as number[];
    if (index.length === 0) return;
    yield index.map((_, i) => Object.fromEntries(columns.map((c) => [c, byColumn[c]![i]])) as Pick<RequestRow, K>);
    after = index.at(-1)!;
  }
}

/** The columns the run-level metrics read (`MetricRow` in metrics/types.ts is these columns of a row). */
export const METRIC_COLUMNS = [
  "status",
  "sent_ms",
  "first_event_ms",
  "done_ms",
  "ttft_ms",
  "e2e_ms",
  "tpot_ms",
  "itl_ms",
  "prompt_tokens",
  "completion_tokens",
] as const satisfies readonly Column[];

const SAMPLE_COLUMNS = [
  "request_index",
  "prompt_id",
  "status",
  "finish_reason",
  "error_class",
  "prompt_tokens",
  "completion_tokens",
  "e2e_ms",
  "answer",
  "error_message",
] as const satisfies readonly Column[];
export type SampleRow = Pick<RequestRow, (typeof SAMPLE_COLUMNS)[number]>;

/** The first `limit` requests of a run with their answers (warm-up included), for paging through on the site. */
export async function answerSample(requestsPath: string, limit: number): Promise<SampleRow[]> {
  const list = SAMPLE_COLUMNS.map(quoteIdentifier).join(", ");
  const rows = await query(`SELECT ${list} FROM requests ORDER BY request_index LIMIT $limit`, {
    path: requestsPath,
    limit,
  });
  return rows as SampleRow[];
}

/** Copies a run's rows to Parquet or CSV (itl_ms as a JSON list in CSV), replacing text columns through `redactSql`. */
export async function exportRun(
  requestsPath: string,
  outPath: string,
  format: "parquet" | "csv",
  textColumns: Record<string, string> = {},
): Promise<void> {
  const replace = Object.entries(textColumns).map(([c, expr]) => `${expr} AS ${quoteIdentifier(c)}`);
  const select = replace.length ? `* REPLACE (${replace.join(", ")})` : "*";
  const options = format === "parquet" ? "FORMAT parquet, COMPRESSION zstd" : "FORMAT csv, HEADER true";
  const cast =
    format === "csv"
      ? `SELECT * REPLACE (to_json(itl_ms)::VARCHAR AS itl_ms) FROM (SELECT ${select} FROM read_parquet($path))`
      : `SELECT ${select} FROM read_parquet($path)`;
  await query(`COPY (${cast} ORDER BY request_index) TO ${sqlString(outPath)} (${options})`, {
    path: requestsPath,
  });
}

/** One prompt's answer in each of two runs (the first successful request, else the first: analysis/by-prompt.ts). */
export interface PairedAnswers {
  prompt_id: string;
  a_index: number;
  a_status: RequestRow["status"];
  a_answer: string | null;
  b_index: number;
  b_status: RequestRow["status"];
  b_answer: string | null;
}

/**
 * The prompts two runs both answered, with each run's answer to it (`rowPerPrompt`'s rule, in
 * SQL), `size` prompts at a time in prompt_id order: for judging two runs side by side without
 * holding either.
 */
export async function* pairedAnswerBatches(
  pathA: string,
  pathB: string,
  size = 2_000,
): AsyncGenerator<PairedAnswers[]> {
  const first = (path: string) =>
    `SELECT prompt_id, request_index::DOUBLE AS i, status, answer FROM read_parquet(${sqlString(path)})
     WHERE NOT coalesce(warmup, false)
     QUALIFY row_number() OVER (PARTITION BY prompt_id ORDER BY status <> 'ok', request_index) = 1`;
  for (let after = ""; ;) {
    const rows = (await query(
      `SELECT a.prompt_id, a.i AS a_index, a.status AS a_status, a.answer AS a_answer,
              b.i AS b_index, b.status AS b_status, b.answer AS b_answer
       FROM (${first(pathA)}) a JOIN (${first(pathB)}) b USING (prompt_id)
       WHERE a.prompt_id > $after ORDER BY a.prompt_id LIMIT $size`,
      { after, size },
    )) as unknown as PairedAnswers[];
    if (rows.length === 0) return;
    yield rows;
    after = rows.at(-1)!.prompt_id;
  }
}
