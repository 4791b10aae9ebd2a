// A seeded, irregular run written as requests.parquet, for checking each SQL twin in
// data-loaders/metrics/ against its JS formula: failures, warm-up rows, unknown (null) values,
// ties, integer token counts that fall on bin edges, and several finish reasons.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rngFor } from "../../data-loaders/random.ts";
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
    const sent = Math.round(rng.next() * 20_000);
    const ttft = ok ? pick([25, 50, 50, 75]) + Math.round(rng.next() * 400) / 4 : null;
    const tokens = ok ? pick([1, 2, 10, 20, 30, 40, 40, null]) : null;
    const e2e = ok && ttft !== null ? ttft + (tokens ?? 1) * (5 + rng.next() * 20) : null;
    return makeRow({
      ...base,
      request_index: i,
      warmup: i < 8,
      status: ok ? "ok" : "error",
      error_class: ok ? null : pick(["timeout", "reset", "http_5xx"] as const),
      finish_reason: ok ? pick(["stop", "stop", "length", null]) : null,
      sent_ms: sent,
      first_event_ms: ttft === null ? null : sent + ttft,
      done_ms: e2e === null ? (ok ? null : sent + 30) : sent + e2e,
      ttft_ms: ttft,
      e2e_ms: e2e,
      tpot_ms: ttft !== null && e2e !== null && tokens !== null && tokens > 1 ? (e2e - ttft) / (tokens - 1) : null,
      itl_ms:
        ok && tokens !== null ? Array.from({ length: tokens - 1 }, () => 1 + Math.round(rng.next() * 80) / 8) : null,
      prompt_tokens: ok ? pick([10, 20, 30, 40, 55, null]) : null,
      completion_tokens: tokens,
    });
  });
  const root = mkdtempSync(join(tmpdir(), "tracker-twin-"));
  const dir = await writeRun(join(root, "results"), makeManifest({ ...base }), rows);
  return {
    requestsPath: join(dir, "requests.parquet"),
    rows,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** The rows every statistic reads: all but warm-up requests. */
export function measured(rows: readonly RequestRow[]): RequestRow[] {
  return rows.filter((r) => !r.warmup);
}
