// The tokens a choice generates and how a stream shows them: the end of sequence, min_tokens,
// ignore_eos, stop strings (vLLM's order of checking, truncation and hold-back) and the limit.
import { describe, expect, it } from "vitest";
import { generate, type GenerationOptions } from "../../data-loaders/sim/generation.ts";
import { splitTokens } from "../../data-loaders/sim/tokenizer.ts";

const answer = { reasoning: "", content: "The cat sat on the mat. Then it slept." };
const pieces = splitTokens(answer.content);
const base: GenerationOptions = {
  answer,
  limit: 100,
  sampling: { stop: [], includeStopStrInOutput: false, ignoreEos: false, minTokens: 0 },
  eosStopReason: 106,
  key: "k",
};
type Over = Partial<Omit<GenerationOptions, "sampling">> & { sampling?: Partial<GenerationOptions["sampling"]> };
const run = (over: Over = {}) => generate({ ...base, ...over, sampling: { ...base.sampling, ...over.sampling } });
const streamed = (g: ReturnType<typeof generate>) => g.tokens.map((t) => t.delta.content).join("");

describe("generate", () => {
  it("writes the answer, then the end-of-sequence token with the profile's stop_reason", () => {
    const g = run();
    expect(g.tokens).toHaveLength(pieces.length + 1);
    expect(g.tokens.at(-1)!.piece).toBe("");
    expect(g.finish).toEqual({ reason: "stop", stopReason: 106 });
    expect(g.text.content).toBe(answer.content);
    expect(streamed(g)).toBe(answer.content);
  });

  it("stops at the limit with finish_reason length", () => {
    const g = run({ limit: 4 });
    expect(g.tokens).toHaveLength(4);
    expect(g.finish).toEqual({ reason: "length", stopReason: null });
    expect(g.text.content).toBe(pieces.slice(0, 4).join(""));
  });

  it("min_tokens writes on past the answer, then ends with EOS; ignore_eos writes up to the limit", () => {
    const min = run({ sampling: { minTokens: 30 } });
    // The end of sequence comes as soon as it is allowed: exactly min_tokens + 1 tokens.
    expect(min.tokens).toHaveLength(31);
    expect(min.finish.reason).toBe("stop");
    expect(min.text.content.startsWith(answer.content)).toBe(true);
    const ignore = run({ limit: 50, sampling: { ignoreEos: true } });
    expect(ignore.tokens).toHaveLength(50);
    expect(ignore.finish).toEqual({ reason: "length", stopReason: null });
    expect(ignore.tokens.every((t) => t.piece !== "")).toBe(true);
    // Long fixed-length outputs (the whole context) are written too.
    expect(run({ limit: 8000, sampling: { ignoreEos: true } }).tokens).toHaveLength(8000);
  });

  it("a stop string ends on the token that completes it and cuts the text before it", () => {
    const g = run({ sampling: { stop: ["mat"] } });
    const upTo = pieces.findIndex((p) => p.includes("mat"));
    expect(g.tokens).toHaveLength(upTo + 1);
    expect(g.finish).toEqual({ reason: "stop", stopReason: "mat" });
    expect(g.text.content).toBe("The cat sat on the ");
    expect(streamed(g)).toBe(g.text.content);
    const kept = run({ sampling: { stop: ["mat"], includeStopStrInOutput: true } });
    expect(kept.text.content).toBe("The cat sat on the mat");
  });

  it("tries stop strings in the order given, each where it would end in the newest token", () => {
    // "cat" ends in the token " cat", before "sat" exists: the earlier one wins whatever the order.
    expect(run({ sampling: { stop: ["sat", "cat"] } }).finish.stopReason).toBe("cat");
    // Both end within " mat" here; the first listed wins.
    const both = run({ sampling: { stop: ["at", "mat"] } });
    expect(both.finish.stopReason).toBe("at");
    expect(both.text.content).toBe("The c");
    // A stop string across two tokens.
    expect(run({ sampling: { stop: ["the mat"] } }).text.content).toBe("The cat sat on ");
  });

  it("holds back the last (longest stop − 1) characters in a stream until the end", () => {
    const g = run({ sampling: { stop: ["zzzz"] } });
    expect(g.finish.reason).toBe("stop");
    const deltas = g.tokens.map((t) => t.delta.content);
    expect(deltas.join("")).toBe(answer.content);
    let shown = "";
    for (const [i, d] of deltas.entries()) {
      shown += d;
      const written = pieces.slice(0, i + 1).join("");
      if (i < deltas.length - 1) expect(shown).toBe(written.slice(0, Math.max(0, written.length - 3)));
    }
  });

  it("stop strings wait for min_tokens, and apply with ignore_eos", () => {
    expect(run({ sampling: { stop: ["cat"], minTokens: 5 } }).finish.stopReason).not.toBe("cat");
    expect(run({ limit: 60, sampling: { stop: ["mat"], ignoreEos: true } }).finish.stopReason).toBe("mat");
  });

  it("keeps reasoning and content apart, also across a held-back boundary", () => {
    const g = run({ answer: { reasoning: "Let me think.", content: " The answer." }, sampling: { stop: ["xyz"] } });
    expect(g.text).toEqual({ reasoning: "Let me think.", content: " The answer." });
    expect(g.tokens.map((t) => t.delta.reasoning).join("")).toBe("Let me think.");
    expect(g.tokens.map((t) => t.delta.content).join("")).toBe(" The answer.");
    expect(g.tokens.some((t) => t.delta.reasoning && t.delta.content)).toBe(true);
  });
});
