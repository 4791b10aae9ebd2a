import { describe, expect, it } from "vitest";
import { HttpError } from "../../data-loaders/sim/http-error.ts";
import { PROFILES } from "../../data-loaders/sim/profiles.ts";
import { detokenize, tokenize } from "../../data-loaders/sim/tokenize.ts";
import { chatPromptTokens, splitTokens, SPECIAL_BASE, VOCAB_SIZE } from "../../data-loaders/sim/tokenizer.ts";

const profile = PROFILES["llama-3.2-1b@rtx-4080"];

describe("tokenize", () => {
  it("counts a chat with its template tokens, which come first with fixed ids and no text", () => {
    const messages = [{ role: "user", content: "hello there world" }];
    const out = tokenize(profile, { messages, return_token_strs: true });
    const pieces = splitTokens("hello there world");
    expect(out.count).toBe(chatPromptTokens(profile, messages));
    expect(out.tokens).toHaveLength(out.count);
    expect(out.tokens[0]).toBe(SPECIAL_BASE);
    expect(out.token_strs!.slice(-pieces.length)).toEqual(pieces);
    expect(out.token_strs![0]).toBe("<|special_0|>");
    expect(out.max_model_len).toBe(profile.maxModelLen);
  });

  it("counts a text prompt with or without special tokens", () => {
    const plain = tokenize(profile, { prompt: "hello world", add_special_tokens: false });
    expect(plain.count).toBe(splitTokens("hello world").length);
    expect(plain.token_strs).toBeNull();
    expect(tokenize(profile, { prompt: "hello world" }).count).toBeGreaterThanOrEqual(plain.count);
  });

  it("refuses another model and a body without prompt or messages", () => {
    expect(() => tokenize(profile, { model: "other", prompt: "x" })).toThrow(HttpError);
    const missing = refusal(() => tokenize(profile, {}));
    expect(missing).toMatchObject({ status: 400, type: "Bad Request", param: "prompt" });
    expect(missing.message).toMatch(
      /^1 validation error:\n {2}\{'type': 'missing', 'loc': \('body', 'prompt'\), 'msg': 'Field required'/,
    );
  });
});

/** The status and error fields an HttpError carries. */
function refusal(fn: () => unknown): { status: number; message: string; type: string; param: string | null } {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    const { error } = JSON.parse(e.body) as { error: { message: string; type: string; param: string | null } };
    return { status: e.status, ...error };
  }
  throw new Error("accepted");
}

describe("detokenize", () => {
  it("reads back the text of the ids /tokenize gave, special tokens included", () => {
    const text = "Tokens come back as the text they were cut from.";
    const { tokens } = tokenize(profile, { prompt: text });
    expect(detokenize(profile, { tokens })).toEqual({ prompt: "<|special_0|>" + text });
    expect(detokenize(profile, { tokens: [] })).toEqual({ prompt: "" });
  });

  it("gives every id of the vocabulary a text, and refuses ids outside it", () => {
    expect(detokenize(profile, { tokens: [127_999] }).prompt).toMatch(/^ [a-z]+$/);
    expect(refusal(() => detokenize(profile, { tokens: [5, VOCAB_SIZE] }))).toMatchObject({
      status: 400,
      message: `Token id ${VOCAB_SIZE} is out of vocabulary`,
      type: "BadRequestError",
    });
  });

  it("refuses what the request model refuses, with pydantic's wording", () => {
    expect(refusal(() => detokenize(profile, {}))).toMatchObject({ status: 400, type: "Bad Request", param: "tokens" });
    const wrong = refusal(() => detokenize(profile, { tokens: [1, "two"] }));
    expect(wrong.message).toContain(
      "'loc': ('body', 'tokens', 1), 'msg': 'Input should be a valid integer', 'input': 'two'",
    );
    expect(refusal(() => detokenize(profile, { model: "nope", tokens: [1] }))).toMatchObject({ status: 404 });
  });
});
