// vLLM's periodic stats line in both layouts (the V1 line as vLLM's LoggingStatLogger formats it,
// and a V0 line recorded in a vLLM issue), read into samples under vLLM's metric names.
import { describe, expect, it } from "vitest";
import { parseStatsLine, statsSamples } from "../../data-loaders/server/stats-log.ts";

describe("parseStatsLine", () => {
  it("reads the V1 line, with a process prefix and the parts newer builds add", () => {
    const line =
      "(APIServer pid=1) INFO 05-19 11:24:04 [loggers.py:123] Engine 000: Avg prompt throughput: 10.7 tokens/s, Avg generation throughput: 1.6 tokens/s, Running: 2 reqs, Waiting: 5 reqs, GPU KV cache usage: 12.5%, Prefix cache hit rate: 47.0%";
    expect(parseStatsLine(line)).toEqual({
      engine: "0",
      promptTokensPerS: 10.7,
      generationTokensPerS: 1.6,
      running: 2,
      waiting: 5,
      kvCacheUsage: 0.125,
      prefixCacheHitRate: 0.47,
    });
    const newer = parseStatsLine(
      "INFO 09-01 10:00:00 [loggers.py:200] Engine 001: Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 312.4 tokens/s, Running: 32 reqs, Waiting: 0 reqs, Deferred: 1 reqs, GPU KV cache usage: 88.1%, Prefix cache hit rate: 0.0%, Preemptions: 3",
    );
    expect(newer).toMatchObject({ engine: "1", generationTokensPerS: 312.4, running: 32, kvCacheUsage: 0.881 });
  });

  it("reads the V0 line (Pending is the waiting queue)", () => {
    const line =
      "INFO 02-15 22:10:03 metrics.py:455] Avg prompt throughput: 33.4 tokens/s, Avg generation throughput: 37.8 tokens/s, Running: 1 reqs, Swapped: 0 reqs, Pending: 0 reqs, GPU KV cache usage: 0.1%, CPU KV cache usage: 0.0%.";
    expect(parseStatsLine(line)).toEqual({
      engine: "0",
      promptTokensPerS: 33.4,
      generationTokensPerS: 37.8,
      running: 1,
      waiting: 0,
      kvCacheUsage: 0.001,
      prefixCacheHitRate: null,
    });
    expect(
      parseStatsLine(
        "INFO 05-11 12:05:00 metrics.py:489] Prefix cache hit rate: GPU: 25.00%, CPU: 0.00% Avg prompt throughput: 1.0 tokens/s, Avg generation throughput: 2.0 tokens/s, Running: 1 reqs, Swapped: 0 reqs, Pending: 0 reqs, GPU KV cache usage: 1.0%, CPU KV cache usage: 0.0%.",
      )?.prefixCacheHitRate,
    ).toBe(0.25);
  });

  it("reads lines of public vLLM logs: the prefix cache is not taken from the parts that follow it", () => {
    // An LMCache deployment (External prefix cache) and a multimodal one (MM cache), as printed.
    const external = parseStatsLine(
      "(APIServer pid=39503) INFO 01-28 06:26:43 [loggers.py:257] Engine 000: Avg prompt throughput: 481.2 tokens/s, Avg generation throughput: 5.1 tokens/s, Running: 1 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.1%, Prefix cache hit rate: 0.0%, External prefix cache hit rate: 47.9%",
    );
    expect(external).toEqual({
      engine: "0",
      promptTokensPerS: 481.2,
      generationTokensPerS: 5.1,
      running: 1,
      waiting: 0,
      kvCacheUsage: 0.001,
      prefixCacheHitRate: 0,
    });
    const multimodal = parseStatsLine(
      "(APIServer pid=1) INFO 06-01 22:00:52 [loggers.py:271] Engine 000: Avg prompt throughput: 908.0 tokens/s, Avg generation throughput: 26.9 tokens/s, Running: 1 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.4%, Prefix cache hit rate: 31.9%, MM cache hit rate: 98.3%",
    );
    expect(multimodal).toMatchObject({ promptTokensPerS: 908, kvCacheUsage: 0.004, prefixCacheHitRate: 0.319 });
  });

  it("ignores every other line", () => {
    expect(
      parseStatsLine("INFO 06-05 09:08:37 [api_server.py:1336] Starting vLLM API server on http://0.0.0.0:8000"),
    ).toBeNull();
    expect(parseStatsLine('INFO:     127.0.0.1:5000 - "POST /v1/chat/completions HTTP/1.1" 200 OK')).toBeNull();
  });
});

describe("statsSamples", () => {
  it("stores each part under vLLM's name, marked as read from the log", () => {
    const s = parseStatsLine(
      "INFO 05-19 11:24:04 [loggers.py:123] Engine 000: Avg prompt throughput: 10.7 tokens/s, Avg generation throughput: 1.6 tokens/s, Running: 2 reqs, Waiting: 5 reqs, GPU KV cache usage: 12.5%, Prefix cache hit rate: 47.0%",
    )!;
    const labels = { engine: "0", source: "log" };
    expect(statsSamples(s)).toEqual([
      { metric: "vllm:avg_prompt_throughput_toks_per_s", labels, value: 10.7 },
      { metric: "vllm:avg_generation_throughput_toks_per_s", labels, value: 1.6 },
      { metric: "vllm:num_requests_running", labels, value: 2 },
      { metric: "vllm:num_requests_waiting", labels, value: 5 },
      { metric: "vllm:kv_cache_usage_perc", labels, value: 0.125 },
      { metric: "vllm:gpu_prefix_cache_hit_rate", labels, value: 0.47 },
    ]);
  });
});
