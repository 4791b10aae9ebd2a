import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

export default defineRecorded({
  title: "Gemma 3 4B on the RTX 4080: 5,000 requests (recorded)",
  notes: `
Measured on the user's RTX 4080 before the tracker existed; only the aggregates were kept.
The report gives average tokens per request (788 prompt / 308 completion); the totals below
are those averages times 5,000 requests, so they carry the rounding of the averages.
`,
  model: "google/gemma-3-4b-it",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "the user's hand-written RTX 4080 reports (issue 7), copied by hand",
  figures: {
    requests: 5000,
    durationS: 36.8 * 60, // reported as 36.8 min
    totalTokenThroughput: 2_511,
    totalInputTokens: 788 * 5000, // reported as an average of 788 per request
    totalOutputTokens: 308 * 5000, // reported as an average of 308 per request
  },
});
