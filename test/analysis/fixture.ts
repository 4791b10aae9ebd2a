// Synthetic runs for the analysis tests: a closed loop of workers (each sends its next request
// the moment the previous one completes), so the steady request rate is known by construction.
import { rngFor } from "../../data-loaders/random.ts";
import type { RequestRow } from "../../data-loaders/store/schemas/request-row.ts";

export type Row = Pick<
  RequestRow,
  | "prompt_id"
  | "request_index"
  | "status"
  | "sent_ms"
  | "done_ms"
  | "ttft_ms"
  | "e2e_ms"
  | "prompt_tokens"
  | "completion_tokens"
  | "answer"
  | "schema_valid"
>;

export interface LoopOptions {
  workers: number;
  count: number;
  /** Milliseconds per output token: service time = completion tokens · msPerToken. */
  msPerToken: number;
  /** Completion tokens are drawn uniformly from [minTokens, maxTokens] (seeded by prompt). */
  minTokens: number;
  maxTokens: number;
  /** Worker w starts at w · rampMs. */
  rampMs?: number;
  prompts?: number;
  seed?: number;
  /** From this send time on, service takes msPerTokenLater per token (a server that slows down). */
  slowFromMs?: number;
  msPerTokenLater?: number;
}

/**
 * Closed loop: steady rate = workers / mean service time = workers / (msPerToken · mean tokens).
 * Prompt i of the cycle always gets the same token count, so the prompt mix is the same in runs
 * of different sizes.
 */
export function closedLoop(o: LoopOptions): Row[] {
  const prompts = o.prompts ?? 100;
  const tokensOf = Array.from({ length: prompts }, (_, p) =>
    rngFor("tokens", o.seed ?? 1, p).int(o.minTokens, o.maxTokens),
  );
  const freeAt = Array.from({ length: o.workers }, (_, w) => w * (o.rampMs ?? 0));
  const rows: Row[] = [];
  for (let i = 0; i < o.count; i++) {
    let w = 0;
    for (let k = 1; k < o.workers; k++) if (freeAt[k]! < freeAt[w]!) w = k;
    const sent = freeAt[w]!;
    const tokens = tokensOf[i % prompts]!;
    const perToken = o.slowFromMs !== undefined && sent >= o.slowFromMs ? o.msPerTokenLater! : o.msPerToken;
    const done = sent + tokens * perToken;
    freeAt[w] = done;
    rows.push({
      prompt_id: `p${i % prompts}`,
      request_index: i,
      status: "ok",
      sent_ms: sent,
      done_ms: done,
      ttft_ms: 10,
      e2e_ms: done - sent,
      prompt_tokens: 100,
      completion_tokens: tokens,
      answer: null,
      schema_valid: null,
    });
  }
  return rows;
}
