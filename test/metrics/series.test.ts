import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it, test } from "vitest";
import {
  serverMetricSeries,
  serverSeriesBins,
  seriesBinMs,
  timeSeries,
  type SeriesRow,
  type ServerSample,
  storedSeries,
} from "../../data-loaders/metrics/series.ts";
import { writeServerMetrics } from "../../data-loaders/store/server-metrics.ts";
import { closedLoop, near } from "./fixture.ts";
import { expectClose, measured, storedTwins } from "./stored-run.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tracker-series-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("timeSeries", () => {
  const row = (r: Omit<SeriesRow, "status"> & { status?: "ok" | "error" }): SeriesRow => ({ status: "ok", ...r });
  const rows = [
    row({ sent_ms: 0, first_event_ms: 500, done_ms: 1500, completion_tokens: 100 }), // tokens 50 | 50
    row({ sent_ms: 200, first_event_ms: null, done_ms: 800, completion_tokens: 30 }), // all at done
    row({ status: "error", sent_ms: 900, first_event_ms: null, done_ms: 2100, completion_tokens: null }),
    row({ sent_ms: 1000, first_event_ms: 1200, done_ms: 1200, completion_tokens: 1 }), // zero span
    row({ sent_ms: 1500, first_event_ms: 1600, done_ms: 2600, completion_tokens: null }),
  ];

  it("bins completions, spread tokens and time-averaged in-flight", () => {
    const bins = timeSeries(rows, 1000);
    expect(bins.map((b) => [b.startMs, b.endMs, b.completed, b.failed])).toEqual([
      [0, 1000, 1, 0],
      [1000, 2000, 2, 0],
      [2000, 3000, 1, 1],
    ]);
    near(bins[0]!.outputTokensPerS, 80);
    near(bins[1]!.outputTokensPerS, 51);
    near(bins[2]!.outputTokensPerS, 0);
    // In flight: bin 0 = 1 + 0.6 + 0.1, bin 1 = 0.5 + 1 + 0.2 + 0.5, bin 2 = 0.1 + 0.6.
    near(bins[0]!.inFlight, 1.7);
    near(bins[1]!.inFlight, 2.2);
    near(bins[2]!.inFlight, 0.7);
  });

  it("keeps every token whatever the bin width", () => {
    const bins = timeSeries(rows, 300);
    expect(bins).toHaveLength(9); // last time 2600 ms → bins 0..8
    near(
      bins.reduce((s, b) => s + (b.outputTokensPerS * 300) / 1000, 0),
      131,
    );
    expect(bins.reduce((s, b) => s + b.completed, 0)).toBe(4);
  });

  it("shows the closed loop at its concurrency and token rate in steady state", () => {
    const bins = timeSeries(closedLoop(4, 400, 2300, 3000, 1000), 1000);
    const mid = bins[50]!;
    near(mid.inFlight, 4);
    near(mid.outputTokensPerS, 200);
    expect(timeSeries([], 1000)).toEqual([]);
    expect(() => timeSeries(rows, 0)).toThrow(RangeError);
  });
});

describe("seriesBinMs", () => {
  it("picks the first round width giving at most 60 bins up to the last completion", () => {
    expect(seriesBinMs([])).toBe(100);
    expect(seriesBinMs([{ done_ms: 6000 }, { done_ms: null }])).toBe(100);
    expect(seriesBinMs([{ done_ms: 6001 }])).toBe(250);
    expect(seriesBinMs([{ done_ms: 2_208_000 }])).toBe(60_000); // the study's 36.8 min run
    expect(seriesBinMs([{ done_ms: 36_000_001 }])).toBe(3_600_000);
  });
});

describe("server series", () => {
  test("serverMetricSeries averages each gauge per bin, summed over endpoints", async () => {
    const path = join(dir, "server-metrics.parquet");
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    await connection.run(`COPY (SELECT * FROM (VALUES
      ('r', 'a', 0.0, 'vllm:num_requests_waiting', '{}', 2.0),
      ('r', 'b', 0.0, 'vllm:num_requests_waiting', '{}', 1.0),
      ('r', 'a', 500.0, 'vllm:num_requests_waiting', '{}', 5.0),
      ('r', 'a', 1500.0, 'vllm:kv_cache_usage_perc', '{}', 0.5),
      ('r', 'a', 1500.0, 'vllm:generation_tokens_total', '{}', 77.0)
    ) t(run_id, endpoint, t_ms, metric, labels, value)) TO '${path}' (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();
    expect(await serverMetricSeries(path, 1000)).toEqual([
      { metric: "vllm:kv_cache_usage_perc", startMs: 1000, value: 0.5 },
      { metric: "vllm:num_requests_waiting", startMs: 0, value: 4 },
    ]);
  });

  it("serverSeriesBins bins samples in memory the same way", () => {
    const samples: ServerSample[] = [
      { metric: "vllm:num_requests_waiting", t_ms: 0, value: 2 },
      { metric: "vllm:num_requests_waiting", t_ms: 0, value: 1 },
      { metric: "vllm:num_requests_waiting", t_ms: 500, value: 5 },
      { metric: "vllm:kv_cache_usage_perc", t_ms: 1500, value: 0.5 },
      { metric: "vllm:generation_tokens_total", t_ms: 1500, value: 77 },
    ];
    expect(serverSeriesBins(samples, 1000)).toEqual([
      { metric: "vllm:kv_cache_usage_perc", startMs: 1000, value: 0.5 },
      { metric: "vllm:num_requests_waiting", startMs: 0, value: 4 },
    ]);
  });

  test("the SQL twin gives serverSeriesBins' bins for a scraped run (two replicas, label sets)", async () => {
    const gauges = ["vllm:kv_cache_usage_perc", "vllm:num_requests_running", "vllm:num_requests_waiting"];
    const rows = [];
    for (let scrape = 0; scrape < 40; scrape++)
      for (const endpoint of ["http://a:8000", "http://b:8000"])
        for (const metric of [...gauges, "vllm:prompt_tokens_total"])
          for (const engine of ["0", "1"])
            rows.push({
              run_id: "r",
              endpoint,
              t_ms: scrape * 730 + (endpoint.includes("b") ? 3 : 0),
              metric,
              labels: JSON.stringify({ engine }),
              value: ((scrape * 7 + engine.length * 3 + metric.length) % 17) / 4,
            });
    const folder = join(dir, "scraped");
    mkdirSync(folder);
    const path = await writeServerMetrics(folder, rows);
    for (const binMs of [1000, 5000]) {
      const fromSql = await serverMetricSeries(path, binMs);
      const expected = serverSeriesBins(rows, binMs);
      expect(fromSql.map((b) => [b.metric, b.startMs])).toEqual(expected.map((b) => [b.metric, b.startMs]));
      fromSql.forEach((b, i) => expect(b.value).toBeCloseTo(expected[i]!.value, 9));
    }
  });
});

describe("storedSeries (DuckDB) equals seriesBinMs and timeSeries of the measured rows", () => {
  const runs = storedTwins();

  it("on the irregular run and on a closed loop", async () => {
    for (const run of [runs.twin, runs.loop]) {
      const rows = measured(run.rows);
      const binMs = seriesBinMs(rows);
      expectClose(await storedSeries(run.requestsPath), { binMs, bins: timeSeries(rows, binMs) });
    }
  });
});
