// Peak output tokens/s and peak concurrent requests, as vllm bench serve computes them: worked by
// hand on a small run, and the SQL twins against the JS formula on a seeded stored run.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { peakFigures, peaks, type PeakRow } from "../../data-loaders/metrics/peaks.ts";
import { measured, writeStoredRun, type StoredRun } from "./stored-run.ts";

const row = (f: Partial<PeakRow>): PeakRow => ({
  status: "ok",
  sent_ms: null,
  first_event_ms: null,
  itl_ms: null,
  e2e_ms: null,
  ...f,
});

// A: chunks at 100, 110, 130, 1030 ms; in flight [0, 1030).
// B: one chunk at 1500; in flight [50, 1500).
// C: failed: its chunks and interval do not count.
// D: chunks at 1100, 1105, 1110; in flight [1030, 2140): starts the moment A ends.
const ROWS: PeakRow[] = [
  row({ sent_ms: 0, first_event_ms: 100, itl_ms: [10, 20, 900], e2e_ms: 1030 }),
  row({ sent_ms: 50, first_event_ms: 1500, itl_ms: [], e2e_ms: 1450 }),
  row({ status: "error", sent_ms: 10, first_event_ms: 20, itl_ms: [1, 1, 1], e2e_ms: 5000 }),
  row({ sent_ms: 1030, first_event_ms: 1100, itl_ms: [5, 5], e2e_ms: 1110 }),
];

describe("peakFigures", () => {
  test("counts chunk arrivals per 1-second bin from the first send, and requests in flight at once", () => {
    // bin 0 (0–1 s): 100, 110, 130 → 3; bin 1 (1–2 s): 1030, 1500, 1100, 1105, 1110 → 5.
    // In flight: A and B, then at 1030 A ends before D starts: still 2, never 3.
    expect(peakFigures(ROWS)).toEqual({ peakOutputTokensPerS: 5, peakConcurrentRequests: 2 });
  });

  test("bins start at the earliest send of a successful request (a failed earlier send does not move them)", () => {
    const rows = [
      row({ status: "error", sent_ms: 0, first_event_ms: null, e2e_ms: null }),
      row({ sent_ms: 600, first_event_ms: 1500, itl_ms: [200], e2e_ms: 1100 }),
      row({ sent_ms: 700, first_event_ms: 1650, itl_ms: [], e2e_ms: 950 }),
    ];
    // From 600: 1500 is in the first second, 1650 and 1700 in the second → 2. From the failed
    // send at 0 all three would share the second bin → 3.
    expect(peakFigures(rows).peakOutputTokensPerS).toBe(2);
  });

  test("null without successful requests or without chunk times", () => {
    expect(peakFigures([])).toEqual({ peakOutputTokensPerS: null, peakConcurrentRequests: null });
    expect(peakFigures([row({ status: "error", sent_ms: 0, first_event_ms: 5, e2e_ms: 9 })])).toEqual({
      peakOutputTokensPerS: null,
      peakConcurrentRequests: null,
    });
    // A non-streaming success: in flight, but no chunks.
    expect(peakFigures([row({ sent_ms: 0, e2e_ms: 300 })])).toEqual({
      peakOutputTokensPerS: null,
      peakConcurrentRequests: 1,
    });
  });
});

describe("peaks (DuckDB) agree with peakFigures", () => {
  let run: StoredRun;
  beforeAll(async () => {
    run = await writeStoredRun(400, 23);
  });
  afterAll(() => run.cleanup());

  test("over several of DuckDB's chunks (2,048 rows each) streamed into the fold", async () => {
    const big = await writeStoredRun(5_000, 29);
    try {
      const expected = peakFigures(measured(big.rows));
      expect(await peaks(big.requestsPath)).toEqual(expected);
    } finally {
      big.cleanup();
    }
  });

  test("on a seeded run with failures, warm-up rows and nulls", async () => {
    const expected = peakFigures(measured(run.rows));
    expect(expected.peakOutputTokensPerS).toBeGreaterThan(1);
    expect(expected.peakConcurrentRequests).toBeGreaterThan(1);
    const got = await peaks(run.requestsPath);
    expect(Math.abs(got.peakOutputTokensPerS! - expected.peakOutputTokensPerS!)).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(got.peakConcurrentRequests! - expected.peakConcurrentRequests!)).toBeLessThanOrEqual(1e-9);
  });
});
