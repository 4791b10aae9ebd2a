// Tokenizer approximation used for every token count the simulator reports.
//
// Text is cut into pieces, each one token:
//   * a run of letters with its leading whitespace: one token if it has at most 7 letters,
//     otherwise one token per 5 letters (the whitespace goes with the first);
//   * a run of up to 3 digits with its leading whitespace;
//   * any other character (punctuation, symbol) with its leading whitespace;
//   * trailing whitespace on its own.
// English prose comes out at about 4.5 characters per token, JSON at about 3.5, close to the
// Llama/Gemma/Qwen BPE tokenizers. Joining the pieces gives back the text exactly, so the
// simulator streams one piece per generated token and `usage.completion_tokens` equals the
// number of pieces (plus one end-of-sequence token when the answer ends with "stop").
//
// Chat prompts add the profile's chat-template overhead: `template.base` tokens (BOS, default
// system header, generation prompt) plus `template.perMessage` tokens per message (role
// header and end-of-turn markers). Completions prompts add one BOS token.
//
// Token ids: a vocabulary of VOCAB_SIZE ids (Llama 3's size). A piece's id is a hash of its text
// below SPECIAL_BASE; the ids from SPECIAL_BASE up are special tokens (BOS, template markers),
// which decode to `<|special_N|>`. Decoding an id gives back the piece first seen with it (ids
// of pieces the simulator has not seen decode to a made-up word of their own), so /detokenize
// and token-id prompts read back what /tokenize and the answers produced.
import { hashParts } from "../random.ts";
import type { SimProfile } from "./profiles.ts";

const PIECE = /\s*\p{L}+|\s*\p{N}{1,3}|\s*[^\s\p{L}\p{N}]|\s+/gu;
const LETTERS = /^(\s*)(\p{L}+)$/u;

/** Cuts text into token pieces; `pieces.join("") === text`. */
export function splitTokens(text: string): string[] {
  const pieces: string[] = [];
  for (const match of text.matchAll(PIECE)) {
    const piece = match[0];
    const letters = LETTERS.exec(piece);
    if (!letters || letters[2]!.length <= 7) {
      pieces.push(piece);
      continue;
    }
    const [, space, word] = letters as unknown as [string, string, string];
    for (let i = 0; i < word.length; i += 5) pieces.push((i === 0 ? space : "") + word.slice(i, i + 5));
  }
  return pieces;
}

export function countTokens(text: string): number {
  return splitTokens(text).length;
}

export interface ChatMessageLike {
  role: string;
  content: string;
}

/** Prompt tokens of a chat request after the profile's chat template is applied. */
export function chatPromptTokens(profile: SimProfile, messages: readonly ChatMessageLike[]): number {
  let total = profile.template.base;
  for (const m of messages) total += profile.template.perMessage + countTokens(m.content);
  return total;
}

/** Prompt tokens of a completions request (the text plus BOS). */
export function completionPromptTokens(prompt: string): number {
  return 1 + countTokens(prompt);
}

export const VOCAB_SIZE = 128_256;
/** The first special token id (BOS and chat-template markers). */
export const SPECIAL_BASE = 128_000;
/** How many id → piece pairs are remembered for decoding (bounds the memory of a long run). */
const MAX_KNOWN = 200_000;
const known = new Map<number, string>();

/** The id of one piece (a hash of its text, below SPECIAL_BASE). */
export function tokenId(piece: string): number {
  const id = hashParts("tok", piece) % SPECIAL_BASE;
  if (!known.has(id) && known.size < MAX_KNOWN) known.set(id, piece);
  return id;
}

/** Stable token ids for `/tokenize` and logprobs. */
export function tokenIds(pieces: readonly string[]): number[] {
  return pieces.map(tokenId);
}

const LETTERS_AZ = "abcdefghijklmnopqrstuvwxyz";

/** The text of one token id (see the header); the caller checks the id is in the vocabulary. */
export function tokenText(id: number): string {
  if (id >= SPECIAL_BASE) return `<|special_${id - SPECIAL_BASE}|>`;
  const seen = known.get(id);
  if (seen !== undefined) return seen;
  let word = "";
  for (let rest = id; word.length === 0 || rest > 0; rest = Math.floor(rest / 26)) word += LETTERS_AZ[rest % 26];
  return " " + word;
}

/** The text of a token-id sequence (special tokens included, as vLLM's /detokenize does). */
export function detokenize(ids: readonly number[]): string {
  return ids.map(tokenText).join("");
}

/**
 * An id that is not a token of the vocabulary, or undefined: the largest when one is too large
 * (vLLM names the largest id of a prompt), else a negative one.
 */
export function outOfVocabulary(ids: readonly number[]): number | undefined {
  const max = ids.reduce((m, id) => Math.max(m, id), -Infinity);
  if (max >= VOCAB_SIZE) return max;
  return ids.find((id) => id < 0);
}
