import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

export default defineRecorded({
  title: "Gemma 3 12B QAT on the RTX 4080 (planned, never run)",
  notes: `
Report 001's most important pending test: the 4-bit quantisation-aware Gemma 3 12B, to prove a 12B
model works on the 16 GB card. Never run. The batch size is the 5,000-request batch report 003's roadmap plans for the other models
(001 gives none); the size and expectation are the report's.
`,
  model: "google/gemma-3-12b-it-qat-q4_0-gguf",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "report 001 (history/001_16dc6ab222271ced.txt)",
  status: "pending",
  figures: { requests: 5000 },
  estimates: {
    verdict: { text: "MOST IMPORTANT", at: "001:175" },
    modelSizeGb: 8.07,
    expectations: [
      { text: "Best quality, 12B model on 16GB GPU!", at: "001:178" },
      { text: "Try quantized version", at: "003:253" },
    ],
  },
  sources: { "estimates.modelSizeGb": { at: "001:177", written: "8.07 GB (quantized)" } },
});
