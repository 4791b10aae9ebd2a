import { describe, expect, it } from "vitest";
import { HttpError } from "../../data-loaders/sim/http-error.ts";
import { PROFILES } from "../../data-loaders/sim/profiles.ts";
import { tokenize } from "../../data-loaders/sim/tokenize.ts";
import { chatPromptTokens, splitTokens } from "../../data-loaders/sim/tokenizer.ts";

const profile = PROFILES["llama-3.2-1b@rtx-4080"];

describe("tokenize", () => {
  it("counts a chat with its template tokens, which come first with fixed ids and no text", () => {
    const messages = [{ role: "user", content: "hello there world" }];
    const out = tokenize(profile, { messages, return_token_strs: true });
    const pieces = splitTokens("hello there world");
    expect(out.count).toBe(chatPromptTokens(profile, messages));
    expect(out.tokens).toHaveLength(out.count);
    expect(out.tokens[0]).toBe(128_000);
    expect(out.token_strs!.slice(-pieces.length)).toEqual(pieces);
    expect(out.token_strs![0]).toBe("<template>");
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
    expect(() => tokenize(profile, {})).toThrow(/Either prompt or messages must be given/);
  });
});
