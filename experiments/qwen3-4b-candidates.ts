import {
  CANDIDATE_PAIRWISE_RUBRIC,
  CANDIDATE_RUBRIC,
  candidateAnswerSchema,
  candidateChecks,
} from "../data-loaders/experiment/candidate-profiles.ts";
import { defineExperiment } from "../data-loaders/experiment/schema.ts";

export default defineExperiment({
  title: "Qwen 3 4B: candidate screening with thinking",
  notes: `
**Hypothesis.** Qwen 3 4B spends part of its output on thinking, so its useful throughput is
below Gemma 3 4B's even though the two are the same size.

The hand-written study measured 10 requests in 7.2 s (1,533 tok/s, 795 prompt / 311 completion
tokens per request, model load 678 s). This run uses more requests for steadier figures.
`,
  server: { simulate: "qwen3-4b@rtx-4080" },
  workload: {
    prompts: { generate: "candidate-profiles-detailed", count: 100 },
    maxTokens: 1024,
    temperature: 0,
    seed: 42,
  },
  requests: 32,
  load: { concurrency: 32 },
  quality: {
    schema: candidateAnswerSchema,
    agreementField: "recommendation",
    // Scored after the run against each generated prompt's expected recommendation; the checks
    // and the judge re-score and re-judge the stored answers when they change (no re-run).
    checks: candidateChecks,
    // A simulated judge that grades from the truth it knows (documented noise and position bias),
    // five times faster than a 4B judge on the RTX 4080 so the example build stays short.
    judge: {
      server: { simulate: "judge@rtx-4080", speedup: 5 },
      rubric: CANDIDATE_RUBRIC,
      scale: "1-5",
      concurrency: 32,
      // Which of the two 4B models evaluates the same profiles better, asked in both orders.
      pairwise: { with: "gemma-3-4b-candidates", rubric: CANDIDATE_PAIRWISE_RUBRIC },
    },
  },
  prices: [{ label: "hosted 4B (example price)", inputPerMTok: 0.04, outputPerMTok: 0.08 }],
  gpuDollarsPerHour: 0.35,
});
