// Per-worker (and per-endpoint) statistics: how each concurrency slot or replica fared (requests,
// successes, errors, retries, request rate and output tokens/s over that worker's own first send
// → last completion).
// Rates reuse metrics/throughput.ts (successful requests only, as vLLM bench serve). Warm-up rows
// (`warmup = true`) are left out, as from every statistic.
import { group, sum } from "d3";
import type { RequestRow } from "../store/schemas/request-row.ts";
import type { MetricRow } from "./types.ts";
import { throughput } from "./throughput.ts";

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

/** The same statistics for any grouping of rows (by worker, by endpoint, …), sorted by key. */
function perGroup<R extends WorkerRow, K extends string | number>(
  rows: Iterable<R>,
  keyOf: (row: R) => K,
): { key: K; stats: Omit<WorkerStats, "worker"> }[] {
  return [...group(measuredRows(rows), keyOf)]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
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
