// Hand-written rows shared by the metrics tests, with the expected values worked out by hand
// (see the comments), plus plain reference formulas written independently of the module.
import { expect } from "vitest";
import type { SeriesRow } from "../../data-loaders/metrics/series.ts";
import type { WindowRow } from "../../data-loaders/metrics/steady-state.ts";
import type { MetricRow } from "../../data-loaders/metrics/types.ts";

interface Fields {
  status?: "ok" | "error";
  sent: number | null;
  first: number | null;
  done: number | null;
  ttft: number | null;
  e2e: number | null;
  itl: number[] | null;
  prompt: number | null;
  completion: number | null;
}

export function row(f: Fields): MetricRow {
  return {
    status: f.status ?? "ok",
    sent_ms: f.sent,
    first_event_ms: f.first,
    done_ms: f.done,
    ttft_ms: f.ttft,
    e2e_ms: f.e2e,
    // Deliberately wrong stored value: the metrics must recompute TPOT, not read this column.
    tpot_ms: -1,
    itl_ms: f.itl,
    prompt_tokens: f.prompt,
    completion_tokens: f.completion,
  };
}

// 13 requests: 9 ok, 4 failed. TPOT noted where completion_tokens > 1.
export const ROWS: MetricRow[] = [
  /* 1 */ row({ sent: 0, first: 100, done: 1100, ttft: 100, e2e: 1100, itl: [10, 20, 30], prompt: 50, completion: 11 }), // tpot 1000/10 = 100
  /* 2 */ row({ sent: 0, first: 200, done: 2200, ttft: 200, e2e: 2200, itl: [40, 50], prompt: 60, completion: 21 }), // tpot 2000/20 = 100
  /* 3 */ row({ sent: 10, first: 160, done: 660, ttft: 150, e2e: 650, itl: [25], prompt: 40, completion: 5 }), // tpot 500/4 = 125
  /* 4 */ row({ sent: 50, first: 350, done: 350, ttft: 300, e2e: 300, itl: [], prompt: 30, completion: 1 }), // 1 token: no tpot
  /* 5 */ row({
    status: "error",
    sent: 100,
    first: 105,
    done: 400,
    ttft: 5,
    e2e: 300,
    itl: [999],
    prompt: null,
    completion: null,
  }),
  /* 6 */ row({
    sent: 1100,
    first: 1180,
    done: 2180,
    ttft: 80,
    e2e: 1080,
    itl: [15, 35],
    prompt: null,
    completion: null,
  }), // no usage
  /* 7 */ row({ sent: 1200, first: 1300, done: 3300, ttft: 100, e2e: 2100, itl: [60], prompt: 70, completion: 41 }), // tpot 2000/40 = 50
  /* 8 */ row({
    status: "error",
    sent: 2200,
    first: 2250,
    done: 2260,
    ttft: 50,
    e2e: 60,
    itl: [1],
    prompt: 10,
    completion: 3,
  }),
  /* 9 */ row({
    sent: 2300,
    first: 2700,
    done: 4700,
    ttft: 400,
    e2e: 2400,
    itl: [100, 200, 300],
    prompt: 80,
    completion: 201,
  }), // tpot 2000/200 = 10
  /* 10 */ row({ sent: 3000, first: 3050, done: 3550, ttft: 50, e2e: 550, itl: [20], prompt: 25, completion: null }), // no completion count
  /* 11 */ row({ sent: 3400, first: 3500, done: 3600, ttft: 100, e2e: 200, itl: [100], prompt: 15, completion: 2 }), // tpot 100/1 = 100
  /* 12 */ row({
    status: "error",
    sent: 4800,
    first: null,
    done: 5000,
    ttft: null,
    e2e: null,
    itl: null,
    prompt: null,
    completion: null,
  }),
  /* 13 */ row({
    status: "error",
    sent: null,
    first: null,
    done: null,
    ttft: null,
    e2e: null,
    itl: null,
    prompt: null,
    completion: null,
  }),
];

// Expected inputs of every statistic, typed in from the table above (ok rows only).
export const EXPECTED = {
  requests: 13,
  completed: 9,
  failed: 4,
  durationS: 5, // first send 0 ms → last completion 5000 ms (a failed row)
  totalInputTokens: 50 + 60 + 40 + 30 + 70 + 80 + 25 + 15,
  totalOutputTokens: 11 + 21 + 5 + 1 + 41 + 201 + 2,
  missingUsage: 2, // rows 6 and 10
  promptCounts: [50, 60, 40, 30, 70, 80, 25, 15],
  completionCounts: [11, 21, 5, 1, 41, 201, 2],
  ttft: [100, 200, 150, 300, 80, 100, 400, 50, 100],
  tpot: [100, 100, 125, 50, 10, 100],
  itl: [10, 20, 30, 40, 50, 25, 15, 35, 60, 100, 200, 300, 20, 100],
  e2el: [1100, 2200, 650, 300, 1080, 2100, 2400, 550, 200],
};

export function refMean(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

export function refStd(xs: number[]): number {
  const m = refMean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) * (x - m), 0) / xs.length);
}

/** Asserts equality to 1e-9 (both null, or both numbers within 1e-9). */
export function near(actual: number | null | undefined, expected: number | null): void {
  if (expected === null) return void expect(actual).toBeNull();
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(1e-9);
}

/**
 * Closed loop: `workers` workers take requests from a shared queue of `count`, each sending its
 * next request the moment the previous one completes. Worker w starts at w·rampMs (slow
 * warm-up) and its first request is cold (coldMs); every later one takes serviceMs. Steady
 * rate = workers / serviceMs.
 */
export function closedLoop(workers: number, count: number, rampMs: number, coldMs: number, serviceMs: number) {
  const freeAt = Array.from({ length: workers }, (_, w) => w * rampMs);
  const sentAny = Array.from({ length: workers }, () => false);
  const rows: (WindowRow & SeriesRow)[] = [];
  for (let i = 0; i < count; i++) {
    let w = 0;
    for (let k = 1; k < workers; k++) if (freeAt[k]! < freeAt[w]!) w = k;
    const sent = freeAt[w]!;
    const done = sent + (sentAny[w] ? serviceMs : coldMs);
    sentAny[w] = true;
    freeAt[w] = done;
    rows.push({
      status: "ok",
      sent_ms: sent,
      first_event_ms: sent + 100,
      done_ms: done,
      prompt_tokens: 100,
      completion_tokens: 50,
    });
  }
  return rows;
}
