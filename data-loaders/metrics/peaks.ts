// Peak figures of a run, as `vllm bench serve` computes them beside its means:
//   peakOutputTokensPerS   (vLLM's max_output_tokens_per_s): every successful request's chunk
//     arrival times (first event with choices, then each inter-chunk gap added on) are counted in
//     1-second bins from the earliest send of a successful request; the fullest bin. It counts
//     chunks, not tokens: a chunk carrying several tokens counts once.
//   peakConcurrentRequests (vLLM's max_concurrent_requests): the fullest 1-second bin (the same
//     bins) of successful requests active in it: each request counts in every bin from the one
//     holding its send to the one holding its end (sent_ms + e2e_ms), both included. Two short
//     requests one after the other inside one second both count in it, so this is at least the
//     most requests in flight at any instant.
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
  /** The fullest 1-second bin of successful requests active in it (vLLM's max_concurrent_requests). */
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
  // +1 at the bin a request starts in, −1 at the bin after the one it ends in.
  const active = new Map<number, number>();
  const step = (bin: number, delta: number) => active.set(bin, (active.get(bin) ?? 0) + delta);
  for (const r of ok) {
    if (r.first_event_ms !== null) {
      add(r.first_event_ms);
      // The running sum of the gaps, added to the first event (the same order of additions as the SQL).
      let sum = 0;
      for (const gap of r.itl_ms ?? []) add(r.first_event_ms + (sum += gap));
    }
    if (r.e2e_ms !== null) {
      step(Math.floor((r.sent_ms! - origin) / 1000), 1);
      step(Math.floor((r.sent_ms! + r.e2e_ms - origin) / 1000) + 1, -1);
    }
  }
  return {
    peakOutputTokensPerS: bins.size ? [...bins.values()].reduce((a, b) => Math.max(a, b)) : null,
    peakConcurrentRequests: active.size ? runningPeak(active) : null,
  };
}

/** The highest running sum of the per-bin steps, in bin order. */
function runningPeak(steps: Map<number, number>): number {
  let current = 0;
  let peak = 0;
  for (const bin of [...steps.keys()].sort((a, b) => a - b)) peak = Math.max(peak, (current += steps.get(bin)!));
  return peak;
}

/** The peak figures of a stored run (DuckDB over its requests.parquet). */
export async function peaks(requestsPath: string): Promise<PeakFigures> {
  const [chunks] = await query(peakChunksSql("measured"), { path: requestsPath });
  const [concurrency] = await query(peakConcurrencySql("measured"), { path: requestsPath });
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return { peakOutputTokensPerS: num(chunks?.peak), peakConcurrentRequests: num(concurrency?.peak) };
}
