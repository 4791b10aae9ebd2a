// Run-level summary: the figures shown on the site and printed by the CLI.
// Every formula lives in metrics/*.ts; this module only assembles them.
import { latency } from "./latency.ts";
import { mean } from "./stats.ts";
import { throughput } from "./throughput.ts";
import type { Distribution, MetricRow } from "./types.ts";

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
  /** Successful requests without server usage (null prompt or completion tokens): left out of the token sums. */
  missingUsage: number;
  meanPromptTokens: number | null;
  meanCompletionTokens: number | null;
  /** meanCompletionTokens / meanPromptTokens. */
  outputInputRatio: number | null;
  ttftMs: Distribution;
  tpotMs: Distribution;
  itlMs: Distribution;
  e2elMs: Distribution;
}

/**
 * Summary of one run. Throughput and token figures follow vLLM bench serve (successful requests
 * over first send → last completion, or from `loadStartMs`, the origin of an open loop's schedule);
 * latency distributions use successful requests only.
 * With no timed rows the duration and throughputs are 0 and the success rate is 0.
 * Token means are over successful requests whose server reported that count.
 */
export function summarizeRun(rows: Iterable<MetricRow>, opts: { loadStartMs?: number | null } = {}): RunSummary {
  const all = [...rows];
  const ok = all.filter((r) => r.status === "ok");
  const t = throughput(all, opts.loadStartMs ?? null);
  const meanPromptTokens = mean(ok.flatMap((r) => (r.prompt_tokens === null ? [] : [r.prompt_tokens])));
  const meanCompletionTokens = mean(ok.flatMap((r) => (r.completion_tokens === null ? [] : [r.completion_tokens])));
  const lat = latency(all);
  return {
    requests: all.length,
    completed: t.completed,
    failed: all.length - t.completed,
    successRate: all.length === 0 ? 0 : t.completed / all.length,
    durationS: t.durationS,
    requestThroughput: t.requestThroughput,
    outputThroughput: t.outputThroughput,
    totalTokenThroughput: t.totalTokenThroughput,
    totalInputTokens: t.totalInputTokens,
    totalOutputTokens: t.totalOutputTokens,
    missingUsage: t.missingUsage,
    meanPromptTokens,
    meanCompletionTokens,
    outputInputRatio:
      meanPromptTokens === null || meanCompletionTokens === null || meanPromptTokens === 0
        ? null
        : meanCompletionTokens / meanPromptTokens,
    ttftMs: lat.ttftMs,
    tpotMs: lat.tpotMs,
    itlMs: lat.itlMs,
    e2elMs: lat.e2elMs,
  };
}
