import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

const GEMMA = "recorded-gemma-3-4b-rtx-4080-5k";

const TIME_WHY =
  "Not recomputable: the partial record has no elapsed time and no token counts. At the output tokens per answer of the short Qwen 3 4B check run, ~740 output tok/s would finish 5,000 requests well within ~2 hours: the report's two figures do not agree.";
const SLOWER_WHY =
  "The report divides Gemma 3 4B's total tokens per second (2,511) by this run's output tokens per second (740). In output tokens per second (308 × 5,000 in 36.8 min) Gemma made fewer than this run, so this run was not slower (see the recomputation).";

export default defineRecorded({
  title: "Qwen 3 4B on the RTX 4080: 5,000 requests, still running when reported (recorded)",
  notes: `
Report 001 caught this run at 42 of 5,000 requests ("Terminal 3", results being written to
\`qwen3_4b_5k_results.jsonl\`), with vLLM started at \`gpu_memory_utilization\` 0.8 and
\`enforce_eager\` on, "optimized memory settings to avoid OOM" (the users' memory optimizer). Its
throughput, about 740 tokens per second, is output tokens only; the report compares it with
Gemma 3 4B's 2,511 total tokens per second. No later report gives its result.
`,
  model: "Qwen/Qwen3-4B-Instruct-2507",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "report 001 (history/001_16dc6ab222271ced.txt)",
  measuredOn: "2025-10-28",
  status: "partial",
  figures: { requests: 5000, outputThroughput: 740 },
  progress: { done: 42, at: "2025-10-28 11:15 AM" },
  settings: { gpuMemoryUtilization: 0.8, enforceEager: true },
  stated: [
    { figure: "progress", at: "001:95", written: "(~1%)" },
    {
      figure: "time",
      requests: 5000,
      unit: "h",
      at: "001:96",
      written: "~2 hours",
      why: TIME_WHY,
    },
    {
      figure: "time",
      requests: 5000,
      unit: "h",
      at: "001:113",
      written: "~2 hrs",
      why: TIME_WHY,
    },
    {
      figure: "timesSlower",
      baseline: GEMMA,
      by: "outputTokens",
      at: "001:118",
      written: "3.4x slower than Gemma",
      why: SLOWER_WHY,
    },
    {
      figure: "timesSlower",
      baseline: GEMMA,
      by: "outputTokens",
      at: "001:165",
      written: "3.4x slower than Gemma",
      why: SLOWER_WHY,
    },
    {
      figure: "time",
      requests: 5000,
      unit: "h",
      at: "001:197",
      written: "(~2 hours)",
      why: TIME_WHY,
    },
  ],
  sources: {
    "figures.requests": { at: "001:94", written: "5,000 requests" },
    "progress.done": { at: "001:95", written: "42/5,000" },
    "figures.outputThroughput": { at: "001:97", written: "~740 tokens/second (output)" },
    "settings.gpuMemoryUtilization": { at: "001:98", written: "gpu_util=0.8" },
  },
});
