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
// Failed requests do not count. Null when no successful request had the times either needs.
// The chunk count is one fold (`ChunkBins`) over rows in memory (`peakFigures`) and over a stored
// run's rows streamed from DuckDB a chunk at a time (`peaks`): a window over every unnested gap
// would sort them, which costs several seconds per million requests. The concurrency peak of a
// stored run is DuckDB's (`peakConcurrencySql` in sql.ts).
import type { DuckDBListVector } from "@duckdb/node-api";
import { query, streamChunks } from "../store/duckdb.ts";
import { peakConcurrencySql } from "./sql.ts";
import type { MetricRow } from "./types.ts";

export type PeakRow = Pick<MetricRow, "status" | "sent_ms" | "first_event_ms" | "itl_ms" | "e2e_ms">;

export interface PeakFigures {
  /** The fullest 1-second bin of chunk arrivals (chunks/s, vLLM's max_output_tokens_per_s). */
  peakOutputTokensPerS: number | null;
  /** The most successful requests in flight at once (vLLM's max_concurrent_requests). */
  peakConcurrentRequests: number | null;
}

/** Chunk arrivals counted per 1-second bin from `origin` (ms), request by request. */
export class ChunkBins {
  /** Counts by bin from the origin on (a chunk before the origin is possible only with a skewed clock: `before`). */
  private readonly bins: number[] = [];
  private readonly before = new Map<number, number>();

  constructor(private readonly origin: number) {}

  /** One successful request's chunks: its first event, then the running sum of its `count` gaps (`gapAt(k)`) added on. */
  add(firstEventMs: number, count: number, gapAt: (k: number) => number): void {
    this.count(firstEventMs);
    let sum = 0;
    for (let k = 0; k < count; k++) this.count(firstEventMs + (sum += gapAt(k)));
  }

  private count(t: number): void {
    const bin = Math.floor((t - this.origin) / 1000);
    if (bin >= 0) this.bins[bin] = (this.bins[bin] ?? 0) + 1;
    else this.before.set(bin, (this.before.get(bin) ?? 0) + 1);
  }

  /** The fullest bin; null when no chunk was counted. */
  peak(): number | null {
    let peak: number | null = null;
    for (const n of [...this.bins, ...this.before.values()]) if (n !== undefined) peak = Math.max(peak ?? 0, n);
    return peak;
  }
}

/** The peak figures of rows in memory. */
export function peakFigures(rows: Iterable<PeakRow>): PeakFigures {
  const ok = [...rows].filter((r) => r.status === "ok" && r.sent_ms !== null);
  const bins = new ChunkBins(ok.reduce((min, r) => Math.min(min, r.sent_ms!), Infinity));
  const events: [number, number][] = [];
  for (const r of ok) {
    const gaps = r.itl_ms ?? [];
    if (r.first_event_ms !== null) bins.add(r.first_event_ms, gaps.length, (k) => gaps[k]!);
    if (r.e2e_ms !== null) events.push([r.sent_ms!, 1], [r.sent_ms! + r.e2e_ms, -1]);
  }
  return {
    peakOutputTokensPerS: bins.peak(),
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

/** The successful requests `peakFigures` counts chunks of, in the stored run's `measured` view. */
const OK = `FROM measured WHERE status = 'ok' AND sent_ms IS NOT NULL`;

/** The peak figures of a stored run: its rows streamed from DuckDB into `ChunkBins`, and DuckDB's concurrency peak. */
export async function peaks(requestsPath: string): Promise<PeakFigures> {
  const [origin] = await query(`SELECT min(sent_ms)::DOUBLE AS t0 ${OK}`, { path: requestsPath });
  const bins = new ChunkBins(Number(origin?.t0 ?? 0));
  const chunks = `SELECT first_event_ms::DOUBLE, coalesce(itl_ms, [])::DOUBLE[] ${OK} AND first_event_ms IS NOT NULL`;
  await streamChunks(chunks, { path: requestsPath }, (chunk) => {
    const first = chunk.getColumnVector(0);
    const lists = chunk.getColumnVector(1) as DuckDBListVector;
    const gaps = lists.childVector;
    for (let i = 0; i < chunk.rowCount; i++) {
      const offset = lists.getEntryOffset(i);
      bins.add(first.getItem(i) as number, lists.getEntryLength(i), (k) => gaps.getItem(offset + k) as number);
    }
  });
  const [concurrency] = await query(peakConcurrencySql("measured"), { path: requestsPath });
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return { peakOutputTokensPerS: bins.peak(), peakConcurrentRequests: num(concurrency?.peak) };
}
