import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

export default defineRecorded({
  title: "Gemma 3 12B on the RTX 4080: 100 requests at 4 workers (recorded)",
  notes: `
One of three runs of the Gemma 3 family (1B, 4B, 12B) with the same 100 requests and 4
concurrent workers; only the wall time was reported.
`,
  model: "google/gemma-3-12b-it",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "the user's hand-written RTX 4080 reports (issue 7), copied by hand",
  figures: {
    requests: 100,
    durationS: 442.1,
    concurrency: 4,
  },
});
