// The shapes the metric formulas share: the stored columns a run-level metric reads, and the
// descriptive statistics of one list of values (stats.ts `distribution`, sql.ts `distributionSql`).
import type { METRIC_COLUMNS } from "../store/columns.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";

/** The columns of a stored row that the metrics need (store/columns.ts `METRIC_COLUMNS`). */
export type MetricRow = Pick<RequestRow, (typeof METRIC_COLUMNS)[number]>;

export interface Distribution {
  /** Number of values. */
  n: number;
  mean: number | null;
  median: number | null;
  /** Population standard deviation (numpy ddof=0). */
  std: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  min: number | null;
  max: number | null;
}
