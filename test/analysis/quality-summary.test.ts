import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { qualitySummary, storedQualitySummary, type QualityRow } from "../../data-loaders/analysis/quality-summary.ts";
import { expectClose, measured, writeStoredRun, type StoredRun } from "../metrics/stored-run.ts";

function row(fields: Partial<QualityRow>): QualityRow {
  return { status: "ok", json_valid: true, schema_valid: true, schema_errors: null, finish_reason: "stop", ...fields };
}

// 10 requests: 1 failed; of the 9 answers, 5 valid, 1 not JSON (cut by length), 3 schema-invalid.
const ROWS: QualityRow[] = [
  row({}),
  row({}),
  row({}),
  row({}),
  row({ finish_reason: "length" }), // a valid answer can still stop at the limit
  row({ json_valid: false, schema_valid: false, schema_errors: "(not JSON)", finish_reason: "length" }),
  row({ schema_valid: false, schema_errors: "recommendation: Invalid option; analysis.skills.score: Too big" }),
  row({ schema_valid: false, schema_errors: "recommendation: Invalid option" }),
  row({ schema_valid: false, schema_errors: "recommendation: Invalid option; recommendation: Invalid option" }),
  row({ status: "error", json_valid: null, schema_valid: null, finish_reason: null }),
];

describe("qualitySummary", () => {
  const q = qualitySummary(ROWS, { requestThroughput: 2 });

  it("counts validity over the checked answers", () => {
    expect([q.requests, q.completed, q.checked, q.jsonValid, q.schemaValid]).toEqual([10, 9, 9, 8, 5]);
    expect(q.jsonValidRate).toBeCloseTo(8 / 9, 12);
    expect(q.schemaValidRate).toBeCloseTo(5 / 9, 12);
  });

  it("lists the most common error entries, once per answer", () => {
    expect(q.topErrors).toEqual([
      { error: "recommendation: Invalid option", path: "recommendation", count: 3, share: 3 / 9 },
      { error: "(not JSON)", path: "(not JSON)", count: 1, share: 1 / 9 },
      { error: "analysis.skills.score: Too big", path: "analysis.skills.score", count: 1, share: 1 / 9 },
    ]);
    expect(qualitySummary(ROWS, { requestThroughput: 2, topErrors: 1 }).topErrors).toHaveLength(1);
  });

  it("gives the share cut by the length limit", () => {
    expect(q.cutByLength).toBe(2);
    expect(q.cutByLengthRate).toBeCloseTo(2 / 9, 12);
  });

  it("gives valid answers per GPU-hour", () => {
    // 2 requests/s · 5/9 valid · 3600 s = 4000 per hour on one GPU, 2000 per GPU on two.
    expect(q.validPerGpuHour).toBeCloseTo(4000, 9);
    expect(qualitySummary(ROWS, { requestThroughput: 2, gpus: 2 }).validPerGpuHour).toBeCloseTo(2000, 9);
    expect(qualitySummary(ROWS, { requestThroughput: null }).validPerGpuHour).toBeNull();
    expect(() => qualitySummary(ROWS, { requestThroughput: 2, gpus: 0 })).toThrow(/gpus/);
  });

  it("has no rates for a run without a quality schema", () => {
    const unchecked = ROWS.map((r) => ({ ...r, json_valid: null, schema_valid: null, schema_errors: null }));
    const u = qualitySummary(unchecked, { requestThroughput: 2 });
    expect([u.checked, u.jsonValidRate, u.schemaValidRate, u.validPerGpuHour]).toEqual([0, null, null, null]);
    expect(u.topErrors).toEqual([]);
    expect(u.cutByLength).toBe(2);
    expect(qualitySummary([], { requestThroughput: null }).cutByLengthRate).toBeNull();
  });
});

describe("storedQualitySummary (DuckDB) equals qualitySummary of the measured rows", () => {
  let twin: StoredRun;
  beforeAll(async () => {
    twin = await writeStoredRun();
  });
  afterAll(() => twin.cleanup());

  it.each([
    { requestThroughput: 3.5 },
    { requestThroughput: null, topErrors: 3 },
    { requestThroughput: 2, gpus: 2, topErrors: 1 },
  ])(
    "with %j: counts, rates and the top error entries (trimmed, once per answer, ties in code-point order)",
    async (options) => {
      const expected = qualitySummary(measured(twin.rows), options);
      expect(expected.topErrors.length).toBeGreaterThan(0);
      expectClose(await storedQualitySummary(twin.requestsPath, options), expected);
    },
  );
});
