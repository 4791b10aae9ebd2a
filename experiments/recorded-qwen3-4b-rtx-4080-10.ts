import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

export default defineRecorded({
  title: "Qwen 3 4B on the RTX 4080: 10 requests and the start-up cost (recorded)",
  notes: `
A short check run: 10 requests in 7.2 s after a 678 s model load. The memory breakdown was
copied from the vLLM start-up log by hand: about 11 GB in use in total, of which 7.6 GB
model weights, about 2 GB KV cache and about 0.7 GB CUDA graphs (vLLM logs GiB).
`,
  model: "Qwen/Qwen3-4B",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "the user's hand-written RTX 4080 reports (issue 7), copied by hand",
  figures: {
    requests: 10,
    durationS: 7.2,
    totalTokenThroughput: 1_533,
    totalInputTokens: 7_946,
    totalOutputTokens: 3_112,
  },
  launch: {
    command: "vllm serve Qwen/Qwen3-4B (flags not recorded)",
    loadTimeS: 678,
    weightsGib: 7.6,
    kvCacheGib: 2, // "about 2 GB"
    cudaGraphGib: 0.7, // "about 0.7 GB"
    gpuMemoryAfterMib: 11 * 1024, // "about 11 GB" in total
  },
});
