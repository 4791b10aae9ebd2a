// POST /tokenize: vLLM's token count of a chat (with its template tokens) or a text prompt, with
// the simulator's token ids and, when asked, the token strings.
import { errorBody } from "./chunks.ts";
import { HttpError } from "./http-error.ts";
import type { SimProfile } from "./profiles.ts";
import { chatPromptTokens, completionPromptTokens, splitTokens, tokenIds } from "./tokenizer.ts";

export interface TokenizeResponse {
  count: number;
  max_model_len: number;
  tokens: number[];
  token_strs: string[] | null;
}

export function tokenize(profile: SimProfile, body: unknown): TokenizeResponse {
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  if (b.model !== undefined && b.model !== profile.model) {
    throw new HttpError(404, errorBody(404, `The model \`${String(b.model)}\` does not exist.`, "model"));
  }
  let pieces: string[];
  let count: number;
  if (Array.isArray(b.messages)) {
    const messages = b.messages.map((m) => ({
      role: String((m as { role?: unknown }).role),
      content: String((m as { content?: unknown }).content ?? ""),
    }));
    count = chatPromptTokens(profile, messages);
    pieces = messages.flatMap((m) => splitTokens(m.content));
  } else if (typeof b.prompt === "string") {
    count = b.add_special_tokens === false ? splitTokens(b.prompt).length : completionPromptTokens(b.prompt);
    pieces = splitTokens(b.prompt);
  } else {
    throw new HttpError(400, errorBody(400, "Either prompt or messages must be given", "prompt"));
  }
  // Template tokens have no text; they get fixed ids at the front.
  const template = count - pieces.length;
  const ids = [...Array.from({ length: template }, (_, i) => 128_000 + i), ...tokenIds(pieces)];
  const strs =
    b.return_token_strs === true ? [...Array.from({ length: template }, () => "<template>"), ...pieces] : null;
  return { count, max_model_len: profile.maxModelLen, tokens: ids, token_strs: strs };
}
