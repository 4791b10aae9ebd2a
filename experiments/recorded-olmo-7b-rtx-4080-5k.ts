import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

export default defineRecorded({
  title: "OLMo 7B on the RTX 4080 (planned, never run)",
  notes: `
Planned in report 003 (the 5,000-request batch report 003's roadmap plans for it, "may OOM"), never run.
`,
  model: "allenai/OLMo-7B-hf",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "report 003 (history/003_8fec9489659c24de.txt)",
  status: "pending",
  figures: { requests: 5000 },
  estimates: {
    verdict: { text: "TIGHT FIT", at: "003:210" },
    modelSizeGb: 14,
    memoryGb: 17,
    totalTokenThroughput: 1500,
    durationS: 60 * 60,
    expectations: [
      { text: "Try with high GPU utilization", at: "003:213" },
      { text: "May need quantization", at: "003:214" },
    ],
  },
  sources: {
    "estimates.modelSizeGb": { at: "003:208", written: "~14 GB (estimated)" },
    "estimates.memoryGb": { at: "003:209", written: "~17 GB total (estimated)" },
    "estimates.totalTokenThroughput": { at: "003:268", written: "Est: 1,500" },
    "estimates.durationS": { at: "003:268", written: "Est: 60 min" },
  },
});
