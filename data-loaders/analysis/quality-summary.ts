// Answer quality of one run, from the stored quality columns (written by `checkAnswer`).
//
//   JSON-valid rate     = json_valid answers / checked answers
//   schema-valid rate   = schema_valid answers / checked answers
//       checked = successful requests with a quality verdict (json_valid not null: the
//       experiment has a schema); failed requests have no answer and are left out.
//   error paths         = the `; `-separated entries of schema_errors ("path: message"),
//       counted once per answer, most frequent first (ties in code-point order of the entry)
//   cut by length       = successful requests with finish_reason "length" / successful requests
//   valid answers per GPU-hour = request throughput · schema-valid rate · 3600 / GPUs
// `qualitySummary` works on rows in memory; `storedQualitySummary` on a stored run in DuckDB
// (metrics/sql.ts `qualityCountsSql`, `errorEntriesSql`), with the same definitions.
import { qualityCountsSql, errorEntriesSql } from "../metrics/sql.ts";
import { query } from "../store/duckdb.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";

export type QualityRow = Pick<RequestRow, "status" | "json_valid" | "schema_valid" | "schema_errors" | "finish_reason">;

export interface ErrorPath {
  /** The whole entry, e.g. "recommendation: Invalid option: expected one of …". */
  error: string;
  /** The path part before ": " ("(root)" for the answer itself, "(not JSON)" when it did not parse). */
  path: string;
  /** Answers with this entry, and that count / checked answers. */
  count: number;
  share: number;
}

export interface QualitySummary {
  requests: number;
  completed: number;
  /** Successful requests with a quality verdict (0 when the experiment has no schema). */
  checked: number;
  jsonValid: number;
  schemaValid: number;
  jsonValidRate: number | null;
  schemaValidRate: number | null;
  /** Successful requests that stopped at the token limit, and their share of successful requests. */
  cutByLength: number;
  cutByLengthRate: number | null;
  /** The most common schema error entries. */
  topErrors: ErrorPath[];
  /** Schema-valid answers per GPU-hour at the given throughput (null without a schema or throughput). */
  validPerGpuHour: number | null;
}

export interface QualitySummaryOptions {
  /** Successful requests per second (e.g. the steady-state rate); null: no per-hour figure. */
  requestThroughput: number | null;
  /** GPUs the server used (default 1). */
  gpus?: number;
  /** How many error entries to list (default 10). */
  topErrors?: number;
}

export function qualitySummary(rows: readonly QualityRow[], options: QualitySummaryOptions): QualitySummary {
  let completed = 0;
  let checked = 0;
  let jsonValid = 0;
  let schemaValid = 0;
  let cutByLength = 0;
  const errorCounts = new Map<string, number>();
  for (const row of rows) {
    if (row.status !== "ok") continue;
    completed += 1;
    if (row.finish_reason === "length") cutByLength += 1;
    if (row.json_valid === null) continue;
    checked += 1;
    if (row.json_valid) jsonValid += 1;
    if (row.schema_valid) schemaValid += 1;
    for (const entry of errorEntries(row.schema_errors)) errorCounts.set(entry, (errorCounts.get(entry) ?? 0) + 1);
  }
  const counts = { requests: rows.length, completed, checked, jsonValid, schemaValid, cutByLength };
  const top = [...errorCounts]
    .sort(([ea, ca], [eb, cb]) => cb - ca || byCodePoint(ea, eb))
    .slice(0, options.topErrors ?? 10);
  return summaryOf(counts, top, options);
}

/** `qualitySummary` of a stored run's measured rows, computed in DuckDB. */
export async function storedQualitySummary(
  requestsPath: string,
  options: QualitySummaryOptions,
): Promise<QualitySummary> {
  const [counts] = (await query(qualityCountsSql("measured"), { path: requestsPath })) as unknown as QualityCounts[];
  const top = await query(errorEntriesSql("measured"), { path: requestsPath, top: options.topErrors ?? 10 });
  return summaryOf(
    counts!,
    top.map((r) => [r.error as string, r.count as number]),
    options,
  );
}

type QualityCounts = Pick<
  QualitySummary,
  "requests" | "completed" | "checked" | "jsonValid" | "schemaValid" | "cutByLength"
>;

/** The summary from its counts and the most frequent error entries (entry, answers with it). */
function summaryOf(
  counts: QualityCounts,
  top: readonly [string, number][],
  options: QualitySummaryOptions,
): QualitySummary {
  const gpus = options.gpus ?? 1;
  if (!(Number.isInteger(gpus) && gpus >= 1)) throw new RangeError(`gpus must be a positive integer, got ${gpus}`);
  const { checked, completed, jsonValid, schemaValid, cutByLength } = counts;
  const schemaValidRate = checked === 0 ? null : schemaValid / checked;
  return {
    ...counts,
    jsonValidRate: checked === 0 ? null : jsonValid / checked,
    schemaValidRate,
    cutByLengthRate: completed === 0 ? null : cutByLength / completed,
    topErrors: top.map(([error, count]) => ({ error, path: pathOf(error), count, share: count / checked })),
    validPerGpuHour:
      schemaValidRate === null || options.requestThroughput === null
        ? null
        : (options.requestThroughput * schemaValidRate * 3600) / gpus,
  };
}

/** Code-point order, the order DuckDB sorts text in (by its UTF-8 bytes). */
function byCodePoint(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The distinct entries of a schema_errors value. */
function errorEntries(errors: string | null): Set<string> {
  if (errors === null) return new Set();
  return new Set(
    errors
      .split("; ")
      .map((e) => e.trim())
      .filter((e) => e !== ""),
  );
}

function pathOf(entry: string): string {
  const colon = entry.indexOf(": ");
  return colon === -1 ? entry : entry.slice(0, colon);
}
