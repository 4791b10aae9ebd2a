// vLLM's periodic stats line, logged every VLLM_LOG_STATS_INTERVAL seconds (10 by default) while
// the engine is busy, read into the server series when /metrics cannot be scraped. Two layouts:
//
//   V1  "Engine 000: Avg prompt throughput: 10.7 tokens/s, Avg generation throughput: 1.6 tokens/s,
//        Running: 0 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.0%, Prefix cache hit rate: 0.0%"
//       (newer builds add parts such as "Preemptions: N" or "Deferred: N reqs");
//   V0  "Avg prompt throughput: … tokens/s, Avg generation throughput: … tokens/s, Running: N reqs,
//        Swapped: N reqs, Pending: N reqs, GPU KV cache usage: X%, CPU KV cache usage: Y%"
//       (waiting = Pending; its prefix-cache part reads "Prefix cache hit rate: GPU: X%, CPU: Y%").
//
// Each line becomes samples under vLLM's metric names, the percentages as fractions 0–1 like the
// gauges: the running, waiting and KV-cache gauges, and the V0 gauges that held the two
// throughputs and the prefix-cache hit rate. Their labels say they come from the log.
import { cleanLine } from "./startup-log.ts";

export interface StatsLine {
  /** The engine index ("0" for "Engine 000"; V0 lines name none). */
  engine: string;
  promptTokensPerS: number;
  generationTokensPerS: number;
  running: number;
  waiting: number;
  /** GPU KV-cache usage, 0–1. */
  kvCacheUsage: number;
  /** Prefix-cache hit rate, 0–1 (null when the line has none). */
  prefixCacheHitRate: number | null;
}

/** The metric each field is stored under. */
export const STATS_METRICS = {
  promptTokensPerS: "vllm:avg_prompt_throughput_toks_per_s",
  generationTokensPerS: "vllm:avg_generation_throughput_toks_per_s",
  running: "vllm:num_requests_running",
  waiting: "vllm:num_requests_waiting",
  kvCacheUsage: "vllm:kv_cache_usage_perc",
  prefixCacheHitRate: "vllm:gpu_prefix_cache_hit_rate",
} as const;

/** A logged percentage (one or two decimals) as the fraction it stands for. */
const fraction = (percent: number): number => Math.round(percent * 100) / 10_000;

const field = (line: string, pattern: RegExp): number | null => {
  const m = pattern.exec(line);
  return m ? Number(m[1]) : null;
};

/** The stats of one log line, or null when it is not a stats line. */
export function parseStatsLine(raw: string): StatsLine | null {
  const line = cleanLine(raw);
  const prompt = field(line, /Avg prompt throughput: ([\d.]+) tokens\/s/);
  const generation = field(line, /Avg generation throughput: ([\d.]+) tokens\/s/);
  const running = field(line, /Running: (\d+) reqs/);
  const waiting = field(line, /(?:Waiting|Pending): (\d+) reqs/);
  const kv = field(line, /GPU KV cache usage: ([\d.]+)%/);
  if (prompt === null || generation === null || running === null || waiting === null || kv === null) return null;
  const hit = field(line, /Prefix cache hit rate: (?:GPU: )?([\d.]+)%/);
  return {
    engine: String(Number(/Engine (\d+):/.exec(line)?.[1] ?? 0)),
    promptTokensPerS: prompt,
    generationTokensPerS: generation,
    running,
    waiting,
    kvCacheUsage: fraction(kv),
    prefixCacheHitRate: hit === null ? null : fraction(hit),
  };
}

/** The samples of a stats line: metric, labels (with `source: "log"`), value. */
export function statsSamples(s: StatsLine): { metric: string; labels: Record<string, string>; value: number }[] {
  const labels = { engine: s.engine, source: "log" };
  const out = [];
  for (const [key, metric] of Object.entries(STATS_METRICS)) {
    const value = s[key as keyof typeof STATS_METRICS];
    if (value !== null) out.push({ metric, labels, value });
  }
  return out;
}

/** Stats lines as a server's log prints them (a launched server's `logStats`). */
export interface LogStats {
  /** Calls `listener` with each stats line from now on; returns the unsubscribe. */
  subscribe(listener: (s: StatsLine) => void): () => void;
}

/** A LogStats fed line by line (`feed`), e.g. from a child process's output. */
export function logStatsFeed(): LogStats & { feed(line: string): void } {
  const listeners = new Set<(s: StatsLine) => void>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    feed(line) {
      if (listeners.size === 0) return;
      const s = parseStatsLine(line);
      if (s) for (const l of listeners) l(s);
    },
  };
}
