// Histograms of a run's per-request values (prompt and completion tokens, TTFT, E2EL):
//   bins    = `bins` equal-width bins from the column's minimum to its maximum;
//             width = (max − min) / bins, bin i covers [min + i·width, min + (i+1)·width)
//   a value v goes to bin least(floor((v − min) / width), bins − 1), so the maximum falls in the
//   last bin; null values are skipped; a constant column is one bin [v, v + 1) holding every value.
// The bins of a stored run are counted in DuckDB (`extentSql`, `histogramCountsSql` in sql.ts)
// with the same arithmetic as `histogramBins`, so both give the same counts. (d3-array's `bin`
// places a value by bisecting the bin edges instead, which can put a value on an edge, up to
// rounding, into the neighbouring bin, and gives a constant column a bin of width 0.)
// Warm-up requests are left out, as from every statistic.
import { extent } from "d3";
import { query, quoteIdentifier } from "../store/duckdb.ts";
import { extentSql, histogramCountsSql } from "./sql.ts";

export interface HistogramBin {
  x0: number;
  x1: number;
  count: number;
}

export type NumericColumn = "prompt_tokens" | "completion_tokens" | "ttft_ms" | "tpot_ms" | "e2e_ms";

/** The bins of `values` (nulls skipped); empty when there are none. */
export function histogramBins(values: readonly (number | null)[], bins: number): HistogramBin[] {
  const [lo, hi] = extent(values, (v) => v);
  if (lo === undefined || hi === undefined) return [];
  const { width, count } = binLayout(lo, hi, bins);
  const counts = new Map<number, number>();
  for (const v of values) {
    if (v === null) continue;
    const i = Math.min(Math.floor((v - lo) / width), bins - 1);
    counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  return binsOf(lo, width, count, counts);
}

/** The bins of a column of a stored run (DuckDB over its requests.parquet); empty when it has no values. */
export async function histogram(requestsPath: string, column: NumericColumn, bins: number): Promise<HistogramBin[]> {
  const c = quoteIdentifier(column);
  const [bounds] = await query(extentSql(c, "measured"), { path: requestsPath });
  const lo = bounds?.lo as number | null;
  const hi = bounds?.hi as number | null;
  if (lo === null || hi === null) return [];
  const { width, count } = binLayout(lo, hi, bins);
  const rows = await query(histogramCountsSql(c, "measured"), { path: requestsPath, lo, width, last: bins - 1 });
  return binsOf(lo, width, count, new Map(rows.map((r) => [r.bin as number, r.count as number])));
}

/** Bin width and number of bins for values from `lo` to `hi`. */
function binLayout(lo: number, hi: number, bins: number): { width: number; count: number } {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  return hi > lo ? { width: (hi - lo) / bins, count: bins } : { width: 1, count: 1 };
}

function binsOf(lo: number, width: number, count: number, counts: Map<number, number>): HistogramBin[] {
  return Array.from({ length: count }, (_, i) => ({
    x0: lo + i * width,
    x1: lo + (i + 1) * width,
    count: counts.get(i) ?? 0,
  }));
}
