import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

const PRICE = "Parasail GPT-OSS 20B";

const RATE_WHY =
  "The reports' own counts and duration, (788 + 308) tokens × 5,000 requests in 36.8 min, give a lower rate than the stated one, even at the far edge of their rounding (see the recomputation and its bounds). 2,511 tok/s is the reports' measurement, kept as recorded; it was probably timed over a shorter span than the 36.8 min, which the reports do not say.";
const SELF_HOSTED_TIME_WHY =
  "Does not follow from the report's own rate: at 5,000 requests per 36.8 min (the rate its 24.5 h for 200K follows) these requests take far longer (see the recomputation). The report does not say how it computed its self-hosted times; at 2,511 tok/s they would mean a small fraction of the 1,096 tokens per request.";
const SCALE_WHY =
  "Does not scale from the report's own rate: 170,000 requests at 5,000 per 36.8 min take longer (see the recomputation), while its 24.5 h for 200K does scale.";

export default defineRecorded({
  title: "Gemma 3 4B on the RTX 4080: 5,000 requests (recorded)",
  notes: `
Measured on the users' RTX 4080 with vLLM before the tracker existed (reports 001–004); only the
aggregates were kept. The reports give average tokens per request (788 prompt / 308 completion):
the totals below are those averages times 5,000 requests, so they carry the rounding of the
averages. The throughput, 2,511 tok/s, is the reports' measurement; their own counts and time give
less (see the stated figures), and every report repeats it.

The cost figures of the reports are for "Parasail GPT-OSS 20B" at this run's token counts; the
reports give no per-token price, so the tracker derives one from report 001's $9.31 per 100K
requests (a blended price, the same for input and output tokens) and recomputes every other
cost with it.
`,
  model: "google/gemma-3-4b-it",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "report 001 (history/001_16dc6ab222271ced.txt), repeated in reports 002–004",
  measuredOn: "2025-10-28",
  figures: {
    requests: 5000,
    completed: 5000,
    durationS: 36.8 * 60,
    totalTokenThroughput: 2511,
    totalInputTokens: 788 * 5000,
    totalOutputTokens: 308 * 5000,
  },
  launch: {
    command: "vllm serve google/gemma-3-4b-it (flags not recorded)",
    modelSizeGb: 8.6,
    gpuMemoryAfterMib: 11 * 1024,
  },
  samples: [
    {
      promptId: "Min Thet K",
      label: "Sample Response",
      text: '{\n  "recommendation": "Strong Yes",\n  "reasoning": "Min Thet K has a strong pedigree due to their MIT Computer \n               Science degrees and experience at both Microsoft and Bloomberg. \n               They also demonstrate a consistent trajectory with rapid \n               promotions and a clear focus on software engineering.",\n  "analysis": {\n    "educational_pedigree": {\n      "rating": "Great",\n      "reasoning": "The candidate holds a BS and MEng in Computer Science \n                   from MIT, a top-tier institution..."\n    }\n  }\n}',
      at: "001:27-40",
      truncated: true,
      verdict: { text: "Excellent - Structured JSON, detailed reasoning, coherent analysis", at: "001:43" },
    },
  ],
  verdicts: [
    { text: "BEST QUALITY", at: "001:9" },
    { text: "Structured, detailed, follows instructions", at: "001:121" },
    { text: "‚≠ê‚≠ê‚≠ê‚≠ê", at: "002:116" },
    { text: "Detailed evaluation", at: "002:116" },
  ],
  stated: [
    { figure: "meanTotalTokens", at: "001:23", written: "1,096" },
    { figure: "duration", unit: "min", at: "001:112", written: "37 min" },
    {
      figure: "totalTokenThroughput",
      at: "001:112",
      written: "2,511 tok/s",
      why: RATE_WHY,
    },
    { figure: "meanCompletionTokens", at: "001:112", written: "308 tokens" },
    {
      figure: "totalTokenThroughput",
      at: "001:117",
      written: "2,511 tok/s",
      why: RATE_WHY,
    },
    { figure: "meanTotalTokens", at: "001:134", written: "1,096" },
    { figure: "cost", requests: 100000, price: PRICE, at: "001:134", written: "$9.31" },
    { figure: "cost", requests: 1000000, price: PRICE, at: "001:134", written: "$93.10" },
    { figure: "cost", requests: 100000, price: PRICE, at: "001:140", written: "$9.31" },
    { figure: "duration", unit: "min", at: "001:152", written: "37 minutes" },
    { figure: "cost", requests: 100000, price: PRICE, at: "001:154", written: "$9.31" },
    {
      figure: "totalTokenThroughput",
      at: "002:16",
      written: "2,511 tok/s",
      why: RATE_WHY,
    },
    { figure: "duration", unit: "min", at: "002:16", written: "37 min" },
    { figure: "successRate", at: "002:16", written: "100%" },
    { figure: "meanTotalTokens", at: "002:16", written: "1,096" },
    { figure: "cost", requests: 100000, price: PRICE, at: "002:16", written: "$9.31" },
    {
      figure: "totalTokenThroughput",
      at: "002:28",
      written: "2,511 tok/s",
      why: RATE_WHY,
    },
    { figure: "duration", unit: "min", at: "002:28", written: "37 min" },
    { figure: "time", requests: 200000, unit: "h", at: "002:28", written: "24.5 hrs" },
    { figure: "tokens", requests: 1000, at: "002:50", written: "1.1M" },
    { figure: "cost", requests: 1000, price: PRICE, at: "002:50", written: "$0.09" },
    {
      figure: "time",
      requests: 1000,
      unit: "s",
      at: "002:50",
      written: "26 seconds",
      why: SELF_HOSTED_TIME_WHY,
    },
    { figure: "tokens", requests: 10000, at: "002:51", written: "11M" },
    { figure: "cost", requests: 10000, price: PRICE, at: "002:51", written: "$0.93" },
    {
      figure: "time",
      requests: 10000,
      unit: "min",
      at: "002:51",
      written: "4.3 minutes",
      why: SELF_HOSTED_TIME_WHY,
    },
    { figure: "tokens", requests: 100000, at: "002:52", written: "110M" },
    { figure: "cost", requests: 100000, price: PRICE, at: "002:52", written: "$9.31" },
    {
      figure: "time",
      requests: 100000,
      unit: "min",
      at: "002:52",
      written: "43 minutes",
      why: SELF_HOSTED_TIME_WHY,
    },
    { figure: "tokens", requests: 1000000, at: "002:53", written: "1.1B" },
    { figure: "cost", requests: 1000000, price: PRICE, at: "002:53", written: "$93.15" },
    {
      figure: "time",
      requests: 1000000,
      unit: "h",
      at: "002:53",
      written: "7.2 hours",
      why: SELF_HOSTED_TIME_WHY,
    },
    { figure: "meanPromptTokens", at: "002:96", written: "788 tokens/request" },
    { figure: "meanCompletionTokens", at: "002:97", written: "308 tokens/request" },
    { figure: "meanTotalTokens", at: "002:98", written: "1,096 tokens/request" },
    { figure: "inputShare", at: "002:99", written: "72% input" },
    { figure: "outputShare", at: "002:99", written: "28% output" },
    { figure: "meanCompletionTokens", at: "002:116", written: "308 tokens" },
    {
      figure: "time",
      requests: 100000,
      unit: "min",
      at: "002:133",
      written: "43 minutes",
      why: SELF_HOSTED_TIME_WHY,
    },
    { figure: "cost", requests: 100000, price: PRICE, at: "002:132", written: "$9.31 per 100K" },
    { figure: "cost", requests: 100000, price: PRICE, at: "002:139", written: "$9.31" },
    { figure: "time", requests: 200000, unit: "h", at: "002:200", written: "24.5 hours" },
    {
      figure: "totalTokenThroughput",
      at: "002:212",
      written: "2,511 tok/s",
      why: RATE_WHY,
    },
    { figure: "duration", unit: "min", at: "002:212", written: "37 min" },
    { figure: "cost", requests: 100000, price: PRICE, at: "002:217", written: "$9.31" },
    { figure: "meanCompletionTokens", at: "002:222", written: "308 tokens" },
    { figure: "duration", unit: "min", at: "003:14", written: "37 min" },
    {
      figure: "totalTokenThroughput",
      at: "003:14",
      written: "2,511 tok/s",
      why: RATE_WHY,
    },
    { figure: "successRate", at: "003:14", written: "100% success" },
    { figure: "time", requests: 50000, unit: "h", at: "003:14", written: "Est: 6.1 hrs" },
    {
      figure: "time",
      requests: 170000,
      unit: "h",
      at: "003:14",
      written: "Est: 20.7 hrs",
      why: SCALE_WHY,
    },
    { figure: "time", requests: 200000, unit: "h", at: "003:14", written: "Est: 24.5 hrs" },
    { figure: "headroom", at: "003:34", written: "5 GB" },
    { figure: "duration", unit: "min", at: "003:40", written: "36.8 min" },
    {
      figure: "totalTokenThroughput",
      at: "003:40",
      written: "2,511 tok/s",
      why: RATE_WHY,
    },
    { figure: "successRate", at: "003:40", written: "100%" },
    { figure: "time", requests: 50000, unit: "h", at: "003:41", written: "Est: 6.1 hrs" },
    {
      figure: "totalTokenThroughput",
      at: "003:41",
      written: "Est: 2,511 tok/s",
      why: RATE_WHY,
    },
    {
      figure: "time",
      requests: 170000,
      unit: "h",
      at: "003:42",
      written: "Est: 20.7 hrs",
      why: SCALE_WHY,
    },
    {
      figure: "totalTokenThroughput",
      at: "003:42",
      written: "Est: 2,511 tok/s",
      why: RATE_WHY,
    },
    { figure: "time", requests: 200000, unit: "h", at: "003:43", written: "Est: 24.5 hrs" },
    {
      figure: "totalTokenThroughput",
      at: "003:43",
      written: "Est: 2,511 tok/s",
      why: RATE_WHY,
    },
    { figure: "duration", unit: "min", at: "003:237", written: "36.8 min" },
    { figure: "time", requests: 50000, unit: "h", at: "003:238", written: "est. 6.1 hrs" },
    {
      figure: "time",
      requests: 170000,
      unit: "h",
      at: "003:239",
      written: "est. 20.7 hrs",
      why: SCALE_WHY,
    },
    { figure: "time", requests: 200000, unit: "h", at: "003:240", written: "est. 24.5 hrs" },
    {
      figure: "totalTokenThroughput",
      at: "003:266",
      written: "2,511",
      why: RATE_WHY,
    },
    { figure: "duration", unit: "min", at: "003:266", written: "37 min" },
    { figure: "time", requests: 200000, unit: "h", at: "003:276", written: "24.5 hours" },
    { figure: "time", requests: 50000, unit: "h", at: "003:285", written: "6 hours" },
    { figure: "time", requests: 200000, unit: "h", at: "003:290", written: "24 hours" },
    {
      figure: "totalTokenThroughput",
      at: "004:27",
      written: "2,511 tok/s",
      why: RATE_WHY,
    },
  ],
  sources: {
    "figures.requests": { at: "001:17", written: "5,000 requests" },
    "figures.completed": { at: "001:18", written: "(5,000/5,000)" },
    "figures.durationS": { at: "001:19", written: "36.8 minutes" },
    "figures.totalTokenThroughput": {
      at: "001:20",
      written: "2,511 tokens/second",
      why: RATE_WHY,
    },
    "figures.totalInputTokens": { at: "001:21", written: "788" },
    "figures.totalOutputTokens": { at: "001:22", written: "308" },
    "launch.modelSizeGb": { at: "003:32", written: "8.6 GB" },
    "launch.gpuMemoryAfterMib": { at: "003:33", written: "~11 GB total" },
  },
  prices: [{ label: PRICE, from: { at: "001:134", written: "$9.31", requests: 100000 } }],
});
