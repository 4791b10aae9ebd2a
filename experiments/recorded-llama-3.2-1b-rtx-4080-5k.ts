import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

export default defineRecorded({
  title: "Llama 3.2 1B on the RTX 4080: 5,000 requests (recorded)",
  notes: `
Measured on the user's RTX 4080 before the tracker existed; only the aggregates were kept
(no per-request rows). 19,813 tok/s is input + output tokens per second:
(1,540,000 + 606,875) tokens in 1.8 min.
`,
  model: "meta-llama/Llama-3.2-1B-Instruct",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "the user's hand-written RTX 4080 reports (issue 7), copied by hand",
  figures: {
    requests: 5000,
    completed: 5000, // 100% success
    durationS: 1.8 * 60, // reported as 1.8 min
    totalTokenThroughput: 19_813,
    totalInputTokens: 1_540_000,
    totalOutputTokens: 606_875,
  },
});
