// Usage check: responses whose usage.total_tokens is not prompt + completion tokens, counted over
// rows in memory and, as the SQL twin, over a stored run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { checkUsage, usageCheck } from "../../data-loaders/metrics/usage.ts";
import type { RequestRow } from "../../data-loaders/store/schemas/request-row.ts";
import { makeManifest, makeRow, writeRun } from "../site/fixture-store.ts";

describe("checkUsage", () => {
  test("counts the responses with a verdict and those whose total did not add up", () => {
    const rows = [true, false, false, null, true, null].map((usage_mismatch) => ({ usage_mismatch }));
    expect(checkUsage(rows)).toEqual({ checked: 4, mismatched: 2 });
    expect(checkUsage([])).toEqual({ checked: 0, mismatched: 0 });
  });
});

describe("usageCheck (DuckDB) agrees with checkUsage", () => {
  let root: string;
  let path: string;
  let rows: RequestRow[];
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "tracker-usage-"));
    const base = { run_id: "u", experiment_id: "usage" } as const;
    const verdicts = [false, false, true, null, false] as const;
    rows = Array.from({ length: 60 }, (_, i) =>
      makeRow({ ...base, request_index: i, warmup: i < 4, usage_mismatch: verdicts[i % 5]! }),
    );
    path = join(await writeRun(join(root, "results"), makeManifest(base), rows), "requests.parquet");
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("warm-up requests left out", async () => {
    const expected = checkUsage(rows.filter((r) => !r.warmup));
    expect(expected).toEqual({ checked: 45, mismatched: 11 });
    expect(await usageCheck(path)).toEqual(expected);
  });
});
