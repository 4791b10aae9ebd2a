// Run-level summary: the figures shown on the site and printed by the CLI.
// Every formula lives in metrics/*.ts; this module only assembles them.
// (Interface fixed first so the site and runner can be written against it.)
import type { RequestRow } from "../store/rows.ts";

/** The columns of a stored row that the metrics need. */
export type MetricRow = Pick<
  RequestRow,
  "status" | "sent_ms" | "first_event_ms" | "done_ms" | "ttft_ms" | "e2e_ms" | "tpot_ms" | "itl_ms" | "prompt_tokens" | "completion_tokens"
>;

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

export interface RunSummary {
  requests: number;
  completed: number;
  failed: number;
  /** completed / requests (0..1). */
  successRate: number;
  /** First send → last completion, seconds. */
  durationS: number;
  requestThroughput: number;
  outputThroughput: number;
  totalTokenThroughput: number;
  totalInputTokens: number;
  totalOutputTokens: number;
  meanPromptTokens: number | null;
  meanCompletionTokens: number | null;
  /** meanCompletionTokens / meanPromptTokens. */
  outputInputRatio: number | null;
  ttftMs: Distribution;
  tpotMs: Distribution;
  itlMs: Distribution;
  e2elMs: Distribution;
}
