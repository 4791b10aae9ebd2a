// The candidate-profile prompt generator: deterministic, the right lengths per variant, and
// recognised by the simulator.
import { describe, expect, it } from "vitest";
import { CANDIDATE_INSTRUCTION, generateCandidatePrompts } from "../../data-loaders/experiment/candidate-profiles.ts";
import { PROFILES } from "../../data-loaders/sim/profiles.ts";
import { chatPromptTokens } from "../../data-loaders/sim/tokenizer.ts";

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("generateCandidatePrompts", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    expect(generateCandidatePrompts(5, 1, "short")).toEqual(generateCandidatePrompts(5, 1, "short"));
    expect(generateCandidatePrompts(5, 2, "short")).not.toEqual(generateCandidatePrompts(5, 1, "short"));
    const many = generateCandidatePrompts(300, 1, "detailed");
    expect(new Set(many.map((p) => p.id)).size).toBe(300);
    expect(new Set(many.map((p) => p.messages.at(-1)!.content)).size).toBe(300);
  });

  it("short ≈ 300 prompt tokens (Llama template), detailed ≈ 790 (Gemma/Qwen templates)", () => {
    const short = generateCandidatePrompts(300, 4, "short");
    const detailed = generateCandidatePrompts(300, 4, "detailed");
    const llama = mean(short.map((p) => chatPromptTokens(PROFILES["llama-3.2-1b@rtx-4080"], p.messages)));
    const gemma = mean(detailed.map((p) => chatPromptTokens(PROFILES["gemma-3-4b@rtx-4080"], p.messages)));
    const qwen = mean(detailed.map((p) => chatPromptTokens(PROFILES["qwen3-4b@rtx-4080"], p.messages)));
    expect(Math.abs(llama - 308) / 308).toBeLessThan(0.05);
    expect(Math.abs(gemma - 788) / 788).toBeLessThan(0.05);
    expect(Math.abs(qwen - 795) / 795).toBeLessThan(0.05);
  });

  it("asks for the JSON evaluation and carries the facts the answer is based on", () => {
    const [p] = generateCandidatePrompts(1, 3, "detailed");
    expect(p!.messages.map((m) => m.role)).toEqual(["system", "user"]);
    const user = p!.messages[1]!.content;
    expect(user.startsWith(CANDIDATE_INSTRUCTION)).toBe(true);
    expect(user).toMatch(/answer as JSON with recommendation, reasoning and per-dimension analysis/);
    expect(user).toMatch(/^Years of experience: \d+$/m);
    expect(user).toMatch(/^Required skills: .+$/m);
    expect(user).toMatch(/^Skills: .+$/m);
  });
});
