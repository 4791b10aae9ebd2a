import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

export default defineRecorded({
  title: "Qwen 2.5 7B on the RTX 4080 (planned, never run)",
  notes: `
Planned in report 003 (the 5,000-request batch report 003's roadmap plans for it, "may OOM"), to be tried with \`gpu_memory_utilization\` 0.95
(the setting below is that plan, not a measurement). Never run.
`,
  model: "Qwen/Qwen2.5-7B-Instruct",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "report 003 (history/003_8fec9489659c24de.txt)",
  status: "pending",
  figures: { requests: 5000 },
  settings: { gpuMemoryUtilization: 0.95 },
  estimates: {
    verdict: { text: "TIGHT FIT", at: "003:112" },
    modelSizeGb: 14,
    memoryGb: 17,
    totalTokenThroughput: 1800,
    durationS: 50 * 60,
    expectations: [{ text: "May need quantization", at: "003:117" }],
  },
  sources: {
    "estimates.modelSizeGb": { at: "003:109", written: "~14 GB (estimated)" },
    "estimates.memoryGb": { at: "003:110", written: "~17 GB total (estimated)" },
    "estimates.totalTokenThroughput": { at: "003:269", written: "Est: 1,800" },
    "estimates.durationS": { at: "003:269", written: "Est: 50 min" },
    "settings.gpuMemoryUtilization": { at: "003:115", written: "gpu_memory_utilization=0.95" },
  },
});
