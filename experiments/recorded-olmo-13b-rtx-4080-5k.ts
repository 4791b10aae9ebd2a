import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

export default defineRecorded({
  title: "OLMo 13B on the RTX 4080 (planned, never run)",
  notes: `
Report 003 lists an "OLMo 13B" without naming the checkpoint, and expects it not to fit. Never run;
the model is recorded as the report names it.
`,
  model: "OLMo 13B",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "report 003 (history/003_8fec9489659c24de.txt)",
  status: "pending",
  figures: { requests: 5000 },
  estimates: {
    verdict: { text: "OOM Expected", at: "003:22" },
    modelSizeGb: 26,
    expectations: [{ text: "OLMo 13B - Likely OOM", at: "003:255" }],
  },
  sources: { "estimates.modelSizeGb": { at: "003:22", written: "~26 GB" } },
});
