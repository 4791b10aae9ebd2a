import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

export default defineRecorded({
  title: "GPT-OSS 20B on the RTX 4080 (recorded: did not start)",
  notes: `
Report 003 lists GPT-OSS 20B as failed in its 5,000-request column: vLLM stopped at start-up with
a tokenizer error, so no request was sent. Kept so the matrix shows the attempt, its causes as
the report lists them, and the sizes it states (estimates: the model never loaded).
`,
  model: "openai/gpt-oss-20b",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "report 003 (history/003_8fec9489659c24de.txt)",
  measuredOn: "2025-10-28",
  status: "failed",
  reason: "server did not start: tokenizer error",
  figures: { requests: 5000 },
  launch: { command: "vllm serve openai/gpt-oss-20b (flags not recorded)" },
  causes: [
    { text: "GGUF tokenizer conversion fails", at: "003:225" },
    { text: "Missing triton kernel dependencies", at: "003:226" },
    { text: "Memory too tight even with quantization", at: "003:227" },
  ],
  estimates: {
    verdict: { text: "INCOMPATIBLE WITH vLLM", at: "003:222" },
    modelSizeGb: 40,
    memoryGb: 43,
    expectations: [
      { text: "~20 GB (MXFP4)", at: "003:221" },
      { text: "Not viable for RTX 4080 with vLLM", at: "003:229" },
    ],
  },
  sources: {
    "estimates.modelSizeGb": { at: "003:221", written: "~40 GB (FP16)" },
    "estimates.memoryGb": { at: "003:272", written: "43 GB" },
  },
});
