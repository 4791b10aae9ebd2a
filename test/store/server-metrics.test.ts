import { existsSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { duckdbColumns } from "../../data-loaders/store/schemas/request-row.ts";
import { serverMetricRowSchema, type ServerMetricRow } from "../../data-loaders/store/schemas/server-metric.ts";
import { readServerMetrics, SERVER_METRICS_FILE, writeServerMetrics } from "../../data-loaders/store/server-metrics.ts";
import { tempDir } from "../helpers/temp.ts";

const row = (over: Partial<ServerMetricRow>): ServerMetricRow => ({
  run_id: "20260101-000000Z-abcdef12",
  endpoint: "http://127.0.0.1:8000",
  t_ms: 0,
  metric: "vllm:kv_cache_usage_perc",
  labels: '{"engine":"0","model_name":"m"}',
  value: 0,
  ...over,
});

describe("server-metrics.parquet", () => {
  const tmp = tempDir("server-metrics");
  afterAll(() => tmp.cleanup());

  it("round-trips rows with the schema's columns and DuckDB types", async () => {
    const rows = [
      row({ t_ms: 1000.25, value: 0.5 }),
      row({ t_ms: 0.125, value: 0.015625 }),
      row({
        metric: "vllm:request_success_total",
        labels: '{"engine":"0","finished_reason":"stop","model_name":"m \\"q\\""}',
        t_ms: 2000,
        value: 12345678901,
      }),
      row({ endpoint: "http://127.0.0.1:8001", metric: "vllm:generation_tokens_total", t_ms: 3, value: 7 }),
    ];
    const path = await writeServerMetrics(tmp.dir, rows);
    expect(path).toBe(join(tmp.dir, SERVER_METRICS_FILE));
    const back = await readServerMetrics(tmp.dir);
    const order = (r: ServerMetricRow) => `${r.endpoint}|${r.metric}|${r.labels}|${String(r.t_ms).padStart(12, "0")}`;
    expect(back).toEqual([...rows].sort((a, b) => order(a).localeCompare(order(b))));

    const instance = await DuckDBInstance.create(":memory:");
    const con = await instance.connect();
    const described = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
    con.closeSync();
    instance.closeSync();
    const types = Object.fromEntries(described.getRowObjectsJS().map((r) => [r.column_name, r.column_type]));
    expect(types).toEqual(duckdbColumns(serverMetricRowSchema));
    expect(Object.keys(types)).toEqual(Object.keys(serverMetricRowSchema.shape));
  });

  it("writes an empty file for a server without /metrics", async () => {
    const dir = join(tmp.dir, "empty");
    (await import("node:fs")).mkdirSync(dir);
    await writeServerMetrics(dir, []);
    expect(existsSync(join(dir, SERVER_METRICS_FILE))).toBe(true);
    expect(await readServerMetrics(dir)).toEqual([]);
  });

  it("names the file, row and field of a bad row", async () => {
    await expect(writeServerMetrics(tmp.dir, [row({}), row({ value: Number.NaN })])).rejects.toThrow(
      /server-metrics\.parquet: row 1, field value/,
    );
    await expect(
      writeServerMetrics(tmp.dir, [{ ...row({}), metric: undefined } as unknown as ServerMetricRow]),
    ).rejects.toThrow(/row 0, field metric/);
  });
});
