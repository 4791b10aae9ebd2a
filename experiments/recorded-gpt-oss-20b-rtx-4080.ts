import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

export default defineRecorded({
  title: "GPT-OSS 20B on the RTX 4080 (recorded: did not start)",
  notes: `
The server never came up: vLLM stopped at start-up with a tokenizer error, so no request was
sent. Kept so the matrix shows the attempt and its reason. The report lists it with the Gemma 3
series of 100 requests at 4 workers, so it is recorded as that attempt.
`,
  model: "openai/gpt-oss-20b",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "the user's hand-written RTX 4080 reports (issue 7), copied by hand",
  status: "failed",
  reason: "server did not start: tokenizer error",
  figures: { requests: 100, concurrency: 4 },
  launch: { command: "vllm serve openai/gpt-oss-20b (flags not recorded)" },
});
