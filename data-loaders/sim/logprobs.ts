// Log probabilities of the simulated tokens, in vLLM's two layouts. The values are made up but
// deterministic (a function of the simulator seed, the request, the choice and the position)
// and consistent: the sampled token is the most likely one, its alternatives are less likely in
// decreasing order, and their probabilities sum to less than 1. A token's text is the piece as
// decoded; the end-of-sequence token decodes to "" (special tokens are skipped), as in vLLM.
//
// Chat (`logprobs: true`, `top_logprobs: k`): choices[].logprobs = {content: [{token, logprob,
// bytes, top_logprobs: [{token, logprob, bytes}] (k entries, the sampled token first)}]}.
// Completions (`logprobs: k`): {text_offset, token_logprobs, tokens, top_logprobs: [{token:
// logprob}]} with the sampled token and the k − 1 next ones (k = 0: the sampled token alone);
// text_offset starts at the length of the text already sent and grows by each token's length.
import { uniform } from "../random.ts";

/** Likely next tokens the alternatives are drawn from. */
const ALTERNATIVES = [" the", ",", ".", " and", " a", " of", " to", " is", " in", "\n", " that", " for", " it", ":"];

export interface TokenLogprob {
  token: string;
  logprob: number;
  /** The sampled token and its likeliest alternatives, most likely first. */
  top: { token: string; logprob: number }[];
}

/**
 * The logprob of the token `token` at `position`, with `k` entries of alternatives (the sampled
 * token first); `key` names the request and choice.
 */
export function tokenLogprob(key: string, position: number, token: string, k: number): TokenLogprob {
  const u = uniform("logprob", key, position);
  const p = 0.55 + 0.44 * u;
  const logprob = Math.log(p);
  const top = [{ token, logprob }];
  const start = Math.floor(uniform("logprob-alt", key, position) * ALTERNATIVES.length);
  let rest = 1 - p;
  for (let j = 0; top.length < k && j < ALTERNATIVES.length; j++) {
    const alt = ALTERNATIVES[(start + j) % ALTERNATIVES.length]!;
    if (alt === token) continue;
    rest *= 0.5;
    top.push({ token: alt, logprob: Math.log(rest) });
  }
  return { token, logprob, top: top.slice(0, Math.max(k, 0)) };
}

const utf8 = (s: string): number[] => [...Buffer.from(s, "utf8")];

/** Chat layout of a run of tokens: `{content: [...]}`. */
export function chatLogprobs(tokens: readonly TokenLogprob[]): { content: unknown[] } {
  return {
    content: tokens.map((t) => ({
      token: t.token,
      logprob: t.logprob,
      bytes: utf8(t.token),
      top_logprobs: t.top.map((a) => ({ token: a.token, logprob: a.logprob, bytes: utf8(a.token) })),
    })),
  };
}

export interface CompletionLogprobs {
  text_offset: number[];
  token_logprobs: number[];
  tokens: string[];
  top_logprobs: Record<string, number>[];
}

/** Completions layout of a run of tokens, offsets from `initialOffset` (text already sent). */
export function completionLogprobs(tokens: readonly TokenLogprob[], initialOffset: number): CompletionLogprobs {
  const out: CompletionLogprobs = { text_offset: [], token_logprobs: [], tokens: [], top_logprobs: [] };
  let offset = initialOffset;
  for (const t of tokens) {
    out.text_offset.push(offset);
    // Python counts code points.
    offset += [...t.token].length;
    out.token_logprobs.push(t.logprob);
    out.tokens.push(t.token);
    // The sampled token is always kept, also when no alternative was asked for.
    const kept = t.top.length > 0 ? t.top : [{ token: t.token, logprob: t.logprob }];
    out.top_logprobs.push(Object.fromEntries(kept.map((a) => [a.token, a.logprob])));
  }
  return out;
}
