// Goodput, as defined by vLLM bench serve (`--goodput ttft:X tpot:Y e2el:Z`, in ms):
// a successful request is good when every configured SLO holds (value ≤ limit), and
// goodput = good requests / run duration. For goodput only, TPOT counts as 0 when the request
// produced at most 1 output token.
// Where vLLM would re-tokenize missing usage, we cannot know the value: a request whose value for
// a configured SLO is unknown (null) is not counted as good.
import { tpotMs } from "./latency.ts";
import { perSecond, runDurationS } from "./throughput.ts";
import type { MetricRow } from "./types.ts";

export interface Slo {
  ttftMs?: number;
  tpotMs?: number;
  e2elMs?: number;
}

export type GoodputRow = Pick<MetricRow, "status" | "sent_ms" | "done_ms" | "ttft_ms" | "e2e_ms" | "completion_tokens">;

export interface Goodput {
  good: number;
  durationS: number;
  /** Good requests per second. */
  goodput: number;
}

export function isGood(row: Omit<GoodputRow, "sent_ms" | "done_ms">, slo: Slo): boolean {
  if (row.status !== "ok") return false;
  if (slo.ttftMs !== undefined && !within(row.ttft_ms, slo.ttftMs)) return false;
  if (slo.e2elMs !== undefined && !within(row.e2e_ms, slo.e2elMs)) return false;
  if (slo.tpotMs !== undefined) {
    if (row.completion_tokens === null) return false;
    const tpot = row.completion_tokens <= 1 ? 0 : tpotMs(row);
    if (!within(tpot, slo.tpotMs)) return false;
  }
  return true;
}

export function goodput(rows: readonly GoodputRow[], slo: Slo): Goodput {
  let good = 0;
  for (const row of rows) if (isGood(row, slo)) good += 1;
  const durationS = runDurationS(rows);
  return { good, durationS, goodput: perSecond(good, durationS) };
}

function within(value: number | null, limit: number): boolean {
  return value !== null && value <= limit;
}
