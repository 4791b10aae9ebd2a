import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

export default defineRecorded({
  title: "Llama 3.2 3B on the RTX 4080 (planned, never run)",
  notes: `
Planned in reports 001–003 (the 5,000-request batch report 003's roadmap plans for it), never run. The reports' expectations do not agree with each
other: "similar to Gemma 3 4B" (003), "2-3x faster than Gemma" (001, 002), and 8,000 tok/s, about
3× Gemma 3 4B's 2,511 (003's table). They stay stated estimates.
`,
  model: "meta-llama/Llama-3.2-3B-Instruct",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "report 003 (history/003_8fec9489659c24de.txt) and report 001",
  status: "pending",
  figures: { requests: 5000 },
  estimates: {
    verdict: { text: "SHOULD WORK", at: "003:173" },
    modelSizeGb: 6,
    memoryGb: 9,
    totalTokenThroughput: 8000,
    durationS: 5 * 60,
    expectations: [
      { text: "Similar to Gemma 3 4B", at: "003:186" },
      { text: "Good balance of speed and quality", at: "003:187" },
      { text: "2-3x faster than Gemma, better quality than 1B", at: "001:184" },
      { text: "Should be 2-3x faster than Gemma 3 4B", at: "002:179" },
    ],
  },
  sources: {
    "estimates.modelSizeGb": { at: "003:171", written: "~6 GB (estimated)" },
    "estimates.memoryGb": { at: "003:172", written: "~9 GB total (estimated)" },
    "estimates.totalTokenThroughput": { at: "003:265", written: "Est: 8,000" },
    "estimates.durationS": { at: "003:265", written: "Est: 5 min" },
  },
});
