// Tokenizer-neutral rates: the DuckDB count over requests.parquet equals the JS count over the
// same rows (code points, words split on ASCII whitespace, warm-up, failed and empty answers out).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { answerTextTotals, countAnswerText, textRates } from "../../data-loaders/metrics/text-rates.ts";
import type { RequestRow } from "../../data-loaders/store/schemas/request-row.ts";
import { makeManifest, makeRow, writeRun } from "../site/fixture-store.ts";

const base = { run_id: "text", experiment_id: "text" } as const;
const answers: [string | null, "ok" | "error", boolean][] = [
  ["Yes. The answer is 42.", "ok", false],
  ["  tabs\tand\nnewlines\r\n  and  double  spaces ", "ok", false],
  ["émoji 🙂 and 日本語 count as code points", "ok", false],
  ['\n{\n  "fit": "yes",\n\n  "why":  "senior"\n}\n', "ok", false],
  ["", "ok", false],
  [null, "ok", false],
  ["failed partial text", "error", false],
  ["warm-up answer, left out", "ok", true],
];
let root: string;
let rows: RequestRow[];
let requestsPath: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "tracker-text-"));
  rows = answers.map(([answer, status, warmup], i) =>
    makeRow({ ...base, request_index: i, answer, status, warmup, error_class: status === "error" ? "reset" : null }),
  );
  requestsPath = join(await writeRun(join(root, "results"), makeManifest({ ...base }), rows), "requests.parquet");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("text rates", () => {
  test("counts answers, code points and words, and the SQL twin agrees", async () => {
    const js = countAnswerText(rows);
    expect(js.answers).toBe(4);
    // The JSON answer (newlines and runs of spaces only): {, "fit":, "yes",, "why":, "senior", }.
    expect(js.words).toBe(5 + 6 + 8 + 6);
    expect(js.chars).toBe(answers.slice(0, 4).reduce((n, [a]) => n + [...a!].length, 0));
    expect(await answerTextTotals(requestsPath)).toEqual(js);
  });

  test("rates are totals over the duration, null without one", () => {
    expect(textRates({ answers: 3, chars: 90, words: 18 }, 9)).toEqual({
      answersPerS: 1 / 3,
      charsPerS: 10,
      wordsPerS: 2,
    });
    expect(textRates({ answers: 3, chars: null, words: 18 }, 0)).toEqual({
      answersPerS: null,
      charsPerS: null,
      wordsPerS: null,
    });
  });
});
