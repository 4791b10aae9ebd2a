// Usage check: does the server's `usage.total_tokens` equal prompt_tokens + completion_tokens?
// vLLM reports all three; a total that does not add up means the counts the throughput figures
// are built on are not what the server billed, so the run says how many requests disagreed.
// Each request stores its verdict (`usage_mismatch`, null when a count is missing); a stored run
// is counted in DuckDB (`usageCheckSql` in sql.ts), `checkUsage` is the same count over rows in
// memory. Warm-up requests are left out.
import { query } from "../store/duckdb.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";
import { usageCheckSql } from "./sql.ts";

export type UsageRow = Pick<RequestRow, "usage_mismatch">;

export interface UsageCheck {
  /** Requests whose server reported all three counts. */
  checked: number;
  /** Of those, the requests whose total_tokens is not prompt_tokens + completion_tokens. */
  mismatched: number;
}

/** The usage check of rows in memory. */
export function checkUsage(rows: Iterable<UsageRow>): UsageCheck {
  let checked = 0;
  let mismatched = 0;
  for (const r of rows) {
    if (r.usage_mismatch === null) continue;
    checked++;
    if (r.usage_mismatch) mismatched++;
  }
  return { checked, mismatched };
}

/** The usage check of a stored run (DuckDB over its requests.parquet). */
export async function usageCheck(requestsPath: string): Promise<UsageCheck> {
  const [row] = await query(usageCheckSql("measured"), { path: requestsPath });
  return { checked: Number(row?.checked ?? 0), mismatched: Number(row?.mismatched ?? 0) };
}
