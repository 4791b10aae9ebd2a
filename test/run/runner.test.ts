import { DuckDBInstance } from "@duckdb/node-api";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadExperiment } from "../../data-loaders/experiment/load.ts";
import { runExperiment } from "../../data-loaders/run/runner.ts";
import { readManifest } from "../../data-loaders/store/manifest.ts";
import { REQUEST_COLUMNS } from "../../data-loaders/store/rows.ts";
import { smallSpec, tempDir, writeExperiment } from "../helpers/temp.ts";

const quiet = { tick() {}, stop() {} };

describe("runner against the simulator, through the store", () => {
  const tmp = tempDir("runner");
  afterAll(() => tmp.cleanup());

  it("stores one Parquet row per request with client timings, usage and quality columns", async () => {
    const file = writeExperiment(tmp.dir, "small", smallSpec({ requests: 24, concurrency: 4 }));
    const exp = await loadExperiment(file);
    const results = join(tmp.dir, "results");
    const { dir, manifest } = await runExperiment(exp, { resultsRoot: results, progress: () => quiet, log: () => {} });

    expect(manifest.status).toBe("complete");
    expect(manifest.source).toBe("simulated");
    expect(manifest.counts).toEqual({ requests: 24, done: 24, ok: 24, error: 0 });
    expect(readManifest(dir)).toEqual(manifest);
    expect(readdirSync(dir).sort()).toEqual(["manifest.json", "requests.parquet"]);

    const db = await DuckDBInstance.create(":memory:");
    const con = await db.connect();
    const reader = await con.runAndReadAll(`SELECT * FROM read_parquet('${join(dir, "requests.parquet")}') ORDER BY request_index`);
    const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
    expect(reader.columnNames()).toEqual(REQUEST_COLUMNS);
    expect(rows.map((r) => Number(r.request_index))).toEqual([...Array(24).keys()]);
    expect(new Set(rows.map((r) => Number(r.worker)))).toEqual(new Set([0, 1, 2, 3]));
    for (const r of rows) {
      expect(r.status).toBe("ok");
      expect(r.request_id).toBe(`${manifest.run_id}-${r.request_index}`);
      expect(Number(r.prompt_tokens)).toBeGreaterThan(100);
      expect(Number(r.completion_tokens)).toBeGreaterThan(1);
      const sent = r.sent_ms as number, first = r.first_event_ms as number, done = r.done_ms as number;
      expect(sent).toBeGreaterThanOrEqual(0);
      expect(first).toBeGreaterThan(sent);
      expect(done).toBeGreaterThanOrEqual(first);
      expect(r.ttft_ms).toBeCloseTo(first - sent, 9);
      expect(r.e2e_ms).toBeCloseTo(done - sent, 9);
      expect(r.tpot_ms).toBeCloseTo((done - first) / (Number(r.completion_tokens) - 1), 9);
      expect((r.itl_ms as number[]).length).toBeGreaterThan(0);
      expect(typeof r.answer).toBe("string");
      expect(typeof r.json_valid).toBe("boolean");
    }
    // The 1B profile sometimes ignores the JSON instructions, but mostly follows them.
    const valid = rows.filter((r) => r.schema_valid === true).length;
    expect(valid).toBeGreaterThan(12);
    con.closeSync();
    db.closeSync();
  });

  it("fails an unreachable server within seconds with a clear reason", async () => {
    const file = writeExperiment(
      tmp.dir,
      "unreachable",
      `{ title: "t", server: { url: "http://127.0.0.1:9", model: "m" },
         workload: { prompts: { inline: ["hi"] }, maxTokens: 8, temperature: 0, seed: 1 }, requests: 3, load: { concurrency: 1 } }`,
    );
    const exp = await loadExperiment(file);
    const started = performance.now();
    const { dir, manifest } = await runExperiment(exp, { resultsRoot: join(tmp.dir, "results"), progress: () => quiet, log: () => {} });
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(manifest.status).toBe("failed");
    expect(manifest.reason).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9 .*ECONNREFUSED/);
    expect(existsSync(join(dir, "requests.parquet"))).toBe(false);
  });
});
