// Per-worker (and per-endpoint) statistics: how each concurrency slot or replica fared (requests,
// successes, errors, retries, request rate and output tokens/s over that worker's own first send
// → last completion).
// Rates reuse metrics/throughput.ts (successful requests only, as vLLM bench serve). Warm-up rows
// (`warmup = true`) are left out, as from every statistic. `perWorker` and `perEndpoint` work on
// rows in memory, `storedPerWorker` and `storedPerEndpoint` on a stored run in DuckDB (sql.ts
// `groupTotalsSql`: the same totals per group).
import { group, sum } from "d3";
import { query } from "../store/duckdb.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";
import { groupTotalsSql } from "./sql.ts";
import type { MetricRow } from "./types.ts";
import { perSecond, throughput } from "./throughput.ts";

export type WorkerRow = Pick<MetricRow, "status" | "sent_ms" | "done_ms" | "prompt_tokens" | "completion_tokens"> &
  Pick<RequestRow, "worker" | "attempts"> & {
    /** Absent or null in runs stored before the column existed: not a warm-up request. */
    warmup?: boolean | null;
  };

export interface WorkerStats {
  worker: number;
  requests: number;
  successes: number;
  errors: number;
  /** Extra attempts: Σ (attempts − 1). */
  retries: number;
  /** Successful requests per second over the worker's first send → last completion. */
  requestRate: number;
  /** Output tokens per second (successful requests) over the same span. */
  outputTokensPerS: number;
  /** Prompt + output tokens per second (successful requests) over the same span. */
  totalTokensPerS: number;
  durationS: number;
}

/** Rows that enter statistics: everything but warm-up requests. */
export function measuredRows<T extends { warmup?: boolean | null }>(rows: Iterable<T>): T[] {
  const out: T[] = [];
  for (const row of rows) if (row.warmup !== true) out.push(row);
  return out;
}

/** Ascending keys (numbers, or strings by UTF-16 code units). */
function byKey<K extends string | number>(a: K, b: K): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The same statistics for any grouping of rows (by worker, by endpoint, …), sorted by key. */
function perGroup<R extends WorkerRow, K extends string | number>(
  rows: Iterable<R>,
  keyOf: (row: R) => K,
): { key: K; stats: Omit<WorkerStats, "worker"> }[] {
  return [...group(measuredRows(rows), keyOf)]
    .sort(([a], [b]) => byKey(a, b))
    .map(([key, list]) => {
      const t = throughput(list);
      const retries = sum(list, (r) => r.attempts - 1);
      return {
        key,
        stats: {
          requests: list.length,
          successes: t.completed,
          errors: list.length - t.completed,
          retries,
          requestRate: t.requestThroughput,
          outputTokensPerS: t.outputThroughput,
          totalTokensPerS: t.totalTokenThroughput,
          durationS: t.durationS,
        },
      };
    });
}

/** Statistics per worker, by worker number. */
export function perWorker(rows: Iterable<WorkerRow>): WorkerStats[] {
  return perGroup(rows, (r) => r.worker).map(({ key, stats }) => ({ worker: key, ...stats }));
}

export type EndpointStats = Omit<WorkerStats, "worker"> & { endpoint: string };

/** Statistics per endpoint (replica), by base URL: how requests were spread and how each replica did. */
export function perEndpoint(rows: Iterable<WorkerRow & Pick<RequestRow, "endpoint">>): EndpointStats[] {
  return perGroup(rows, (r) => r.endpoint).map(({ key, stats }) => ({ endpoint: key, ...stats }));
}

/** The groups of a stored run's measured rows by `key`, with the statistics of `perGroup`, sorted by key. */
async function storedPerGroup<K extends string | number>(requestsPath: string, key: "worker" | "endpoint") {
  const rows = await query(groupTotalsSql(key, "measured"), { path: requestsPath });
  return rows
    .map((r) => {
      const first = (r.firstSendMs as number | null) ?? Infinity;
      const last = (r.lastDoneMs as number | null) ?? -Infinity;
      const durationS = last > first ? (last - first) / 1000 : 0;
      const [requests, completed, input, output] = [
        r.requests,
        r.completed,
        r.totalInputTokens,
        r.totalOutputTokens,
      ] as number[];
      return {
        key: r.key as K,
        stats: {
          requests: requests!,
          successes: completed!,
          errors: requests! - completed!,
          retries: r.retries as number,
          requestRate: perSecond(completed!, durationS),
          outputTokensPerS: perSecond(output!, durationS),
          totalTokensPerS: perSecond(input! + output!, durationS),
          durationS,
        },
      };
    })
    .sort((a, b) => byKey(a.key, b.key));
}

/** `perWorker` of a stored run, computed in DuckDB. */
export async function storedPerWorker(requestsPath: string): Promise<WorkerStats[]> {
  return (await storedPerGroup<number>(requestsPath, "worker")).map(({ key, stats }) => ({ worker: key, ...stats }));
}

/** `perEndpoint` of a stored run, computed in DuckDB. */
export async function storedPerEndpoint(requestsPath: string): Promise<EndpointStats[]> {
  return (await storedPerGroup<string>(requestsPath, "endpoint")).map(({ key, stats }) => ({
    endpoint: key,
    ...stats,
  }));
}
