import {
  CANDIDATE_RUBRIC,
  candidateAnswerSchema,
  candidateChecks,
} from "../data-loaders/experiment/candidate-profiles.ts";
import { defineExperiment } from "../data-loaders/experiment/schema.ts";

export default defineExperiment({
  title: "Llama 3.2 1B: candidate screening, batch throughput",
  notes: `
**Hypothesis.** The 1B model is fast enough to screen a 200K-profile backlog overnight on one
RTX 4080, but it follows the JSON instructions less reliably than the 4B models.

Replays the hand-written study (5,000 requests, 19,813 tok/s) on the simulator at a smaller scale.
Prompts are synthetic candidate profiles generated from a seed: no real people.
`,
  server: { simulate: "llama-3.2-1b@rtx-4080" },
  workload: {
    prompts: { generate: "candidate-profiles", count: 200 },
    maxTokens: 512,
    temperature: 0,
    seed: 42,
  },
  requests: 600,
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
  prices: [{ label: "hosted 1B (example price)", inputPerMTok: 0.02, outputPerMTok: 0.04 }],
  gpuDollarsPerHour: 0.35,
});
