import { createServer, type Server } from "node:http";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { logStatsFeed } from "../../data-loaders/server/stats-log.ts";
import {
  KEPT_HISTOGRAMS,
  KEPT_SERIES,
  keptHistogramSamples,
  keptSamples,
  startTelemetry,
} from "../../data-loaders/server/telemetry.ts";
import { parsePrometheus } from "../../data-loaders/server/prometheus.ts";
import { startSimulator, type Simulator } from "../../data-loaders/sim/simulator.ts";
import { serverMetricRowSchema } from "../../data-loaders/store/schemas/server-metric.ts";
import { serverSeriesBins } from "../../data-loaders/metrics/series.ts";

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

async function load(sim: Simulator, concurrency: number, requests: number): Promise<void> {
  let next = 0;
  const content = "Evaluate this candidate profile and answer in JSON. ".repeat(40);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const i = next++;
        const res = await fetch(`${sim.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-request-id": `tel-${i}` },
          body: JSON.stringify({
            model: sim.model,
            messages: [{ role: "user", content: content + i }],
            max_completion_tokens: 200,
            temperature: 0.7,
            seed: i,
          }),
        });
        await res.text();
      }
    }),
  );
}

describe("telemetry against the simulator", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ profile: "gemma-3-4b@rtx-4080", speedup: 40, seed: 3 });
  });
  afterAll(() => sim.close());

  it("stores the charted series, and KV usage and counters rise under load", async () => {
    const t0 = performance.now();
    const telemetry = startTelemetry({
      endpoints: [sim.url],
      intervalMs: 50,
      now: () => performance.now() - t0,
      runId: "run-1",
    });
    await new Promise((r) => setTimeout(r, 120));
    await load(sim, 24, 48);
    const rows = await telemetry.stop();

    for (const r of rows) serverMetricRowSchema.parse(r);
    expect(rows.every((r) => r.run_id === "run-1" && r.endpoint === sim.url)).toBe(true);
    const histograms = KEPT_HISTOGRAMS.flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]);
    expect(new Set(rows.map((r) => r.metric))).toEqual(new Set([...KEPT_SERIES, ...histograms]));
    expect(rows.map((r) => r.t_ms)).toEqual([...rows.map((r) => r.t_ms)].sort((a, b) => a - b));

    const series = (metric: string, reason?: string) =>
      rows.filter(
        (r) => r.metric === metric && (reason === undefined || JSON.parse(r.labels).finished_reason === reason),
      );
    const kv = series("vllm:kv_cache_usage_perc");
    expect(kv[0]!.value).toBe(0);
    expect(Math.max(...kv.map((r) => r.value))).toBeGreaterThan(0.05);
    expect(kv.at(-1)!.value).toBe(0);
    expect(Math.max(...series("vllm:num_requests_running").map((r) => r.value))).toBeGreaterThan(4);
    expect(JSON.parse(kv[0]!.labels)).toEqual({ engine: "0", model_name: sim.model });

    const last = (metric: string, reason?: string) => series(metric, reason).at(-1)!.value;
    expect(series("vllm:generation_tokens_total")[0]!.value).toBe(0);
    expect(last("vllm:generation_tokens_total")).toBeGreaterThan(48);
    expect(last("vllm:prompt_tokens_total")).toBeGreaterThan(48 * 400);
    expect(last("vllm:request_success_total", "stop") + last("vllm:request_success_total", "length")).toBe(48);
  });

  it("keeps the latency histograms at the first scrape, every histogramEveryMs, and the final one", async () => {
    const t0 = performance.now();
    const telemetry = startTelemetry({
      endpoints: [sim.url],
      intervalMs: 20,
      histogramEveryMs: 60_000,
      now: () => performance.now() - t0,
      runId: "run-h",
    });
    await load(sim, 4, 8);
    const rows = await telemetry.stop();
    const times = (metric: string) => [...new Set(rows.filter((r) => r.metric === metric).map((r) => r.t_ms))];
    const gaugeTimes = times("vllm:num_requests_running");
    expect(gaugeTimes.length).toBeGreaterThan(2);
    expect(times("vllm:time_to_first_token_seconds_count")).toEqual([gaugeTimes[0], gaugeTimes.at(-1)]);
    const ttft = rows.filter((r) => r.metric === "vllm:time_to_first_token_seconds_bucket");
    expect(JSON.parse(ttft.at(-1)!.labels)).toHaveProperty("le");
    const count = rows.filter((r) => r.metric === "vllm:e2e_request_latency_seconds_count").at(-1)!.value;
    expect(count).toBeGreaterThanOrEqual(8);
  });

  it("refuses an interval that would hammer the server", () => {
    expect(() => startTelemetry({ endpoints: [sim.url], intervalMs: 0, now: () => 0, runId: "r" })).toThrow(
      /intervalMs must be at least 10 ms, got 0/,
    );
  });

  it("resolves the KV usage rename when only the old name is exposed", () => {
    const expo = parsePrometheus(
      'vllm:gpu_cache_usage_perc{model_name="m"} 0.25\nvllm:num_requests_running{model_name="m"} 3\n',
    );
    expect(keptSamples(expo).map((s) => [s.name, s.value])).toEqual([
      ["vllm:kv_cache_usage_perc", 0.25],
      ["vllm:num_requests_running", 3],
    ]);
  });
});

describe("latency histograms across the rename", () => {
  it("stores a 0.9.2 server's vllm:time_per_output_token_seconds as vllm:inter_token_latency_seconds", () => {
    const text = readFileSync(join(import.meta.dirname, "../fixtures/vllm/metrics-0.9.2-v0-2025-07.txt"), "utf8");
    const samples = keptHistogramSamples(parsePrometheus(text));
    const value = (name: string) => samples.find((s) => s.name === name)!.value;
    expect(value("vllm:inter_token_latency_seconds_count")).toBe(106);
    expect(value("vllm:inter_token_latency_seconds_sum")).toBeCloseTo(2.254702091217041, 12);
    expect(value("vllm:time_to_first_token_seconds_count")).toBe(1);
    expect(value("vllm:e2e_request_latency_seconds_sum")).toBeCloseTo(2.5305089950561523, 12);
    expect(samples.some((s) => s.name.startsWith("vllm:time_per_output_token"))).toBe(false);
  });
});

describe("telemetry from a launched server's stats lines", () => {
  const line =
    "INFO 05-19 11:24:04 [loggers.py:123] Engine 000: Avg prompt throughput: 10.7 tokens/s, Avg generation throughput: 1.6 tokens/s, Running: 2 reqs, Waiting: 5 reqs, GPU KV cache usage: 12.5%, Prefix cache hit rate: 0.0%";

  it("stores them when /metrics is not reachable", async () => {
    const { server, url } = await listen((_req, res) => res.writeHead(404).end());
    try {
      const feed = logStatsFeed();
      let t = 0;
      const telemetry = startTelemetry({ endpoints: [url], intervalMs: 20, now: () => t, runId: "r", logStats: feed });
      t = 1200;
      feed.feed(line);
      feed.feed('INFO:     127.0.0.1:1 - "GET /health HTTP/1.1" 200 OK');
      const rows = await telemetry.stop();
      expect(rows.map((r) => [r.metric, r.value, r.t_ms])).toEqual([
        ["vllm:avg_prompt_throughput_toks_per_s", 10.7, 1200],
        ["vllm:avg_generation_throughput_toks_per_s", 1.6, 1200],
        ["vllm:num_requests_running", 2, 1200],
        ["vllm:num_requests_waiting", 5, 1200],
        ["vllm:kv_cache_usage_perc", 0.125, 1200],
        ["vllm:gpu_prefix_cache_hit_rate", 0, 1200],
      ]);
      expect(rows.every((r) => r.endpoint === url && r.labels === '{"engine":"0","source":"log"}')).toBe(true);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("leaves them out when /metrics gives the gauges", async () => {
    const sim = await startSimulator({ profile: "gemma-3-1b@rtx-4080", speedup: 50 });
    try {
      const feed = logStatsFeed();
      const telemetry = startTelemetry({
        endpoints: [sim.url],
        intervalMs: 20,
        now: () => 0,
        runId: "r",
        logStats: feed,
      });
      feed.feed(line);
      const rows = await telemetry.stop();
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.some((r) => r.labels.includes('"source":"log"'))).toBe(false);
    } finally {
      await sim.close();
    }
  });
});

describe("telemetry against servers without /metrics", () => {
  it("gives no rows and no error for a 404, and stops asking", async () => {
    let metricsHits = 0;
    const { server, url } = await listen((req, res) => {
      if (req.url === "/metrics") metricsHits++;
      res.writeHead(404, { "content-type": "application/json" }).end('{"detail":"Not Found"}');
    });
    try {
      const lines: string[] = [];
      const telemetry = startTelemetry({
        endpoints: [url],
        intervalMs: 20,
        now: () => 0,
        runId: "r",
        log: (l) => lines.push(l),
      });
      await new Promise((r) => setTimeout(r, 150));
      expect(await telemetry.stop()).toEqual([]);
      expect(metricsHits).toBe(1);
      expect(lines).toEqual([`telemetry: ${url}/metrics: HTTP 404; no server metrics for this endpoint`]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("gives no rows and no error when nothing listens, or the body is not Prometheus text", async () => {
    const { server, url } = await listen((_req, res) =>
      res.writeHead(200, { "content-type": "text/html" }).end("<html>ollama is running</html>"),
    );
    const closed = await listen(() => undefined);
    await new Promise((r) => closed.server.close(r));
    try {
      const telemetry = startTelemetry({
        endpoints: [url, closed.url + "/v1"],
        intervalMs: 20,
        now: () => 0,
        runId: "r",
      });
      await new Promise((r) => setTimeout(r, 100));
      expect(await telemetry.stop()).toEqual([]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe("telemetry of several replicas", () => {
  /** A stub /metrics with one gauge per label set: `engines` maps a label value to requests running. */
  const exposition = (engines: Record<string, number>) =>
    "# TYPE vllm:num_requests_running gauge\n" +
    Object.entries(engines)
      .map(([engine, n]) => `vllm:num_requests_running{engine="${engine}",model_name="m"} ${n}\n`)
      .join("");
  const stub = (engines: Record<string, number>, delayMs = 0) =>
    listen((req, res) => {
      if (req.url !== "/metrics") return res.writeHead(404).end();
      setTimeout(() => res.writeHead(200, { "content-type": "text/plain" }).end(exposition(engines)), delayMs);
    });

  it("listed replicas: one series per endpoint, one tick's scrapes at one time, so the total adds them", async () => {
    const [a, b] = [await stub({ "0": 3 }), await stub({ "0": 5 }, 15)];
    try {
      const t0 = performance.now();
      const telemetry = startTelemetry({
        endpoints: [a.url, b.url],
        intervalMs: 40,
        now: () => performance.now() - t0,
        runId: "r",
      });
      await new Promise((r) => setTimeout(r, 130));
      const rows = (await telemetry.stop()).filter((r) => r.metric === "vllm:num_requests_running");
      const byEndpoint = (url: string) => rows.filter((r) => r.endpoint === url);
      expect(byEndpoint(a.url).every((r) => r.value === 3)).toBe(true);
      expect(byEndpoint(b.url).every((r) => r.value === 5)).toBe(true);
      const times = (url: string) => byEndpoint(url).map((r) => r.t_ms);
      expect(times(a.url).length).toBeGreaterThanOrEqual(3);
      expect(times(b.url)).toEqual(times(a.url));
      const bins = serverSeriesBins(rows, 1_000_000);
      expect(bins).toEqual([{ metric: "vllm:num_requests_running", startMs: 0, value: 8 }]);
    } finally {
      await Promise.all([a, b].map(({ server }) => new Promise((r) => server.close(r))));
    }
  });

  it("replicas behind one URL: the label telling them apart keeps a series for each", async () => {
    const router = await stub({ "0": 2, "1": 7 });
    try {
      const t0 = performance.now();
      const now = () => performance.now() - t0;
      const telemetry = startTelemetry({ endpoints: [router.url], intervalMs: 40, now, runId: "r" });
      await new Promise((r) => setTimeout(r, 60));
      const rows = (await telemetry.stop()).filter((r) => r.metric === "vllm:num_requests_running");
      const engines = new Map(rows.map((r) => [JSON.parse(r.labels).engine as string, r.value]));
      expect(Object.fromEntries(engines)).toEqual({ "0": 2, "1": 7 });
      expect(serverSeriesBins(rows, 1_000_000)).toEqual([
        { metric: "vllm:num_requests_running", startMs: 0, value: 9 },
      ]);
    } finally {
      await new Promise((r) => router.server.close(r));
    }
  });
});
