// Each profile's accuracy against the ground truth, over a few hundred generated prompts, within
// the tolerance the README documents (the simulator section: "Answers against the truth").
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fieldSpecs, normaliseText, scoreAnswer, summariseScores } from "../../data-loaders/analysis/scoring.ts";
import { parseAnswer } from "../../data-loaders/analysis/quality.ts";
import {
  candidateAnswerSchema,
  generateCandidatePrompts,
  RECOMMENDATIONS,
} from "../../data-loaders/experiment/candidate-profiles.ts";
import { composeAnswer } from "../../data-loaders/sim/answers.ts";
import { PROFILES, type ProfileName } from "../../data-loaders/sim/profiles.ts";

/** The tolerance the README states for a profile's accuracy over 400 prompts (about 3 standard errors). */
const TOLERANCE = 0.07;
const N = 400;
const specs = fieldSpecs(z.toJSONSchema(candidateAnswerSchema) as Record<string, unknown>);

function answers(profile: ProfileName, temperature = 0) {
  // The prompts of the example experiment for that model: short for the Llama study, detailed otherwise.
  const variant = profile.startsWith("llama") ? "short" : "detailed";
  return generateCandidatePrompts(N, 7, variant).map((p, i) => {
    const content = p.messages.map((m) => m.content).join("\n\n");
    const { content: text } = composeAnswer({
      profile: PROFILES[profile],
      simSeed: 0,
      content,
      temperature,
      requestSeed: temperature > 0 ? i : undefined,
      jsonSchema: undefined,
      enableThinking: true,
    });
    return { text, expected: p.expected };
  });
}

/** Decision accuracy: among answers whose recommendation is a class (any spelling), the share equal to the truth. */
function decisionAccuracy(rows: ReturnType<typeof answers>): number {
  let readable = 0;
  let right = 0;
  for (const { text, expected } of rows) {
    const said = (parseAnswer(text) as { recommendation?: unknown } | undefined)?.recommendation;
    const cls = RECOMMENDATIONS.find((r) => typeof said === "string" && normaliseText(said) === normaliseText(r));
    if (cls === undefined) continue;
    readable += 1;
    if (cls === expected.recommendation) right += 1;
  }
  return right / readable;
}

const CANDIDATE_PROFILES = (Object.keys(PROFILES) as ProfileName[]).filter((p) => !("judge" in PROFILES[p]));

describe("accuracy against the ground truth", () => {
  for (const profile of CANDIDATE_PROFILES) {
    const style = PROFILES[profile].answers;
    it(`${profile}: right ${style.correct} of the time, scored accuracy ≤ that, within ±${TOLERANCE}`, () => {
      const rows = answers(profile);
      expect(Math.abs(decisionAccuracy(rows) - style.correct)).toBeLessThan(TOLERANCE);
      // Scored against the truth, prose answers and invented enum values count as wrong too.
      const summary = summariseScores(
        rows.map((r) => scoreAnswer(r.text, r.expected, specs)),
        specs,
      );
      const accuracy = summary.match.p!;
      expect(accuracy).toBeLessThan(style.correct + TOLERANCE);
      expect(accuracy).toBeGreaterThan(style.correct * (1 - style.prose - style.wrongEnum) - TOLERANCE);
      // Wrong answers are near misses: the truth's neighbours, not random classes.
      const c = summary.fields[0]!.classification!;
      const far = c.labels
        .slice(0, 4)
        .reduce(
          (sum, _, i) => sum + c.matrix[i]!.slice(0, 4).reduce((s, n, j) => s + (Math.abs(i - j) > 1 ? n : 0), 0),
          0,
        );
      expect(far).toBe(0);
    });
  }

  it("the 1B models are wrong far more often than the 4B ones; thinking helps a little", () => {
    const acc = (p: ProfileName) => decisionAccuracy(answers(p));
    const llama = acc("llama-3.2-1b@rtx-4080");
    const gemma4 = acc("gemma-3-4b@rtx-4080");
    const qwen = acc("qwen3-4b@rtx-4080");
    expect(gemma4 - llama).toBeGreaterThan(0.2);
    expect(qwen).toBeGreaterThan(gemma4);
  });

  it("sampling at temperature > 0 changes some answers but keeps the rate", () => {
    const greedy = answers("gemma-3-4b@rtx-4080");
    const sampled = answers("gemma-3-4b@rtx-4080", 1);
    expect(sampled.some((r, i) => r.text !== greedy[i]!.text)).toBe(true);
    expect(Math.abs(decisionAccuracy(sampled) - PROFILES["gemma-3-4b@rtx-4080"].answers.correct)).toBeLessThan(
      TOLERANCE,
    );
  });
});
