// Success accounting: how many requests succeeded by the tracker's rules, and how many `vllm bench
// serve` would count as successful for the same responses, with the difference explained.
//
// vLLM's client counts a request successful once an HTTP 200 stream brought one event with
// choices and every payload parsed; it reads no error events and does not wait for [DONE]. The
// tracker also fails a request whose stream carried an in-band error event (in_band_error) or
// ended without [DONE] (malformed_stream). Each request stores both verdicts (status,
// vllm_success); a run stored before vllm_success existed has no vLLM count (null).
// A stored run is counted in DuckDB (`successCountsSql`, `successDifferencesSql` in sql.ts);
// `accountSuccess` is the same count over rows in memory. Warm-up requests are left out.
import { query } from "../store/duckdb.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";
import { compareNullLast as compare } from "./outcomes.ts";
import { successCountsSql, successDifferencesSql } from "./sql.ts";

export type SuccessRow = Pick<RequestRow, "status" | "error_class" | "vllm_success">;

/** Requests the two counts disagree on, by the tracker's status and error class. */
export interface SuccessDifference {
  status: RequestRow["status"];
  error_class: RequestRow["error_class"];
  /** What vLLM's count says of them. */
  vllm_success: boolean;
  requests: number;
}

export interface SuccessAccounting {
  /** Successful by the tracker's rules (status ok). */
  completed: number;
  /** Successful as vllm bench serve counts them; null when some request has no verdict (older runs, imports). */
  vllmCompleted: number | null;
  /** The requests counted differently, most first (empty when the counts agree). */
  differences: SuccessDifference[];
}

/** The success accounting of rows in memory. */
export function accountSuccess(rows: Iterable<SuccessRow>): SuccessAccounting {
  let completed = 0;
  let vllmCompleted = 0;
  let unknown = 0;
  const differences = new Map<string, SuccessDifference>();
  for (const r of rows) {
    if (r.status === "ok") completed++;
    if (r.vllm_success === null) unknown++;
    else if (r.vllm_success) vllmCompleted++;
    if (r.vllm_success === null || (r.status === "ok") === r.vllm_success) continue;
    const key = `${r.status}\u0000${r.error_class}`;
    const d = differences.get(key) ?? { ...r, vllm_success: r.vllm_success, requests: 0 };
    d.requests++;
    differences.set(key, d);
  }
  const order = (a: SuccessDifference, b: SuccessDifference) =>
    b.requests - a.requests || compare(a.status, b.status) || compare(a.error_class, b.error_class);
  return {
    completed,
    vllmCompleted: unknown > 0 ? null : vllmCompleted,
    differences: [...differences.values()]
      .map(({ status, error_class, vllm_success, requests }) => ({
        status,
        error_class,
        vllm_success,
        requests,
      }))
      .sort(order),
  };
}

/** The success accounting of a stored run (DuckDB over its requests.parquet). */
export async function successAccounting(requestsPath: string): Promise<SuccessAccounting> {
  const [counts] = await query(successCountsSql("measured"), { path: requestsPath });
  const rows = await query(successDifferencesSql("measured"), { path: requestsPath });
  return {
    completed: Number(counts?.completed ?? 0),
    vllmCompleted: Number(counts?.unknown ?? 0) > 0 ? null : Number(counts?.vllm_completed ?? 0),
    differences: rows.map((r) => ({
      status: r.status as SuccessDifference["status"],
      error_class: r.error_class as SuccessDifference["error_class"],
      vllm_success: r.vllm_success as boolean,
      requests: Number(r.requests),
    })),
  };
}
