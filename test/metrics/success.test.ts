// Success accounting: the tracker's count beside vllm bench serve's, with the requests they count
// differently; the SQL twin against the JS count on a stored run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { accountSuccess, successAccounting, type SuccessRow } from "../../data-loaders/metrics/success.ts";
import type { RequestRow } from "../../data-loaders/store/schemas/request-row.ts";
import { makeManifest, makeRow, writeRun } from "../site/fixture-store.ts";

const ok = (n: number): SuccessRow[] =>
  Array.from({ length: n }, () => ({ status: "ok", error_class: null, vllm_success: true }));
const failed = (n: number, error_class: RequestRow["error_class"], vllm_success: boolean | null): SuccessRow[] =>
  Array.from({ length: n }, () => ({ status: "error", error_class, vllm_success }));

describe("accountSuccess", () => {
  test("vLLM counts an in-band error after choices and a stream without [DONE] as successes", () => {
    const rows = [
      ...ok(90),
      ...failed(4, "in_band_error", true), // error event after the answer began
      ...failed(3, "malformed_stream", true), // ended without [DONE]
      ...failed(2, "malformed_stream", false), // a payload that is not JSON: vLLM fails too
      ...failed(1, "http_5xx", false),
    ];
    expect(accountSuccess(rows)).toEqual({
      completed: 90,
      vllmCompleted: 97,
      differences: [
        { status: "error", error_class: "in_band_error", vllm_success: true, requests: 4 },
        { status: "error", error_class: "malformed_stream", vllm_success: true, requests: 3 },
      ],
    });
  });

  test("no vLLM count when a request has no verdict (runs stored before it, imports from other tools)", () => {
    expect(accountSuccess([...ok(3), { status: "ok", error_class: null, vllm_success: null }])).toEqual({
      completed: 4,
      vllmCompleted: null,
      differences: [],
    });
  });
});

describe("successAccounting (DuckDB) agrees with accountSuccess", () => {
  let root: string;
  let path: string;
  let rows: RequestRow[];
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "tracker-success-"));
    const base = { run_id: "s", experiment_id: "success" } as const;
    const classes = ["in_band_error", "malformed_stream", "http_5xx", "timeout", null] as const;
    rows = Array.from({ length: 120 }, (_, i) => {
      const error_class = classes[i % 5]!;
      const vllm =
        error_class === null ||
        (i % 3 !== 0 && (error_class === "in_band_error" || error_class === "malformed_stream"));
      return makeRow({
        ...base,
        request_index: i,
        warmup: i < 5,
        status: error_class === null ? "ok" : "error",
        error_class,
        vllm_success: vllm,
      });
    });
    path = join(await writeRun(join(root, "results"), makeManifest(base), rows), "requests.parquet");
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("counts and differences, warm-up requests left out", async () => {
    const expected = accountSuccess(rows.filter((r) => !r.warmup));
    expect(expected.differences.length).toBe(2);
    expect(await successAccounting(path)).toEqual(expected);
  });
});
