// Each profile reproduces the user's RTX 4080 figures (CALIBRATION.md, calibration-targets.json)
// within 15%, at the concurrency it is calibrated at.
import { describe, expect, it } from "vitest";
import { generateCandidatePrompts } from "../../data-loaders/experiment/candidate-profiles.ts";
import type { ProfileName } from "../../data-loaders/sim/profiles.ts";
import { startSimulator } from "../../data-loaders/sim/simulator.ts";
import { saturatedThroughput } from "./load.ts";
import { calibrationTargets } from "../../data-loaders/sim/derived-profiles.ts";

/** How each target is measured: requests sent at once and the speedup (the figures: calibration-targets.json). */
const RUNS: Record<string, { requests: number; speedup: number }> = {
  "llama-3.2-1b@rtx-4080 c=32": { requests: 320, speedup: 3 },
  "gemma-3-4b@rtx-4080 c=32": { requests: 256, speedup: 50 },
  "qwen3-4b@rtx-4080 c=32": { requests: 256, speedup: 80 },
  "gemma-3-1b@rtx-4080 c=4": { requests: 40, speedup: 100 },
  "gemma-3-4b@rtx-4080 c=4": { requests: 40, speedup: 200 },
  "gemma-3-12b@rtx-4080 c=4": { requests: 40, speedup: 300 },
};

const TARGETS = calibrationTargets().map((t) => ({
  ...t,
  profile: t.profile as ProfileName,
  ...RUNS[`${t.profile} c=${t.concurrency}`]!,
}));

const within = (measured: number, target: number): void => {
  expect(Math.abs(measured - target) / target, `measured ${measured.toFixed(3)}, target ${target}`).toBeLessThanOrEqual(
    0.15,
  );
};

describe("calibration against the RTX 4080 reports", () => {
  it("measures every target", () => {
    expect(TARGETS.every((t) => t.requests > 0)).toBe(true);
    expect(TARGETS).toHaveLength(Object.keys(RUNS).length);
  });
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
