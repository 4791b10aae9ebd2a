// A seeded, irregular run written as requests.parquet, for checking each SQL twin in
// data-loaders/metrics/ and analysis/ against its JS formula: failures, warm-up rows, unknown
// (null) values (a send time, a completion time, usage), ties in times, integer token counts that
// fall on bin edges, several finish reasons, workers, endpoints, retries, prompts sent more than
// once, and quality verdicts with schema error entries (repeated within an answer, padded with
// white space, tied in count).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { rngFor } from "../../data-loaders/random.ts";
import { closedLoop } from "../analysis/fixture.ts";
import type { RequestRow } from "../../data-loaders/store/schemas/request-row.ts";
import { makeManifest, makeRow, writeRun } from "../site/fixture-store.ts";

export interface StoredRun {
  requestsPath: string;
  /** Every row written, warm-up rows included. */
  rows: RequestRow[];
  cleanup: () => void;
}

export async function writeStoredRun(n = 400, seed = 11): Promise<StoredRun> {
  const rng = rngFor("stored-run", seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rng.next() * list.length)]!;
  const base = { run_id: "twin", experiment_id: "twins" } as const;
  const rows = Array.from({ length: n }, (_, i) => {
    const ok = rng.next() > 0.15;
    // Sends on a 10 ms grid, so some share a time with another send or a completion.
    const sent = Math.round(rng.next() * 2_000) * 10;
    const ttft = ok ? pick([25, 50, 50, 75]) + Math.round(rng.next() * 400) / 4 : null;
    const tokens = ok ? pick([1, 2, 10, 20, 30, 40, 40, null]) : null;
    const e2e = ok && ttft !== null ? ttft + (tokens ?? 1) * (5 + rng.next() * 20) : null;
    return makeRow({
      ...base,
      request_index: i,
      prompt_id: `p${(i * 7) % 97}`,
      worker: i % 6,
      endpoint: ["http://gpu-a:8000", "http://gpu-b:8000", "http://gpu-c:8000"][i % 3]!,
      attempts: pick([1, 1, 1, 2, 3]),
      warmup: i < 8,
      status: ok ? "ok" : "error",
      error_class: ok ? null : pick(["timeout", "reset", "http_5xx"] as const),
      finish_reason: ok ? pick(["stop", "stop", "length", null]) : null,
      sent_ms: i % 53 === 5 ? null : sent,
      first_event_ms: ttft === null || i % 41 === 3 ? null : sent + ttft,
      done_ms: e2e === null ? (ok ? null : sent + 30) : sent + e2e,
      ttft_ms: ttft,
      e2e_ms: e2e,
      tpot_ms: ttft !== null && e2e !== null && tokens !== null && tokens > 1 ? (e2e - ttft) / (tokens - 1) : null,
      itl_ms:
        ok && tokens !== null ? Array.from({ length: tokens - 1 }, () => 1 + Math.round(rng.next() * 80) / 8) : null,
      prompt_tokens: ok ? pick([10, 20, 30, 40, 55, null]) : null,
      completion_tokens: tokens,
      ...verdict(ok, pick),
    });
  });
  return writeStoredRows(rows);
}

/** Writes rows (of run "twin" of experiment "twins") as a stored run. */
export async function writeStoredRows(rows: RequestRow[]): Promise<StoredRun> {
  const root = mkdtempSync(join(tmpdir(), "tracker-twin-"));
  const dir = await writeRun(join(root, "results"), makeManifest({ run_id: "twin", experiment_id: "twins" }), rows);
  return {
    requestsPath: join(dir, "requests.parquet"),
    rows,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * A closed loop of `workers` (each sends when its last request completes; test/analysis/fixture.ts
 * `closedLoop`) as stored rows, with every 23rd request failed and the first `warmup` rows warm-up.
 */
export async function writeClosedLoop(workers: number, count: number, warmup = 5): Promise<StoredRun> {
  const loop = closedLoop({ workers, count, msPerToken: 2, minTokens: 20, maxTokens: 120, rampMs: 15 });
  const rows = loop.map((r, i) =>
    makeRow({
      ...r,
      run_id: "twin",
      experiment_id: "twins",
      warmup: i < warmup,
      status: i % 23 === 7 ? "error" : "ok",
      first_event_ms: r.sent_ms! + r.ttft_ms!,
    }),
  );
  return writeStoredRows(rows);
}

/** Quality columns: no verdict (no schema) now and then, invalid answers with error entries. */
function verdict(ok: boolean, pick: <T>(list: readonly T[]) => T) {
  if (!ok) return {};
  const kind = pick(["none", "valid", "valid", "valid", "notJson", "invalid", "invalid"] as const);
  if (kind === "none") return { json_valid: null, schema_valid: null, schema_errors: null };
  if (kind === "valid") return { json_valid: true, schema_valid: true, schema_errors: null };
  if (kind === "notJson") return { json_valid: false, schema_valid: false, schema_errors: "(not JSON)" };
  const entries = pick([
    "recommendation: Invalid option",
    "recommendation: Invalid option; recommendation: Invalid option",
    " years: Too big ;  ",
    "skills: Expected array; years: Too big",
    "b: tie; a: tie",
    "\tzeta: é ünïcode\n",
  ]);
  return { json_valid: true, schema_valid: false, schema_errors: entries };
}

/** Every number in `actual` within 1e-9 (relative, or absolute below 1) of `expected`, everything else equal. */
export function expectClose(actual: unknown, expected: unknown, path = "value"): void {
  if (typeof expected === "number" && typeof actual === "number") {
    if (!Number.isFinite(expected)) return void expect(actual, path).toBe(expected);
    expect(Math.abs(actual - expected), path).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual) && actual.length, `${path}.length`).toBe(expected.length);
    expected.forEach((e, i) => expectClose((actual as unknown[])[i], e, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === "object") {
    expect(Object.keys(actual as object).sort(), `${path} keys`).toEqual(Object.keys(expected).sort());
    for (const [k, e] of Object.entries(expected))
      expectClose((actual as Record<string, unknown>)[k], e, `${path}.${k}`);
  } else expect(actual, path).toEqual(expected);
}

/** The rows every statistic reads: all but warm-up requests. */
export function measured(rows: readonly RequestRow[]): RequestRow[] {
  return rows.filter((r) => !r.warmup);
}

/**
 * The two runs every twin test compares on — the irregular run and a closed loop of 6 workers —
 * written before the enclosing describe's tests and removed after them.
 */
export function storedTwins(): { readonly twin: StoredRun; readonly loop: StoredRun } {
  const runs = {} as { twin: StoredRun; loop: StoredRun };
  beforeAll(async () => {
    runs.twin = await writeStoredRun();
    runs.loop = await writeClosedLoop(6, 400);
  });
  afterAll(() => {
    runs.twin?.cleanup();
    runs.loop?.cleanup();
  });
  return runs;
}
