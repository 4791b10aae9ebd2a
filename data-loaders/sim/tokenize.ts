// POST /tokenize and /detokenize: vLLM's token count of a chat (with its template tokens) or a
// text prompt, with the simulator's token ids and, when asked, the token strings; and the text
// of a list of token ids. Bodies are checked like vLLM's request models (see http-error.ts).
import { errorBody } from "./chunks.ts";
import { fieldError, HttpError, requestValidationError, validationError } from "./http-error.ts";
import type { SimProfile } from "./profiles.ts";
import {
  chatPromptTokens,
  completionPromptTokens,
  detokenize as detokenizeIds,
  outOfVocabulary,
  SPECIAL_BASE,
  splitTokens,
  tokenIds,
  tokenText,
} from "./tokenizer.ts";

export interface TokenizeResponse {
  count: number;
  max_model_len: number;
  tokens: number[];
  token_strs: string[] | null;
}

type Body = Record<string, unknown>;

function objectBody(body: unknown): Body {
  if (typeof body === "object" && body !== null && !Array.isArray(body)) return body as Body;
  const msg = "Input should be a valid dictionary or object to extract fields from";
  throw requestValidationError([fieldError("model_attributes_type", [], msg, body)], null);
}

function checkModel(profile: SimProfile, b: Body): void {
  if (b.model !== undefined && b.model !== null && b.model !== profile.model) {
    throw new HttpError(404, errorBody(404, `The model \`${String(b.model)}\` does not exist.`, "model"));
  }
}

export function tokenize(profile: SimProfile, body: unknown): TokenizeResponse {
  const b = objectBody(body);
  let pieces: string[];
  let count: number;
  if (Array.isArray(b.messages)) {
    const messages = b.messages.map((m) => ({
      role: String((m as { role?: unknown }).role),
      content: String((m as { content?: unknown }).content ?? ""),
    }));
    checkModel(profile, b);
    count = chatPromptTokens(profile, messages);
    pieces = messages.flatMap((m) => splitTokens(m.content));
  } else if (typeof b.prompt === "string") {
    checkModel(profile, b);
    count = b.add_special_tokens === false ? splitTokens(b.prompt).length : completionPromptTokens(b.prompt);
    pieces = splitTokens(b.prompt);
  } else {
    throw requestValidationError([fieldError("missing", ["prompt"], "Field required", b)], "prompt");
  }
  // Template tokens have no text of their own; they get special ids at the front.
  const specials = Array.from({ length: count - pieces.length }, (_, i) => SPECIAL_BASE + i);
  const ids = [...specials, ...tokenIds(pieces)];
  const strs = b.return_token_strs === true ? [...specials.map(tokenText), ...pieces] : null;
  return { count, max_model_len: profile.maxModelLen, tokens: ids, token_strs: strs };
}

/** POST /detokenize: `{"model", "tokens": [...]}` → `{"prompt": "…"}`. */
export function detokenize(profile: SimProfile, body: unknown): { prompt: string } {
  const b = objectBody(body);
  if (b.tokens === undefined)
    throw requestValidationError([fieldError("missing", ["tokens"], "Field required", b)], "tokens");
  if (!Array.isArray(b.tokens)) {
    throw requestValidationError(
      [fieldError("list_type", ["tokens"], "Input should be a valid list", b.tokens)],
      "tokens",
    );
  }
  const bad = b.tokens.findIndex((t) => typeof t !== "number" || !Number.isInteger(t));
  if (bad >= 0) {
    const msg = "Input should be a valid integer";
    throw requestValidationError([fieldError("int_type", ["tokens", bad], msg, b.tokens[bad])], "tokens");
  }
  checkModel(profile, b);
  const ids = b.tokens as number[];
  const oov = outOfVocabulary(ids);
  if (oov !== undefined) throw validationError(`Token id ${oov} is out of vocabulary`);
  return { prompt: detokenizeIds(ids) };
}
