import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

export default defineRecorded({
  title: '"Qwen 2.5 4B" on the RTX 4080 (planned, never run)',
  notes: `
Report 003's roadmap plans a "Qwen 2.5 4B" at 5,000 requests, twice. Qwen 2.5 has no 4B model
(it comes in 0.5B, 1.5B, 3B, 7B, 14B, 32B and 72B); the report may mean Qwen 3 4B, which it ran.
Recorded as the report names it; never run.
`,
  model: "Qwen 2.5 4B",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "report 003 (history/003_8fec9489659c24de.txt)",
  status: "pending",
  figures: { requests: 5000 },
  estimates: {
    expectations: [
      { text: "Qwen 2.5 4B - 5K batch", at: "003:248" },
      { text: "Test Qwen 2.5 4B with 5K batch", at: "003:287" },
    ],
  },
  sources: {},
});
