// How a run's requests ended: the number of requests per (status, error class, finish reason),
// most frequent first, then by status, error class and finish reason (unknown, null, last).
// A stored run is counted in DuckDB (`outcomeCountsSql` in sql.ts); `countOutcomes` is the same
// count over rows in memory. Warm-up requests are left out, as from every statistic.
import { rollup } from "d3";
import { query } from "../store/duckdb.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";
import { outcomeCountsSql } from "./sql.ts";

export type OutcomeRow = Pick<RequestRow, "status" | "error_class" | "finish_reason">;

export interface OutcomeCount extends OutcomeRow {
  count: number;
}

/** The outcomes of rows in memory. */
export function countOutcomes(rows: readonly OutcomeRow[]): OutcomeCount[] {
  const counts = rollup(
    rows,
    (group) => group.length,
    (r) => r.status,
    (r) => r.error_class,
    (r) => r.finish_reason,
  );
  const out: OutcomeCount[] = [];
  for (const [status, byError] of counts)
    for (const [error_class, byFinish] of byError)
      for (const [finish_reason, count] of byFinish) out.push({ status, error_class, finish_reason, count });
  return out.sort(
    (a, b) =>
      b.count - a.count ||
      compareNullLast(a.status, b.status) ||
      compareNullLast(a.error_class, b.error_class) ||
      compareNullLast(a.finish_reason, b.finish_reason),
  );
}

/** The outcomes of a stored run (DuckDB over its requests.parquet). */
export async function outcomeCounts(requestsPath: string): Promise<OutcomeCount[]> {
  const rows = await query(outcomeCountsSql("measured"), { path: requestsPath });
  return rows as unknown as OutcomeCount[];
}

/** Ascending, null last: the order DuckDB gives these columns by default. */
export function compareNullLast(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
