// Which download files a run has: none without stored rows; its quality files; CSV up to the row
// limit, which the Guide, the README and `tracker export csv` state as the constant is.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CSV_ROW_LIMIT, runDownloads } from "../../data-loaders/site/download-files.ts";
import { listRuns, type RunFolder } from "../../data-loaders/store/folders.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";
import { makeManifest, makeRow, writeRun } from "./fixture-store.ts";
import { writeQualityFile } from "./download-store.ts";

const temp = tempDir("download-files");
let runs: RunFolder[];

beforeAll(async () => {
  const rows = Array.from({ length: 12 }, (_, i) =>
    makeRow({ run_id: "run-a", experiment_id: "alpha", request_index: i }),
  );
  await writeRun(temp.dir, makeManifest({ run_id: "run-a", experiment_id: "alpha" }), rows);
  await writeRun(temp.dir, makeManifest({ run_id: "run-f", experiment_id: "alpha", status: "failed" }), null);
  runs = listRuns(temp.dir, () => {});
  await writeQualityFile(runs[0]!, "quality", "verdict", 12);
});
afterAll(() => temp.cleanup());

describe("runDownloads", () => {
  test("a run with rows: its row count, CSV (under the limit) and its quality files; a run without rows: none", () => {
    expect(runs.map((r) => [r.runId, runDownloads(r)])).toEqual([
      ["run-a", { rows: 12, csv: true, quality: ["quality"] }],
      ["run-f", null],
    ]);
  });

  test("the Guide and the README state the limit the code has", () => {
    const limit = CSV_ROW_LIMIT.toLocaleString("en-US");
    expect(readFileSync(join(PROJECT, "src/guide.md"), "utf8")).toContain(`for a run of up to ${limit} rows`);
    expect(readFileSync(join(PROJECT, "README.md"), "utf8")).toContain(`the CSV of a run of up to ${limit} rows only`);
  });
});
