// The simulator's stats line is vLLM's: the tracker's reader of real logs reads it back, and an
// idle engine logs nothing (vLLM demotes that line to DEBUG).
import { describe, expect, it } from "vitest";
import { parseStatsLine } from "../../data-loaders/server/stats-log.ts";
import { StatsLogger } from "../../data-loaders/sim/stats-log.ts";

const stats = (promptTokens: number, generationTokens: number) => ({
  promptTokens,
  generationTokens,
  numRunning: 3,
  numWaiting: 1,
  kvUsage: 0.256,
});

describe("StatsLogger", () => {
  it("writes vLLM's line with the throughputs of the interval", () => {
    const log = new StatsLogger();
    expect(log.next(stats(0, 0), 0)).toBeNull();
    const line = log.next(stats(1000, 250), 10_000)!;
    expect(line).toBe(
      "Engine 000: Avg prompt throughput: 100.0 tokens/s, Avg generation throughput: 25.0 tokens/s, Running: 3 reqs, Waiting: 1 reqs, GPU KV cache usage: 25.6%, Prefix cache hit rate: 0.0%",
    );
    expect(parseStatsLine(`INFO 06-05 09:08:47 [loggers.py:123] ${line}`)).toEqual({
      engine: "0",
      promptTokensPerS: 100,
      generationTokensPerS: 25,
      running: 3,
      waiting: 1,
      kvCacheUsage: 0.256,
      prefixCacheHitRate: 0,
    });
  });

  it("logs one line after the engine goes idle, then none", () => {
    const log = new StatsLogger();
    log.next(stats(0, 0), 0);
    expect(log.next(stats(10, 10), 1000)).not.toBeNull();
    expect(log.next(stats(10, 10), 2000)).toMatch(/Avg prompt throughput: 0\.0 tokens\/s/);
    expect(log.next(stats(10, 10), 3000)).toBeNull();
  });
});
