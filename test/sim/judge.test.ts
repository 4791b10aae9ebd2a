// The simulator's judge profile: grades rendered rubrics from the truth it knows, with the noise
// and position bias its profile documents; end to end over HTTP like any judge server.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { judgeAgreement, pairwiseSummary } from "../../data-loaders/analysis/judging.ts";
import { fieldSpecs, scoreAnswer } from "../../data-loaders/analysis/scoring.ts";
import { candidateAnswerSchema, generateCandidatePrompts } from "../../data-loaders/experiment/candidate-profiles.ts";
import { judgePrompt, pairwiseJudgePrompt } from "../../data-loaders/judge/rubric.ts";
import { parsePairwiseVerdict, parseVerdict, type JudgeScale } from "../../data-loaders/judge/verdict.ts";
import { composeAnswer } from "../../data-loaders/sim/answers.ts";
import { PROFILES, type ProfileName } from "../../data-loaders/sim/profiles.ts";
import { startSimulator } from "../../data-loaders/sim/simulator.ts";
import { postJson } from "./http.ts";

const JUDGE = PROFILES["judge@rtx-4080"];
const STYLE = JUDGE.judge;
const N = 400;
const prompts = generateCandidatePrompts(N, 3, "detailed").map((p) => ({
  ...p,
  text: p.messages.map((m) => m.content).join("\n\n"),
}));
const specs = fieldSpecs(z.toJSONSchema(candidateAnswerSchema) as Record<string, unknown>);
const RUBRIC = "Is this evaluation right for the profile?\n{{prompt}}\nThe evaluation:\n{{answer}}";

const ask = (profile: ProfileName | typeof JUDGE, content: string) =>
  composeAnswer({
    profile: typeof profile === "string" ? PROFILES[profile] : profile,
    simSeed: 0,
    content,
    temperature: 0,
    requestSeed: undefined,
    jsonSchema: undefined,
    enableThinking: true,
  }).content;

const modelAnswers = (profile: ProfileName) => prompts.map((p) => ask(profile, p.text));

function judgeAll(answers: string[], scale: JudgeScale, rubric = RUBRIC) {
  return prompts.map((p, i) => {
    const parsed = parseVerdict(
      scale,
      ask(JUDGE, judgePrompt(rubric, scale, { prompt: p.text, answer: answers[i]!, expected: p.expected })),
    );
    if (!parsed.ok) throw new Error(parsed.error);
    return { verdict: parsed.verdict, truthCorrect: scoreAnswer(answers[i]!, p.expected, specs).match };
  });
}

describe("the judge profile", () => {
  const gemma = modelAnswers("gemma-3-4b@rtx-4080");

  it("pass/fail agrees with the truth except for its documented noise", () => {
    const judged = judgeAll(gemma, "pass-fail");
    const a = judgeAgreement(judged.map((j) => ({ judgePass: j.verdict.pass, truthCorrect: j.truthCorrect })));
    expect(Math.abs(a.agreement.p! - (1 - STYLE.noise))).toBeLessThan(0.035);
    expect(a.matrix[0][1] + a.matrix[1][0]).toBeGreaterThan(0);
    expect(judged[0]!.verdict.reason).toMatch(/^The answer gives (strong_yes|yes|maybe|no); the profile calls for /);
  });

  it("reads the truth from {{expected}} when the rubric shows it", () => {
    // Answers that state the real truth, judged against the real truth and against a wrong reference.
    const passShare = (reference: (truth: string) => string) =>
      prompts.filter((p) => {
        const truth = p.expected.recommendation;
        const content = judgePrompt("{{prompt}}\n{{answer}}\n{{expected}}", "pass-fail", {
          prompt: p.text,
          answer: JSON.stringify({ recommendation: truth }),
          expected: { recommendation: reference(truth) },
        });
        const r = parseVerdict("pass-fail", ask(JUDGE, content));
        return r.ok && r.verdict.pass;
      }).length / N;
    expect(Math.abs(passShare((t) => t) - (1 - STYLE.noise))).toBeLessThan(0.035);
    expect(Math.abs(passShare((t) => (t === "no" ? "yes" : "no")) - STYLE.noise)).toBeLessThan(0.035);
  });

  it("1–5: the truth scores high, near misses 3, and the noise moves a share by one step", () => {
    const judged = judgeAll(modelAnswers("llama-3.2-1b@rtx-4080"), "1-5");
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const right = judged.filter((j) => j.truthCorrect).map((j) => j.verdict.score!);
    const wrong = judged.filter((j) => !j.truthCorrect).map((j) => j.verdict.score!);
    expect(mean(right)).toBeGreaterThan(4.6);
    expect(mean(wrong)).toBeLessThan(3.2);
    const off = right.filter((s) => s !== 5).length / right.length;
    // A 5 moves to 4 when the noise moves it down: half the noise share.
    expect(Math.abs(off - STYLE.scoreNoise / 2)).toBeLessThan(0.06);
  });

  it("pairwise: the closer answer wins, the first position is favoured, both orders cancel it", () => {
    const llama = modelAnswers("gemma-3-1b@rtx-4080");
    const verdict = (i: number, a: string, b: string) => {
      const parsed = parsePairwiseVerdict(
        ask(
          JUDGE,
          pairwiseJudgePrompt("{{prompt}}\n{{answer_a}}\n{{answer_b}}", {
            prompt: prompts[i]!.text,
            answerA: a,
            answerB: b,
          }),
        ),
      );
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.verdict.winner;
    };
    const judgements = prompts.map((_, i) => ({
      xFirst: verdict(i, gemma[i]!, llama[i]!),
      yFirst: verdict(i, llama[i]!, gemma[i]!),
    }));
    const s = pairwiseSummary(judgements);
    expect(s.xWinRateDecided.lo!).toBeGreaterThan(0.6);
    expect(s.firstPosition.lo!).toBeGreaterThan(0.5);
    // Gemma 3 4B judged only when shown first would look better than it is.
    const firstOnly = judgements.filter((j) => j.xFirst === "A").length / N;
    expect(firstOnly).toBeGreaterThan(s.xWins.p!);
    expect(s.inconsistent).toBeGreaterThan(0);
  });

  it("answers a prompt that is not a rubric like a model, and over HTTP like any judge server", async () => {
    expect(() => JSON.parse(ask(JUDGE, prompts[0]!.text))).not.toThrow();
    expect(ask(JUDGE, prompts[0]!.text)).toContain('"analysis"');
    const sim = await startSimulator({ profile: "judge@rtx-4080", speedup: 500 });
    try {
      const content = judgePrompt(RUBRIC, "1-5", { prompt: prompts[1]!.text, answer: gemma[1]! });
      const body = await (
        await postJson(`${sim.url}/v1/chat/completions`, {
          messages: [{ role: "user", content }],
          max_completion_tokens: 200,
        })
      ).json();
      expect(body.model).toBe("tracker/simulated-judge");
      expect(parseVerdict("1-5", body.choices[0].message.content).ok).toBe(true);
    } finally {
      await sim.close();
    }
  });
});
