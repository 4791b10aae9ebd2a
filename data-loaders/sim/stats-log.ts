// vLLM's periodic stats line (V1's LoggingStatLogger), written from the simulator's engine: the
// average prompt and generation throughput since the previous line, the running and waiting
// requests, KV-cache usage and the prefix-cache hit rate (the simulator caches no prefixes: 0.0%).
// Like vLLM, a line whose throughputs and previous throughputs are all zero is not logged at
// INFO (it is demoted to DEBUG on an idle engine), so `next` gives null for it.

export interface EngineStats {
  promptTokens: number;
  generationTokens: number;
  numRunning: number;
  numWaiting: number;
  /** 0–1. */
  kvUsage: number;
}

/** Formats vLLM's stats lines from successive engine stats. */
export class StatsLogger {
  private last: { atMs: number; prompt: number; generation: number } | null = null;
  private lastThroughputs = [0, 0];

  /** The line for the interval since the previous call (the first call starts the interval: null). */
  next(stats: EngineStats, atMs: number): string | null {
    const last = this.last;
    this.last = { atMs, prompt: stats.promptTokens, generation: stats.generationTokens };
    if (!last) return null;
    const seconds = (atMs - last.atMs) / 1000;
    const rate = (n: number): number => (seconds > 0 ? n / seconds : 0);
    const prompt = rate(stats.promptTokens - last.prompt);
    const generation = rate(stats.generationTokens - last.generation);
    const idle = [prompt, generation, ...this.lastThroughputs].every((v) => v === 0);
    this.lastThroughputs = [prompt, generation];
    if (idle) return null;
    return (
      `Engine 000: Avg prompt throughput: ${prompt.toFixed(1)} tokens/s, ` +
      `Avg generation throughput: ${generation.toFixed(1)} tokens/s, ` +
      `Running: ${stats.numRunning} reqs, Waiting: ${stats.numWaiting} reqs, ` +
      `GPU KV cache usage: ${(stats.kvUsage * 100).toFixed(1)}%, Prefix cache hit rate: 0.0%`
    );
  }
}
