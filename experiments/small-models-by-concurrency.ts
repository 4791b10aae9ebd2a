import { candidateAnswerSchema, candidateChecks } from "../data-loaders/experiment/candidate-profiles.ts";
import { defineExperiment } from "../data-loaders/experiment/schema.ts";

export default defineExperiment({
  title: "Small models × concurrency: candidate screening",
  notes: `
**Hypothesis.** The 1B models are fast enough to screen a 200K-profile backlog overnight on one
RTX 4080, Llama 3.2 1B well ahead of Gemma 3 1B, and both gain from more requests in flight.

A grid: each cell (model × concurrency) is a run of its own, with its own page; add a value to an
axis and only the new cells run. Llama 3.2 1B replays the hand-written study (5,000 requests,
19,813 tok/s) at a smaller scale; Gemma 3 1B, about eight times slower on the simulator, gets
fewer requests. Prompts are synthetic candidate profiles generated from a seed: no real people.
`,
  server: { simulate: "llama-3.2-1b@rtx-4080" },
  workload: {
    prompts: { generate: "candidate-profiles", count: 200 },
    maxTokens: 512,
    temperature: 0,
    seed: 42,
  },
  requests: 240,
  load: { concurrency: 32 },
  // Scored after each run against the generated prompts' expected recommendations, with the
  // checks (re-scored without re-running when they change).
  quality: { schema: candidateAnswerSchema, agreementField: "recommendation", checks: candidateChecks },
  grid: {
    model: {
      "llama-3.2-1b": {},
      "gemma-3-1b": { server: { simulate: "gemma-3-1b@rtx-4080" }, requests: 16 },
    },
    concurrency: [16, 32],
  },
  prices: [{ label: "hosted 1B (example price)", inputPerMTok: 0.02, outputPerMTok: 0.04 }],
  gpuDollarsPerHour: 0.35,
});
