// The tokens one choice generates, from its answer (answers.ts) and the request's stopping
// rules, as vLLM's engine and detokenizer produce them:
//
//   * the answer's token pieces (reasoning first, then content), then the end-of-sequence token
//     (stop_reason: the profile's extra EOS id, or null) when the output limit allows it;
//   * `min_tokens` blocks the end of sequence until that many tokens exist (the model writes on,
//     continuationText, and ends as soon as it may), and `ignore_eos` blocks it altogether: the
//     model then writes up to the limit;
//   * a `stop` string ends generation on the token that completes it (once more than
//     `min_tokens` tokens exist): finish_reason "stop", stop_reason the string, and the text is
//     cut before it (after it with `include_stop_str_in_output`). The strings are tried in the
//     order given, each where it would end in the newest token's text, as vLLM checks them;
//   * the limit (`max_tokens`, or what is left of the context) ends it with "length".
//
// A stream shows each token's text as it is generated, except that with stop strings vLLM holds
// back the last (longest stop string − 1) characters until it knows they are not the start of
// one (`delta` below); the final token releases what is left.
import { continuationText, type Answer } from "./answers.ts";
import type { Sampling } from "./sampling.ts";
import { splitTokens } from "./tokenizer.ts";

export interface Finish {
  reason: "stop" | "length";
  /** The stop string, or the stop token id, that ended generation; null for EOS and length. */
  stopReason: number | string | null;
}

/** Visible text, split into the reasoning field and the content. */
export interface TextParts {
  reasoning: string;
  content: string;
}

export interface GenToken {
  /** The token's own text ("" for the end-of-sequence token). */
  piece: string;
  /** What this token makes visible in a stream. */
  delta: TextParts;
}

export interface Generation {
  tokens: GenToken[];
  finish: Finish;
  /** The whole visible output. */
  text: TextParts;
}

export interface GenerationOptions {
  answer: Answer;
  /** The output limit: max_tokens, or what is left of the context. */
  limit: number;
  sampling: Pick<Sampling, "stop" | "includeStopStrInOutput" | "ignoreEos" | "minTokens">;
  /** stop_reason when the model ends with its end-of-sequence token. */
  eosStopReason: number | null;
  /** Names the continuation text (request and choice). */
  key: string;
}

interface Piece {
  text: string;
  reasoning: boolean;
}

export function generate(o: GenerationOptions): Generation {
  const pieces = answerPieces(o);
  const raw = endOfGeneration(o, pieces);
  const visibleEnd = raw.truncateTo ?? raw.text.length;
  const holdback =
    o.sampling.stop.length > 0 && !o.sampling.includeStopStrInOutput ? maxLength(o.sampling.stop) - 1 : 0;
  const split = splitter(pieces, raw.count);
  const tokens: GenToken[] = [];
  let sent = 0;
  let end = 0;
  for (let i = 0; i < raw.count; i++) {
    const piece = pieces[i]?.text ?? "";
    end += piece.length;
    const last = i === raw.count - 1;
    const upTo = last ? visibleEnd : Math.max(sent, end - holdback);
    tokens.push({ piece, delta: split(sent, upTo) });
    sent = upTo;
  }
  return { tokens, finish: raw.finish, text: split(0, visibleEnd) };
}

/** The answer's pieces, then continuation text while the end of sequence is blocked. */
function answerPieces(o: GenerationOptions): Piece[] {
  const pieces: Piece[] = [
    ...(o.answer.reasoning ? splitTokens(o.answer.reasoning).map((text) => ({ text, reasoning: true })) : []),
    ...splitTokens(o.answer.content).map((text) => ({ text, reasoning: false })),
  ];
  const needed = Math.min(o.limit, o.sampling.ignoreEos ? o.limit : Math.max(o.sampling.minTokens, pieces.length));
  if (pieces.length >= needed) return pieces;
  for (let round = 0; pieces.length < needed; round++) {
    const more = continuationText(`${o.key}:${round}`, needed - pieces.length);
    pieces.push(...splitTokens(more).map((text) => ({ text, reasoning: false })));
  }
  // The model would have ended at its answer: once the end of sequence is allowed, it comes next.
  return pieces.slice(0, needed);
}

interface RawEnd {
  /** Tokens generated (the end-of-sequence token included). */
  count: number;
  finish: Finish;
  /** The raw text of those tokens. */
  text: string;
  /** Where a stop string cuts the text (null: not cut). */
  truncateTo: number | null;
}

/** Where generation ends: a stop string, the end of sequence, or the limit. */
function endOfGeneration(o: GenerationOptions, pieces: Piece[]): RawEnd {
  const { stop, minTokens, includeStopStrInOutput, ignoreEos } = o.sampling;
  let text = "";
  for (let i = 0; i < o.limit; i++) {
    const piece = pieces[i];
    if (!piece) {
      if (ignoreEos) break;
      return { count: i + 1, finish: { reason: "stop", stopReason: o.eosStopReason }, text, truncateTo: null };
    }
    text += piece.text;
    if (stop.length > 0 && i + 1 > minTokens) {
      const hit = findStop(text, piece.text.length, stop, includeStopStrInOutput);
      if (hit) return { count: i + 1, finish: { reason: "stop", stopReason: hit.stop }, text, truncateTo: hit.cut };
    }
  }
  return { count: o.limit, finish: { reason: "length", stopReason: null }, text, truncateTo: null };
}

/** The first stop string (in the order given) that ends within the newest `added` characters. */
function findStop(
  text: string,
  added: number,
  stops: readonly string[],
  include: boolean,
): { stop: string; cut: number | null } | null {
  for (const stop of stops) {
    const at = text.indexOf(stop, Math.max(0, text.length + 1 - added - stop.length));
    if (at < 0) continue;
    const cut = include ? at + stop.length : at;
    return { stop, cut: cut >= text.length ? null : cut };
  }
  return null;
}

const maxLength = (items: readonly string[]): number => Math.max(...items.map((s) => s.length));

/** Cuts [from, to) of the generated text into its reasoning part (the pieces come first) and content. */
function splitter(pieces: Piece[], count: number): (from: number, to: number) => TextParts {
  const used = pieces.slice(0, count);
  const all = used.map((p) => p.text).join("");
  const reasoningEnd = used.filter((p) => p.reasoning).reduce((n, p) => n + p.text.length, 0);
  return (from, to) => ({
    reasoning: all.slice(from, Math.max(from, Math.min(to, reasoningEnd))),
    content: all.slice(Math.max(from, reasoningEnd), Math.max(to, reasoningEnd)),
  });
}
