// The request explorer's sample (report/request-sample.ts): bounded on a large generated run,
// every (outcome, send-time bin) stratum kept, every failure kept up to the cap, the same sample
// every time, typed Arrow columns, and the IPC stream the loader writes read back by tableFromIPC.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { tableFromIPC } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { query } from "../../data-loaders/store/duckdb.ts";
import {
  ANSWER_BYTES,
  SAMPLE_METADATA_KEY,
  SAMPLE_ROWS,
  experimentRequestSample,
  sampleIpc,
  sampleRequests,
  truncateUtf8,
  type SampleInfo,
} from "../../data-loaders/report/request-sample.ts";
import { HOSTILE_ANSWER, makeEntry, makeManifest, timedRow, writeIndex, writeRun } from "../site/fixture-store.ts";

const ROWS = 200_000;
let dir: string;
let path: string;

/**
 * A run of ROWS requests (only the columns the sample reads; the views fill the others): 0.32%
 * http_5xx and 0.08% timeouts, 3% cut by length, 2% warm-up, one rare outcome (context_length, 3
 * requests), answers of 500 characters with multi-byte text.
 */
async function writeLargeRun(file: string): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (
      WITH r AS (SELECT range AS i, (hash(range, 11) % 10000)::INTEGER AS u FROM range(${ROWS}))
      SELECT i AS request_index, 'p' || (i % 300)::VARCHAR AS prompt_id, i < ${ROWS * 0.02} AS warmup,
        CASE WHEN u < 40 OR i IN (5000, 90000, 150000) THEN 'error' ELSE 'ok' END AS status,
        CASE WHEN i IN (5000, 90000, 150000) THEN 'context_length' WHEN u < 32 THEN 'http_5xx' WHEN u < 40 THEN 'timeout' END AS error_class,
        CASE WHEN u >= 40 AND u < 340 THEN 'length' WHEN u >= 40 THEN 'stop' END AS finish_reason,
        (i * 5)::DOUBLE AS sent_ms, CASE WHEN u >= 40 THEN 30 + u % 50 END::DOUBLE AS ttft_ms,
        (100 + u % 900)::DOUBLE AS e2e_ms, (200 + u % 400)::BIGINT AS prompt_tokens,
        CASE WHEN u >= 40 THEN 10 + u % 300 END::BIGINT AS completion_tokens,
        CASE WHEN u >= 40 THEN repeat('é', 250) || repeat('x', 250) END AS answer,
        CASE WHEN u < 40 THEN 'server said no' END AS error_message
      FROM r) TO '${file}' (FORMAT parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tracker-request-sample-"));
  path = join(dir, "requests.parquet");
  await writeLargeRun(path);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OUTCOME = `CASE WHEN status = 'ok' AND finish_reason = 'length' THEN 'length' WHEN status = 'ok' THEN 'ok' ELSE error_class END`;

describe("sampleRequests on a large run", () => {
  test("bounded, every stratum and every failure kept, warm-up left out", async () => {
    const sample = await sampleRequests(path, "full");
    const [counts] = await query(
      `SELECT count(*) AS total, count(*) FILTER (WHERE status <> 'ok') AS failures FROM measured`,
      { path },
    );
    expect(sample.info.total).toBe(counts!.total);
    expect(sample.info.total).toBe(ROWS * 0.98);
    expect(sample.info.sampled).toBe(SAMPLE_ROWS);
    expect(sample.columns.request_index).toHaveLength(SAMPLE_ROWS);
    expect(Math.min(...sample.columns.request_index)).toBeGreaterThanOrEqual(ROWS * 0.02);
    expect(new Set(sample.columns.request_index).size).toBe(SAMPLE_ROWS);

    // Every failure (fewer than the cap here), with its outcome.
    expect(sample.info.failures).toBe(counts!.failures);
    expect(sample.info.failuresKept).toBe(counts!.failures);
    const failed = await query(`SELECT request_index FROM measured WHERE status <> 'ok' ORDER BY 1`, { path });
    const kept = new Set(sample.columns.request_index);
    for (const f of failed) expect(kept.has(f.request_index as number)).toBe(true);
    expect(sample.columns.outcome.filter((o) => o === "context_length")).toHaveLength(3);

    // Every (outcome, send-time bin) of the run is in the sample, and the large strata in proportion.
    const strata = await query(
      `WITH s AS (SELECT min(sent_ms) AS t0, max(sent_ms) AS t1 FROM measured)
       SELECT ${OUTCOME} AS outcome, least(19, floor((sent_ms - t0) / (t1 - t0) * 20))::INTEGER AS bin, count(*) AS n
       FROM measured, s GROUP BY ALL`,
      { path },
    );
    const t0 = ROWS * 0.02 * 5;
    const t1 = (ROWS - 1) * 5;
    const sampledStrata = new Map<string, number>();
    sample.columns.outcome.forEach((o, i) => {
      const bin = Math.min(19, Math.floor(((sample.columns.sent_s[i]! * 1000 - t0) / (t1 - t0)) * 20));
      sampledStrata.set(`${o}/${bin}`, (sampledStrata.get(`${o}/${bin}`) ?? 0) + 1);
    });
    expect(new Set(sampledStrata.keys())).toEqual(new Set(strata.map((s) => `${s.outcome}/${s.bin}`)));
    const successes = SAMPLE_ROWS - sample.info.failuresKept;
    const okTotal = strata
      .filter((s) => s.outcome === "ok" || s.outcome === "length")
      .reduce((a, s) => a + (s.n as number), 0);
    for (const s of strata.filter((s) => s.outcome === "ok")) {
      const expected = ((s.n as number) / okTotal) * successes;
      expect(Math.abs(sampledStrata.get(`ok/${s.bin}`)! - expected)).toBeLessThanOrEqual(2);
    }
  }, 60_000);

  test("failures beyond the cap are capped and the total stays bounded", async () => {
    const sample = await sampleRequests(path, "full", { rows: 500, failureCap: 100 });
    expect(sample.info.sampled).toBe(500);
    expect(sample.info.failuresKept).toBe(100);
    expect(sample.columns.outcome.filter((o) => o !== "ok" && o !== "length")).toHaveLength(100);
    // The rare class is a stratum of its own: kept although the failures are sampled.
    expect(sample.columns.outcome).toContain("context_length");
  }, 60_000);

  test("the same run gives the same sample", async () => {
    const a = await sampleRequests(path, "full", { rows: 1000 });
    const b = await sampleRequests(path, "full", { rows: 1000 });
    expect(b).toEqual(a);
    // Spread over the run, not its first requests.
    expect(Math.max(...a.columns.request_index)).toBeGreaterThan(ROWS * 0.9);
  }, 60_000);

  test("answers are redacted as published, then cut to ANSWER_BYTES bytes", async () => {
    const full = await sampleRequests(path, "full", { rows: 200, failureCap: 20 });
    const okText = full.columns.text.find((t, i) => full.columns.outcome[i] === "ok")!;
    expect(Buffer.byteLength(okText)).toBeLessThanOrEqual(ANSWER_BYTES);
    expect(okText).toMatch(/^é+…$/);
    expect(full.columns.text[full.columns.outcome.indexOf("http_5xx")]).toBe("server said no");
    const hashed = await sampleRequests(path, "hashed", { rows: 200, failureCap: 20 });
    expect(hashed.columns.text.every((t) => /^\[sha256 [0-9a-f]{16}\]$/.test(t!))).toBe(true);
    const truncated = await sampleRequests(path, "truncated", { rows: 200, failureCap: 20 });
    const cut = truncated.columns.text.find((t, i) => truncated.columns.outcome[i] === "ok")!;
    // The published 80 characters (160 bytes here), cut again to the table's bytes.
    expect(cut).toBe(`${"é".repeat(78)}…`);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(ANSWER_BYTES);
  }, 60_000);

  test("typed Arrow columns, the info in the metadata, read back by tableFromIPC", async () => {
    const sample = await sampleRequests(path, "full");
    const bytes = sampleIpc(sample);
    // 5,000 rows with answers cut at 160 bytes: about 1 MB, within the 2 MB a page may load.
    expect(bytes.byteLength).toBeLessThan(1_200_000);
    const table = tableFromIPC(bytes);
    expect(table.numRows).toBe(SAMPLE_ROWS);
    const types = Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));
    expect(types).toEqual({
      request_index: "Int32",
      prompt_id: "Dictionary<Int32, Utf8>",
      outcome: "Dictionary<Int32, Utf8>",
      sent_s: "Float32",
      ttft_ms: "Float32",
      e2e_ms: "Float32",
      prompt_tokens: "Int32",
      completion_tokens: "Int32",
      text: "Utf8",
    });
    const info = JSON.parse(table.schema.metadata.get(SAMPLE_METADATA_KEY)!) as SampleInfo;
    expect(info).toEqual(sample.info);
    const i = sample.columns.outcome.indexOf("timeout");
    expect(table.getChild("request_index")!.get(i)).toBe(sample.columns.request_index[i]);
    expect(table.getChild("outcome")!.get(i)).toBe("timeout");
    expect(table.getChild("ttft_ms")!.get(i)).toBeNull();
    expect(table.getChild("e2e_ms")!.get(i)).toBeCloseTo(sample.columns.e2e_ms[i]!, 3);
    expect(table.getChild("text")!.get(i)).toBe("server said no");
  }, 60_000);
});

test("truncateUtf8 keeps whole code points within the bytes", () => {
  expect(truncateUtf8("short", 10)).toBe("short");
  expect(truncateUtf8("ééééé", 8)).toBe("éé…");
  expect(Buffer.byteLength(truncateUtf8("😀".repeat(10), 9))).toBeLessThanOrEqual(9);
});

describe("experimentRequestSample (what src/data/requests/[id].arrow.ts writes)", () => {
  test("the shown run's sample, and an empty table for an experiment without rows", async () => {
    const results = join(dir, "results");
    const rows = Array.from({ length: 6 }, (_, i) =>
      timedRow(
        { run_id: "run-a", experiment_id: "alpha", request_index: i },
        {
          sentMs: i * 100,
          ttftMs: 40,
          tpotMs: 8,
          promptTokens: 100 + i,
          tokens: 10,
          answer: i === 2 ? HOSTILE_ANSWER : "fine",
        },
      ),
    );
    await writeRun(results, makeManifest({ run_id: "run-a", experiment_id: "alpha" }), rows);
    writeIndex(results, [
      makeEntry({ id: "alpha", title: "Alpha", state: "fresh", run_id: "run-a" }),
      makeEntry({ id: "gamma", title: "Gamma", state: "pending" }),
    ]);
    const dirs = { results, experiments: join(dir, "no-experiments") };
    const alpha = tableFromIPC(await experimentRequestSample("alpha", dirs));
    expect(alpha.numRows).toBe(6);
    expect(alpha.getChild("text")!.get(2)).toBe(truncateUtf8(HOSTILE_ANSWER, ANSWER_BYTES));
    expect(alpha.getChild("prompt_tokens")!.toArray()).toEqual(new Int32Array([100, 101, 102, 103, 104, 105]));
    const gamma = tableFromIPC(await experimentRequestSample("gamma", dirs));
    expect(gamma.numRows).toBe(0);
    expect(JSON.parse(gamma.schema.metadata.get(SAMPLE_METADATA_KEY)!).total).toBe(0);
  }, 60_000);
});
