// Each profile reproduces the user's RTX 4080 figures (CALIBRATION.md) within 15%.
import { describe, expect, it } from "vitest";
import { generateCandidatePrompts } from "../../data-loaders/experiment/candidate-profiles.ts";
import type { ProfileName } from "../../data-loaders/sim/profiles.ts";
import { startSimulator } from "../../data-loaders/sim/simulator.ts";
import { saturatedThroughput } from "./load.ts";

interface Target {
  profile: ProfileName;
  variant: "short" | "detailed";
  concurrency: number;
  requests: number;
  speedup: number;
  totalTokPerS?: number;
  reqPerS?: number;
  promptTokens?: number;
  completionTokens?: number;
}

const TARGETS: Target[] = [
  {
    profile: "llama-3.2-1b@rtx-4080",
    variant: "short",
    concurrency: 32,
    requests: 320,
    speedup: 3,
    totalTokPerS: 19_800,
    promptTokens: 308,
    completionTokens: 121,
  },
  {
    profile: "gemma-3-4b@rtx-4080",
    variant: "detailed",
    concurrency: 32,
    requests: 256,
    speedup: 50,
    totalTokPerS: 2_500,
    promptTokens: 788,
    completionTokens: 308,
  },
  {
    profile: "qwen3-4b@rtx-4080",
    variant: "detailed",
    concurrency: 32,
    requests: 256,
    speedup: 80,
    totalTokPerS: 1_530,
    promptTokens: 795,
    completionTokens: 311,
  },
  { profile: "gemma-3-1b@rtx-4080", variant: "detailed", concurrency: 4, requests: 40, speedup: 100, reqPerS: 0.92 },
  { profile: "gemma-3-4b@rtx-4080", variant: "detailed", concurrency: 4, requests: 40, speedup: 200, reqPerS: 0.52 },
  { profile: "gemma-3-12b@rtx-4080", variant: "detailed", concurrency: 4, requests: 40, speedup: 300, reqPerS: 0.23 },
];

const within = (measured: number, target: number): void => {
  expect(Math.abs(measured - target) / target, `measured ${measured.toFixed(3)}, target ${target}`).toBeLessThanOrEqual(
    0.15,
  );
};

describe("calibration against the RTX 4080 reports", () => {
  for (const t of TARGETS) {
    it(`${t.profile} at concurrency ${t.concurrency}`, { timeout: 30_000 }, async () => {
      const sim = await startSimulator({
        profile: t.profile,
        speedup: t.speedup,
        seed: 1,
        groundTruth: true,
        maxNumSeqs: t.concurrency,
      });
      try {
        const prompts = generateCandidatePrompts(200, 7, t.variant);
        const m = await saturatedThroughput(sim, prompts, t.requests, 1024, t.speedup);
        console.log(
          `${t.profile} c=${t.concurrency}: ${m.totalTokPerS.toFixed(0)} tok/s, ${m.reqPerS.toFixed(3)} req/s, ` +
            `${m.meanPromptTokens.toFixed(0)} prompt / ${m.meanCompletionTokens.toFixed(0)} completion tokens (window ${m.windowS.toFixed(1)} s)`,
        );
        expect(m.windowS).toBeGreaterThan(2);
        if (t.totalTokPerS) within(m.totalTokPerS, t.totalTokPerS);
        if (t.reqPerS) within(m.reqPerS, t.reqPerS);
        if (t.promptTokens) within(m.meanPromptTokens, t.promptTokens);
        if (t.completionTokens) within(m.meanCompletionTokens, t.completionTokens);
      } finally {
        await sim.close();
      }
    });
  }
});
