// A small closed-loop load generator for the simulator tests (plain fetch, non-streaming).
import { performance } from "node:perf_hooks";
import type { Simulator } from "../../data-loaders/sim/simulator.ts";

export interface LoadPrompt {
  messages: { role: string; content: string }[];
}

export interface LoadResult {
  startMs: number;
  endMs: number;
  promptTokens: number;
  completionTokens: number;
}

/** `concurrency` workers each send their next request when the previous one finishes. */
export async function runClosedLoop(
  sim: Simulator,
  prompts: LoadPrompt[],
  opts: { concurrency: number; requests: number; maxTokens: number; idPrefix?: string },
): Promise<LoadResult[]> {
  const results: LoadResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < opts.requests) {
      const i = next++;
      const startMs = performance.now();
      const res = await fetch(`${sim.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": `${opts.idPrefix ?? "load"}-${i}` },
        body: JSON.stringify({
          model: sim.model,
          messages: prompts[i % prompts.length]!.messages,
          max_completion_tokens: opts.maxTokens,
          temperature: 0.7,
          seed: i,
        }),
      });
      const body = (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
      results.push({
        startMs,
        endMs: performance.now(),
        promptTokens: body.usage.prompt_tokens,
        completionTokens: body.usage.completion_tokens,
      });
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return results;
}

export interface SteadyState {
  /** Total (prompt + completion) tokens per second of simulated time. */
  totalTokPerS: number;
  reqPerS: number;
  meanPromptTokens: number;
  meanCompletionTokens: number;
}

/**
 * Throughput between the 10th and 90th percentile of completion times (ramp-up and drain
 * excluded), scaled back to simulated time by the speedup.
 */
export function steadyState(results: LoadResult[], speedup: number, notBeforeMs = -Infinity): SteadyState {
  const byEnd = [...results].sort((a, b) => a.endMs - b.endMs);
  const t0 = Math.max(byEnd[Math.floor(byEnd.length * 0.1)]!.endMs, notBeforeMs);
  const t1 = byEnd[Math.floor(byEnd.length * 0.9)]!.endMs;
  const window = byEnd.filter((r) => r.endMs > t0 && r.endMs <= t1);
  const tokens = window.reduce((a, r) => a + r.promptTokens + r.completionTokens, 0);
  const simSeconds = ((t1 - t0) * speedup) / 1000;
  const mean = (f: (r: LoadResult) => number): number => results.reduce((a, r) => a + f(r), 0) / results.length;
  return {
    totalTokPerS: tokens / simSeconds,
    reqPerS: window.length / simSeconds,
    meanPromptTokens: mean((r) => r.promptTokens),
    meanCompletionTokens: mean((r) => r.completionTokens),
  };
}

/**
 * Sends all `requests` at once to a simulator started with max_num_seqs = C: while requests
 * wait, the engine runs exactly C sequences, like C closed-loop workers with no client
 * overhead. Throughput comes from the server's ground truth (exact engine step times): tokens
 * generated plus prompt tokens prefilled between the last arrival and the last admission (the
 * saturated window), per second of simulated time.
 */
export async function saturatedThroughput(
  sim: Simulator,
  prompts: LoadPrompt[],
  requests: number,
  maxTokens: number,
  speedup: number,
): Promise<SteadyState & { windowS: number }> {
  await Promise.all(
    Array.from({ length: requests }, async (_, i) => {
      const res = await fetch(`${sim.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": `cal-${i}` },
        body: JSON.stringify({
          model: sim.model,
          messages: prompts[i % prompts.length]!.messages,
          max_completion_tokens: maxTokens,
          temperature: 0.7,
          seed: i,
        }),
      });
      await res.arrayBuffer();
    }),
  );
  const records = sim.groundTruth().filter((r) => r.requestId.startsWith("cal-"));
  const t0 = Math.max(...records.map((r) => r.arrivalMs));
  const t1 = Math.max(...records.map((r) => r.firstTokenMs!));
  let tokens = 0;
  let admitted = 0;
  for (const r of records) {
    tokens += r.tokenMs.filter((t) => t > t0 && t <= t1).length;
    if (r.firstTokenMs! > t0 && r.firstTokenMs! <= t1) {
      tokens += r.promptTokens;
      admitted++;
    }
  }
  const simSeconds = ((t1 - t0) * speedup) / 1000;
  const mean = (f: (r: (typeof records)[number]) => number): number =>
    records.reduce((a, r) => a + f(r), 0) / records.length;
  return {
    totalTokPerS: tokens / simSeconds,
    reqPerS: admitted / simSeconds,
    meanPromptTokens: mean((r) => r.promptTokens),
    meanCompletionTokens: mean((r) => r.completionTokens),
    windowS: simSeconds,
  };
}
