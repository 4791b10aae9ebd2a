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

/** Stable fake token ids for `/tokenize` (a hash of the piece, within a 128k vocabulary). */
export function tokenIds(pieces: readonly string[]): number[] {
  return pieces.map((p) => hashParts("tok", p) % 128_000);
}
