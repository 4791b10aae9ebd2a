import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

export default defineRecorded({
  title: "Qwen 2.5 14B on the RTX 4080 (planned, never run)",
  notes: `
Report 003 expects Qwen 2.5 14B not to fit the 16 GB card. Never run.
`,
  model: "Qwen/Qwen2.5-14B-Instruct",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "report 003 (history/003_8fec9489659c24de.txt)",
  status: "pending",
  figures: { requests: 5000 },
  estimates: {
    verdict: { text: "OOM Expected", at: "003:19" },
    modelSizeGb: 28,
    memoryGb: 31,
    totalTokenThroughput: 1200,
    expectations: [{ text: "Qwen 2.5 14B - Likely OOM", at: "003:254" }],
  },
  sources: {
    "estimates.modelSizeGb": { at: "003:19", written: "~28 GB" },
    "estimates.memoryGb": { at: "003:271", written: "31 GB" },
    "estimates.totalTokenThroughput": { at: "003:271", written: "Est: 1,200" },
  },
});
