import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  histogram,
  interTokenLatency,
  kvCacheUsage,
  parsePrometheus,
  PrometheusParseError,
  value,
  values,
} from "../../data-loaders/server/prometheus.ts";

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, "../fixtures/vllm", name), "utf8");

describe("metrics-0.9.2-v0-2025-07.txt (V0, old names)", () => {
  const expo = parsePrometheus(fixture("metrics-0.9.2-v0-2025-07.txt"), "metrics-0.9.2-v0-2025-07.txt");
  const vllmFamilies = [...expo.families.keys()].filter((n) => n.startsWith("vllm:"));

  it("groups the samples into the 22 declared families", () => {
    expect(vllmFamilies).toHaveLength(22);
    expect(expo.families.get("vllm:iteration_tokens_total")!.type).toBe("histogram");
    expect(expo.families.get("vllm:prompt_tokens_total")!.type).toBe("counter");
    expect(expo.families.get("vllm:prompt_tokens_total")!.help).toBe("Number of prefill tokens processed.");
  });

  it("has only the model_name label (no engine), none at all on cache_config_info", () => {
    for (const s of expo.samples) {
      expect(s.labels.engine).toBeUndefined();
      if (s.name === "vllm:cache_config_info" || s.name === "vllm:lora_requests_info") continue;
      expect(s.labels.model_name).toBe("Qwen/Qwen3-0.6B");
    }
    const info = values(expo, "vllm:cache_config_info")[0]!;
    expect(info.labels.model_name).toBeUndefined();
    expect(info.labels).toMatchObject({
      block_size: "16",
      num_gpu_blocks: "2340",
      gpu_memory_utilization: "0.9",
      enable_prefix_caching: "None",
    });
  });

  it("falls back to the old KV usage and inter-token latency names", () => {
    expect(value(expo, "vllm:kv_cache_usage_perc")).toBeNull();
    expect(kvCacheUsage(expo).map((s) => s.value)).toEqual([0]);
    const [itl] = interTokenLatency(expo);
    expect(itl!.count).toBe(106);
    expect(itl!.sum).toBe(2.254702091217041);
  });

  it("reads the counters under their _total names", () => {
    expect(value(expo, "vllm:prompt_tokens_total")).toBe(14);
    expect(value(expo, "vllm:generation_tokens_total")).toBe(107);
    expect(value(expo, "vllm:request_success_total", { finished_reason: "stop" })).toBe(1);
    expect(value(expo, "vllm:num_preemptions_total")).toBe(0);
    expect(value(expo, "vllm:num_requests_running")).toBe(0);
    expect(value(expo, "vllm:num_requests_waiting")).toBe(0);
  });

  it("reads histograms whatever the order of _sum, _bucket and _count", () => {
    const sumOf = (name: string): number | null => histogram(expo, name)[0]!.sum;
    const ttft = histogram(expo, "vllm:time_to_first_token_seconds")[0]!;
    expect(ttft.count).toBe(1);
    expect(ttft.sum).toBe(0.2756359577178955);
    expect(sumOf("vllm:e2e_request_latency_seconds")).toBe(2.5305089950561523);
    expect(sumOf("vllm:request_queue_time_seconds")).toBe(0.0024089813232421875);
    expect(sumOf("vllm:request_prefill_time_seconds")).toBe(0.2732269763946533);
    expect(sumOf("vllm:request_decode_time_seconds")).toBe(2.254873037338257);
    expect(sumOf("vllm:request_inference_time_seconds")).toBe(2.52810001373291);
    expect(sumOf("vllm:request_params_max_tokens")).toBe(8178);
    const iter = histogram(expo, "vllm:iteration_tokens_total")[0]!;
    expect(iter.sum).toBe(121);
    expect(iter.count).toBe(1093);
    expect(iter.buckets.at(-1)).toEqual({ le: Infinity, count: 1093 });
    expect(iter.buckets[0]).toEqual({ le: 1, count: 1092 });
    expect(iter.labels).toEqual({ model_name: "Qwen/Qwen3-0.6B" });
  });

  it("keeps the lora_requests_info timestamp value as it is", () => {
    expect(value(expo, "vllm:lora_requests_info")).toBe(1753628553.989693);
  });
});

describe("metrics-0.28.txt (current names, no HELP/TYPE lines)", () => {
  const expo = parsePrometheus(fixture("metrics-0.28.txt"), "metrics-0.28.txt");

  it("reads gauges and counters without TYPE lines", () => {
    expect(value(expo, "vllm:num_requests_running")).toBe(0);
    expect(value(expo, "vllm:num_requests_waiting")).toBe(0);
    expect(value(expo, "vllm:num_requests_waiting_by_reason", { reason: "capacity" })).toBe(0);
    expect(kvCacheUsage(expo)).toEqual([
      {
        name: "vllm:kv_cache_usage_perc",
        labels: { engine: "0", model_name: "qwen3.8-27b" },
        value: 0,
        timestampMs: null,
      },
    ]);
    const queries = value(expo, "vllm:prefix_cache_queries_total")!;
    const hits = value(expo, "vllm:prefix_cache_hits_total")!;
    expect([queries, hits]).toEqual([16681, 7840]);
    expect(hits / queries).toBeCloseTo(0.47, 3);
    expect(expo.families.get("vllm:num_requests_running")!.type).toBe("untyped");
  });

  it("keeps every cache_config_info label, private ones included", () => {
    const info = values(expo, "vllm:cache_config_info")[0]!;
    expect(info.labels).toMatchObject({
      _block_size_resolved: "True",
      engine: "0",
      kv_cache_size_tokens: "141994",
      kv_cache_max_concurrency: "4.333333333333333",
      kv_cache_memory_bytes: "10737418240",
      gpu_memory_utilization: "0.45",
      num_gpu_blocks: "208",
      block_size: "784",
    });
    expect(info.labels.model_name).toBeUndefined();
  });
});

describe("exposition syntax", () => {
  it("decodes label escapes, timestamps, special values and _total counters", () => {
    const text = [
      "# HELP x A help with \\\\ and \\n.",
      "# TYPE x counter",
      'x_total{path="C:\\\\dir",quote="say \\"hi\\"",nl="a\\nb",} 3 1700000000000',
      "x_created 1.7e9",
      "g +Inf",
      "h NaN",
      "n -1.5e-3",
    ].join("\n");
    const expo = parsePrometheus(text);
    const [s] = values(expo, "x_total");
    expect(s!.labels).toEqual({ path: "C:\\dir", quote: 'say "hi"', nl: "a\nb" });
    expect(s!.value).toBe(3);
    expect(s!.timestampMs).toBe(1700000000000);
    expect(expo.families.get("x")!.help).toBe("A help with \\ and \n.");
    expect(expo.families.get("x")!.samples.map((x) => x.name)).toEqual(["x_total", "x_created"]);
    expect(value(expo, "g")).toBe(Infinity);
    expect(value(expo, "h")).toBeNaN();
    expect(value(expo, "n")).toBe(-0.0015);
  });

  it("keeps one series per label set of a histogram", () => {
    const text = [
      "# TYPE lat histogram",
      'lat_count{engine="1"} 2',
      'lat_bucket{engine="0",le="+Inf"} 1',
      'lat_bucket{engine="0",le="0.5"} 1',
      'lat_sum{engine="0"} 0.25',
      'lat_count{engine="0"} 1',
      'lat_bucket{le="1.0",engine="1"} 2',
      'lat_sum{engine="1"} 1.5',
    ].join("\n");
    const series = histogram(parsePrometheus(text), "lat");
    expect(series).toEqual([
      { labels: { engine: "1" }, buckets: [{ le: 1, count: 2 }], sum: 1.5, count: 2 },
      {
        labels: { engine: "0" },
        buckets: [
          { le: 0.5, count: 1 },
          { le: Infinity, count: 1 },
        ],
        sum: 0.25,
        count: 1,
      },
    ]);
  });

  it("names the source and line of a malformed line", () => {
    expect(() => parsePrometheus("ok 1\nbad{x=1} 2\n", "http://h/metrics")).toThrow(PrometheusParseError);
    expect(() => parsePrometheus("ok 1\nbad{x=1} 2\n", "http://h/metrics")).toThrow(
      /http:\/\/h\/metrics:2: expected a quoted value for label x/,
    );
    expect(() => parsePrometheus('a{b="c} 1', "f.txt")).toThrow(/f\.txt:1: unterminated value of label b/);
    expect(() => parsePrometheus("a one", "f.txt")).toThrow(/f\.txt:1: invalid value "one" for a/);
    expect(() => parsePrometheus("<html>", "f.txt")).toThrow(/f\.txt:1: expected a metric name/);
    expect(() => parsePrometheus("# TYPE a bogus\na 1", "f.txt")).toThrow(/unknown metric type "bogus"/);
  });
});
