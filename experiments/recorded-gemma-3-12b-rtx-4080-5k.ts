import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

export default defineRecorded({
  title: "Gemma 3 12B (16-bit) on the RTX 4080 with vLLM (planned, never run)",
  notes: `
Report 003 did not test the 16-bit Gemma 3 12B with vLLM: it expected it not to fit the 16 GB card
(its own estimates: about 24 GB of weights, 27 GB in all). The 100-request run of report 000 used a
4-bit model file of the same model with another serving stack.
`,
  model: "google/gemma-3-12b-it",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "report 003 (history/003_8fec9489659c24de.txt)",
  status: "pending",
  figures: { requests: 5000 },
  estimates: {
    verdict: { text: "OOM EXPECTED", at: "003:57" },
    modelSizeGb: 24,
    memoryGb: 27,
    totalTokenThroughput: 1000,
    expectations: [
      { text: "Try quantized version (GGUF Q4_K_M ~7 GB)", at: "003:60" },
      { text: "Or use cloud GPU (A100 40GB, H100 80GB)", at: "003:61" },
    ],
  },
  sources: {
    "estimates.modelSizeGb": { at: "003:54", written: "~24 GB (estimated)" },
    "estimates.memoryGb": { at: "003:55", written: "~27 GB total (estimated)" },
    "estimates.totalTokenThroughput": { at: "003:270", written: "Est: 1,000" },
  },
});
