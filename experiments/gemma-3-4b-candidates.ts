import {
  CANDIDATE_RUBRIC,
  candidateAnswerSchema,
  candidateChecks,
} from "../data-loaders/experiment/candidate-profiles.ts";
import { defineExperiment } from "../data-loaders/experiment/schema.ts";

export default defineExperiment({
  title: "Gemma 3 4B: candidate screening, batch throughput",
  notes: `
**Hypothesis.** Gemma 3 4B gives schema-valid evaluations almost every time, at about an eighth
of the 1B model's token throughput: worth it only if quality matters more than time.

The hand-written study measured 5,000 requests in 36.8 min (2,511 tok/s, 788 prompt / 308
completion tokens per request). This replays it on the simulator with the detailed prompts.
`,
  server: { simulate: "gemma-3-4b@rtx-4080" },
  workload: {
    prompts: { generate: "candidate-profiles-detailed", count: 100 },
    maxTokens: 1024,
    temperature: 0,
    seed: 42,
  },
  requests: 48,
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
    },
  },
  prices: [{ label: "hosted 4B (example price)", inputPerMTok: 0.04, outputPerMTok: 0.08 }],
  gpuDollarsPerHour: 0.35,
});
