// Peak figures of a run, as `vllm bench serve` computes them beside its means:
//   peakOutputTokensPerS   (vLLM's max_output_tokens_per_s): every successful request's chunk
//     arrival times (first event with choices, then each inter-chunk gap added on) are counted in
//     1-second bins from the earliest send of a successful request; the fullest bin. It counts
//     chunks, not tokens: a chunk carrying several tokens counts once.
//   peakConcurrentRequests (vLLM's max_concurrent_requests): the most successful requests in
//     flight at once, each over [sent_ms, sent_ms + e2e_ms); a request ending at the moment another
//     starts is not counted with it. (Releases before mid-2026 counted the requests active in each
//     1-second bin instead, which can exceed the concurrency setting; result files they wrote carry
//     that larger figure.)
// Failed requests do not count. Null when no successful request had the times either needs. A
// stored run is computed in DuckDB (`peakChunksSql`, `peakConcurrencySql` in sql.ts); `peakFigures`
// is the same over rows in memory.
import { query } from "../store/duckdb.ts";
import { peakChunksSql, peakConcurrencySql } from "./sql.ts";
import type { MetricRow } from "./types.ts";

export type PeakRow = Pick<MetricRow, "status" | "sent_ms" | "first_event_ms" | "itl_ms" | "e2e_ms">;

export interface PeakFigures {
  /** The fullest 1-second bin of chunk arrivals (chunks/s, vLLM's max_output_tokens_per_s). */
  peakOutputTokensPerS: number | null;
  /** The most successful requests in flight at once (vLLM's max_concurrent_requests). */
  peakConcurrentRequests: number | null;
}

/** The peak figures of rows in memory. */
export function peakFigures(rows: Iterable<PeakRow>): PeakFigures {
  const ok = [...rows].filter((r) => r.status === "ok" && r.sent_ms !== null);
  const origin = ok.reduce((min, r) => Math.min(min, r.sent_ms!), Infinity);
  const bins = new Map<number, number>();
  const add = (t: number) => {
    const bin = Math.floor((t - origin) / 1000);
    bins.set(bin, (bins.get(bin) ?? 0) + 1);
  };
  const events: [number, number][] = [];
  for (const r of ok) {
    if (r.first_event_ms !== null) {
      add(r.first_event_ms);
      // The running sum of the gaps, added to the first event (the same order of additions as the SQL).
      let sum = 0;
      for (const gap of r.itl_ms ?? []) add(r.first_event_ms + (sum += gap));
    }
    if (r.e2e_ms !== null) events.push([r.sent_ms!, 1], [r.sent_ms! + r.e2e_ms, -1]);
  }
  return {
    peakOutputTokensPerS: bins.size ? [...bins.values()].reduce((a, b) => Math.max(a, b)) : null,
    peakConcurrentRequests: events.length ? sweepPeak(events) : null,
  };
}

/** The highest running sum of +1 (start) / −1 (end) events in time order, ends before starts at a tie. */
function sweepPeak(events: [number, number][]): number {
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let peak = 0;
  for (const [, delta] of events) peak = Math.max(peak, (current += delta));
  return peak;
}

/** The peak figures of a stored run (DuckDB over its requests.parquet). */
export async function peaks(requestsPath: string): Promise<PeakFigures> {
  const [chunks] = await query(peakChunksSql("measured"), { path: requestsPath });
  const [concurrency] = await query(peakConcurrencySql("measured"), { path: requestsPath });
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return { peakOutputTokensPerS: num(chunks?.peak), peakConcurrentRequests: num(concurrency?.peak) };
}
