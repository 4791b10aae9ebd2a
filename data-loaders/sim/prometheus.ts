// Prometheus `/metrics` in vLLM's current (V1, 0.28-era) names and labels. Every series has
// `engine="0"` and `model_name`; labels are printed in alphabetical order and values as Python
// floats ("1.0"), as in the recorded vLLM bodies. Durations are wall-clock seconds as seen by
// this process (with a speedup they are the sped-up durations, like the client's).
import type { EngineObserver, FinishReason } from "./engine.ts";
import type { SimProfile } from "./profiles.ts";

const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0,
  640.0, 2560.0,
];
const ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
];
const E2E_BUCKETS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0,
  7680.0,
];
const ITERATION_BUCKETS = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];
const FINISH_REASONS: FinishReason[] = ["stop", "length", "abort", "error"];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) this.counts[i]!++;
  }
}

/** Python-float rendering: integers get ".0". */
function num(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

function labels(l: Record<string, string>): string {
  return (
    "{" +
    Object.keys(l)
      .sort()
      .map((k) => `${k}="${l[k]!.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`)
      .join(",") +
    "}"
  );
}

export interface EngineGauges {
  numRunning: number;
  numWaiting: number;
  kvUsage: number;
}

export class PrometheusMetrics implements EngineObserver {
  private promptTokens = 0;
  private generationTokens = 0;
  private preemptions = 0;
  private readonly success = new Map<FinishReason, number>(FINISH_REASONS.map((r) => [r, 0]));
  private readonly ttft = new Histogram(TTFT_BUCKETS);
  private readonly itl = new Histogram(ITL_BUCKETS);
  private readonly e2e = new Histogram(E2E_BUCKETS);
  private readonly iteration = new Histogram(ITERATION_BUCKETS);

  constructor(private readonly profile: SimProfile) {}

  /** Prompt and generated tokens so far (what vLLM's stats line turns into throughputs). */
  get tokenTotals(): { prompt: number; generation: number } {
    return { prompt: this.promptTokens, generation: this.generationTokens };
  }

  scheduledFirstTime(promptTokens: number): void {
    this.promptTokens += promptTokens;
  }
  token(ttftMs: number | null, itlMs: number | null): void {
    this.generationTokens++;
    if (ttftMs !== null) this.ttft.observe(ttftMs / 1000);
    if (itlMs !== null) this.itl.observe(itlMs / 1000);
  }
  finished(reason: FinishReason, _promptTokens: number, generated: number, e2eMs: number): void {
    this.success.set(reason, (this.success.get(reason) ?? 0) + 1);
    if (generated > 0) this.e2e.observe(e2eMs / 1000);
  }
  preempted(): void {
    this.preemptions++;
  }
  step(tokens: number): void {
    this.iteration.observe(tokens);
  }

  render(gauges: EngineGauges): string {
    const base = { engine: "0", model_name: this.profile.model };
    const out: string[] = [];
    const family = (name: string, type: string, help: string): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    const gauge = (name: string, help: string, v: number): void => {
      family(name, "gauge", help);
      out.push(`${name}${labels(base)} ${num(v)}`);
    };
    const counter = (name: string, help: string, v: number): void => {
      family(name, "counter", help);
      out.push(`${name}_total${labels(base)} ${num(v)}`);
    };
    const histogram = (name: string, help: string, h: Histogram): void => {
      family(name, "histogram", help);
      h.buckets.forEach((le, i) => out.push(`${name}_bucket${labels({ ...base, le: num(le) })} ${num(h.counts[i]!)}`));
      out.push(`${name}_bucket${labels({ ...base, le: "+Inf" })} ${num(h.count)}`);
      out.push(`${name}_count${labels(base)} ${num(h.count)}`);
      out.push(`${name}_sum${labels(base)} ${num(h.sum)}`);
    };
    const p = this.profile;
    gauge("vllm:num_requests_running", "Number of requests in model execution batches.", gauges.numRunning);
    gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", gauges.numWaiting);
    gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", gauges.kvUsage);
    counter("vllm:num_preemptions", "Cumulative number of preemption from the engine.", this.preemptions);
    counter("vllm:prompt_tokens", "Number of prefill tokens processed.", this.promptTokens);
    counter("vllm:generation_tokens", "Number of generation tokens processed.", this.generationTokens);
    family("vllm:request_success", "counter", "Count of successfully processed requests.");
    for (const [reason, v] of this.success)
      out.push(`vllm:request_success_total${labels({ ...base, finished_reason: reason })} ${num(v)}`);
    histogram("vllm:iteration_tokens_total", "Histogram of number of tokens per engine_step.", this.iteration);
    histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", this.ttft);
    histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", this.itl);
    histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", this.e2e);
    const blocks = Math.floor(p.kvCacheTokens / p.blockSize);
    family("vllm:cache_config_info", "gauge", "Information of the LLMEngine CacheConfig");
    out.push(
      `vllm:cache_config_info${labels({
        block_size: String(p.blockSize),
        cache_dtype: "auto",
        enable_prefix_caching: "True",
        engine: "0",
        gpu_memory_utilization: "0.92",
        kv_cache_max_concurrency: String((blocks * p.blockSize) / p.maxModelLen),
        kv_cache_size_tokens: String(blocks * p.blockSize),
        num_cpu_blocks: "None",
        num_gpu_blocks: String(blocks),
        num_gpu_blocks_override: "None",
        prefix_caching_hash_algo: "sha256",
        sliding_window: "None",
      })} 1.0`,
    );
    return out.join("\n") + "\n";
  }
}
