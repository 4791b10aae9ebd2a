// The candidate-profile prompt generator: deterministic, the right lengths per variant, and
// recognised by the simulator.
import { describe, expect, it } from "vitest";
import {
  CANDIDATE_INSTRUCTION,
  generateCandidatePrompts,
  readCandidateFacts,
  RECOMMENDATIONS,
  recommendationFor,
  type CandidateFacts,
} from "../../data-loaders/experiment/candidate-profiles.ts";
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

describe("the ground truth of generated prompts", () => {
  const EIGHT = ["Go", "PostgreSQL", "Kubernetes", "gRPC", "Kafka", "Redis", "Terraform", "distributed systems"];
  const facts = (role: string, matched: number, years: number, required = EIGHT): CandidateFacts => ({
    role,
    required,
    skills: [...required.slice(0, matched).map((s) => s.toLowerCase()), "Excel"],
    years,
  });

  it("follows the documented rule (coverage, years, seniority of the role)", () => {
    const senior = "Senior Backend Engineer";
    // Senior role: minimum 5 years. 6 of 8 = 0.75 coverage.
    expect(recommendationFor(facts(senior, 6, 8))).toBe("strong_yes"); // ≥ 0.75 and ≥ 5 + 3 years
    expect(recommendationFor(facts(senior, 6, 7))).toBe("yes"); // ≥ 0.6 and ≥ 5 years
    expect(recommendationFor(facts(senior, 5, 5))).toBe("yes"); // 5/8 = 0.625
    expect(recommendationFor(facts(senior, 4, 12))).toBe("maybe"); // 0.5 < 0.6
    expect(recommendationFor(facts(senior, 8, 3))).toBe("maybe"); // below 5 years, ≥ 5 − 2
    expect(recommendationFor(facts(senior, 8, 2))).toBe("no"); // below 5 − 2 years
    expect(recommendationFor(facts(senior, 2, 15))).toBe("no"); // 0.25 < 0.3
    // Other roles: minimum 2 years. 3 of 5 = 0.6.
    const five = EIGHT.slice(0, 5);
    expect(recommendationFor(facts("Data Scientist", 4, 5, five))).toBe("strong_yes"); // 0.8, 2 + 3 years
    expect(recommendationFor(facts("Data Scientist", 3, 2, five))).toBe("yes");
    expect(recommendationFor(facts("Data Scientist", 3, 0, five))).toBe("maybe"); // ≥ 2 − 2
    expect(recommendationFor(facts("Data Scientist", 1, 9, five))).toBe("no"); // 0.2
    // Seniority is a word of the title; matching ignores case.
    expect(recommendationFor(facts("Team Lead", 6, 7))).toBe("yes");
    expect(recommendationFor(facts("Leading Engineer", 6, 7))).toBe("strong_yes");
    expect(recommendationFor({ role: "x", required: [], skills: [], years: 10 })).toBe("no");
  });

  it("the prompt states every fact the rule uses: reading it back gives the generator's truth", () => {
    for (const variant of ["short", "detailed"] as const) {
      const prompts = generateCandidatePrompts(500, 9, variant);
      const counts = new Map<string, number>();
      for (const p of prompts) {
        const text = p.messages.map((m) => m.content).join("\n\n");
        expect(recommendationFor(readCandidateFacts(text)!)).toBe(p.expected.recommendation);
        counts.set(p.expected.recommendation, (counts.get(p.expected.recommendation) ?? 0) + 1);
      }
      // Every class is common enough to measure per-class recall.
      for (const r of RECOMMENDATIONS) expect(counts.get(r)! / prompts.length).toBeGreaterThan(0.15);
    }
    expect(readCandidateFacts("Tell me a joke.")).toBeNull();
    expect(readCandidateFacts("Required skills: Go\nYears of experience: many")).toBeNull();
  });
});
