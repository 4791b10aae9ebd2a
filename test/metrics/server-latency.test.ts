// The server's view of latency from its /metrics histograms: Prometheus's histogram_quantile,
// increases over the run (resets, replicas, label sets), the SQL twin against the JS one, and a
// real 0.9.2 /metrics body scraped before and after its one request.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  histogramIncreases,
  histogramQuantile,
  LATENCY_FAMILIES,
  LATENCY_HISTOGRAM_METRICS,
  serverLatency,
  serverLatencyFrom,
  type ServerLatency,
} from "../../data-loaders/metrics/server-latency.ts";
import { parsePrometheus } from "../../data-loaders/server/prometheus.ts";
import { KEPT_HISTOGRAMS, keptHistogramSamples } from "../../data-loaders/server/telemetry.ts";
import { query } from "../../data-loaders/store/duckdb.ts";
import type { ServerMetricRow } from "../../data-loaders/store/schemas/server-metric.ts";
import { writeServerMetrics } from "../../data-loaders/store/server-metrics.ts";
import { histogramIncreasesSql } from "../../data-loaders/metrics/sql.ts";
import { tempDir } from "../helpers/temp.ts";

const tmp = tempDir("server-latency");
afterAll(() => tmp.cleanup());

const TTFT = "vllm:time_to_first_token_seconds";

it("reads the histograms under the names the telemetry stores them", () => {
  expect(Object.values(LATENCY_FAMILIES)).toEqual([...KEPT_HISTOGRAMS]);
});

describe("histogramQuantile", () => {
  it("interpolates within the bucket holding the rank, from the previous bound (0 for the first)", () => {
    const buckets = [
      { le: 0.1, count: 10 },
      { le: 0.5, count: 20 },
      { le: Infinity, count: 20 },
    ];
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1, 12);
    expect(histogramQuantile(0.25, buckets)).toBeCloseTo(0.05, 12);
    expect(histogramQuantile(0.75, buckets)).toBeCloseTo(0.3, 12);
    expect(histogramQuantile(1, buckets)).toBeCloseTo(0.5, 12);
  });

  it("gives the largest finite bound for a rank in +Inf, and null without observations", () => {
    expect(
      histogramQuantile(0.9, [
        { le: 0.1, count: 5 },
        { le: Infinity, count: 10 },
      ]),
    ).toBe(0.1);
    expect(histogramQuantile(0.5, [{ le: Infinity, count: 0 }])).toBeNull();
    expect(histogramQuantile(0.5, [])).toBeNull();
  });
});

const row = (endpoint: string, t: number, metric: string, labels: Record<string, string>, value: number) => ({
  run_id: "r",
  endpoint,
  t_ms: t,
  metric,
  labels: JSON.stringify(labels),
  value,
});

describe("histogramIncreases", () => {
  it("takes each series' increase from its first sample, across a restart, summed over replicas", () => {
    const rows: ServerMetricRow[] = [
      row("a", 0, `${TTFT}_count`, { engine: "0" }, 5),
      row("a", 1000, `${TTFT}_count`, { engine: "0" }, 9),
      // Restarted: counting began again at 0, and reached 3.
      row("a", 2000, `${TTFT}_count`, { engine: "0" }, 3),
      row("b", 0, `${TTFT}_count`, { engine: "0" }, 100),
      row("b", 2000, `${TTFT}_count`, { engine: "0" }, 101),
      row("a", 0, `${TTFT}_bucket`, { engine: "0", le: "0.5" }, 1),
      row("a", 2000, `${TTFT}_bucket`, { engine: "0", le: "0.5" }, 4),
      row("a", 2000, "vllm:num_requests_running", { engine: "0" }, 3),
    ];
    expect(histogramIncreases(rows)).toEqual([
      { metric: `${TTFT}_bucket`, le: "0.5", increase: 3 },
      { metric: `${TTFT}_count`, le: null, increase: 4 + 3 + 1 },
    ]);
  });
});

/** Rows of a /metrics body scraped at time t (the histograms the telemetry keeps). */
function scrape(text: string, t: number, endpoint = "http://gpu:8000"): ServerMetricRow[] {
  return keptHistogramSamples(parsePrometheus(text)).map((s) => ({
    run_id: "r",
    endpoint,
    t_ms: t,
    metric: s.name,
    labels: JSON.stringify(Object.fromEntries(Object.entries(s.labels).sort())),
    value: s.value,
  }));
}

const fixture = readFileSync(join(import.meta.dirname, "../fixtures/vllm/metrics-0.9.2-v0-2025-07.txt"), "utf8");
/** The same server before its request: every sample 0. */
const before = fixture.replace(/^(vllm:\S+(?:\{[^}]*\})?) \S+$/gm, "$1 0.0");

describe("serverLatency", () => {
  it("a real 0.9.2 server, before and after its one request (inter-token latency under its old name)", () => {
    const latency = serverLatencyFrom(histogramIncreases([...scrape(before, 0), ...scrape(fixture, 5000)]));
    // TTFT: one request in (0.25, 0.5] s; 0.2756 s as its sum says.
    expect(latency.ttftMs).toEqual({
      count: 1,
      meanMs: expect.closeTo(275.6359577178955, 9),
      p50Ms: expect.closeTo(375, 9),
      p90Ms: expect.closeTo(475, 9),
      p99Ms: expect.closeTo(497.5, 9),
    });
    // 106 gaps, all in (10, 25] ms.
    expect(latency.itlMs).toMatchObject({ count: 106, p50Ms: expect.closeTo(17.5, 9) });
    expect(latency.itlMs!.meanMs).toBeCloseTo((2.254702091217041 / 106) * 1000, 9);
    expect(latency.e2elMs).toMatchObject({ count: 1, meanMs: expect.closeTo(2530.5089950561523, 9) });
  });

  it("the DuckDB form over server-metrics.parquet gives what the JS twin gives", async () => {
    const busier = fixture.replace(
      /^(vllm:\S+(?:\{[^}]*\})?) (\S+)$/gm,
      (_m, name: string, v: string) => `${name} ${Number(v) * 3}`,
    );
    const rows = [
      ...scrape(before, 0),
      ...scrape(fixture, 5000),
      // A restart (counters back to 0), then three requests.
      ...scrape(before, 7000),
      ...scrape(busier, 9000),
      ...scrape(before, 0, "http://gpu:8001"),
      ...scrape(busier, 9000, "http://gpu:8001"),
    ];
    const dir = tmp.dir;
    const path = await writeServerMetrics(dir, rows);
    const sql = (await query(histogramIncreasesSql(LATENCY_HISTOGRAM_METRICS), { path })) as {
      metric: string;
      le: string | null;
      increase: number;
    }[];
    const js = histogramIncreases(rows);
    const key = (r: { metric: string; le: string | null }) => `${r.metric} ${r.le ?? ""}`;
    expect(sql.map(key).sort()).toEqual(js.map(key).sort());
    const byKey = new Map(js.map((r) => [key(r), r.increase]));
    for (const r of sql) expect(Math.abs(r.increase - byKey.get(key(r))!)).toBeLessThanOrEqual(1e-9);
    const stored = (await serverLatency(path))!;
    const expected = serverLatencyFrom(js);
    for (const family of Object.keys(expected) as (keyof ServerLatency)[])
      for (const [k, v] of Object.entries(expected[family]!))
        expect(
          Math.abs((stored[family] as unknown as Record<string, number>)[k]! - (v as number)),
          `${family}.${k}`,
        ).toBeLessThanOrEqual(1e-9);
    expect(stored.ttftMs!.count).toBe(1 + 3 + 3);
  });

  it("is null for a run whose server exposed no histogram", async () => {
    const dir = join(tmp.dir, "none");
    mkdirSync(dir, { recursive: true });
    const path = await writeServerMetrics(dir, [row("a", 0, "vllm:num_requests_running", { engine: "0" }, 1)]);
    expect(await serverLatency(path)).toBeNull();
  });
});
