import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

const BASELINE = "recorded-gemma-3-12b-rtx-4080-100";

export default defineRecorded({
  title: "Gemma 3 4B on the RTX 4080: 100 requests at 4 workers (recorded)",
  notes: `
One of the three runs of report 000, the users' Gemma 3 family speed comparison on the RTX 4080:
the same 100 candidate-evaluation requests, 4 workers of 25 requests each. The log names the
model by its Ollama tag, \`gemma3:4b\` (3.3GB, the size of its 4-bit model file); it was
driven by the users' \`vllm_batch_server\` script.

Recorded here is what the log measured: requests, successes, the wall time, and per worker its
requests, successes, time, rate, retries and progress lines, with three of the answers as the log
printed them (cut after about 300 characters; each begins with a leftover word of the prompt, as
in the log). The rates, times per request, speedups and extrapolations the log derived are kept
as stated figures and recomputed from the wall time: request rate = successful requests / wall
time, time for N requests = N / that rate.
`,
  model: "google/gemma-3-4b-it",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin:
    "report 000 (history/000_3e459ba2a5c0189e.txt): the console log of the users' Gemma 3 1B / 4B / 12B comparison",
  measuredOn: "2025-10-27",
  figures: { requests: 100, completed: 100, durationS: 191.3, concurrency: 4 },
  launch: { command: "gemma3:4b (an Ollama tag; the serving command was not recorded)", modelSizeGb: 3.3 },
  workers: [
    {
      worker: 0,
      requests: 25,
      completed: 25,
      durationS: 187.5,
      requestThroughput: 0.13,
      retries: 0,
      progress: [
        { at: "2025-10-27T12:50:38", done: 10, requestThroughput: 0.13, successPct: 40.0 },
        { at: "2025-10-27T12:51:53", done: 20, requestThroughput: 0.13, successPct: 80.0 },
      ],
    },
    {
      worker: 1,
      requests: 25,
      completed: 25,
      durationS: 185.7,
      requestThroughput: 0.13,
      retries: 0,
      progress: [
        { at: "2025-10-27T12:50:36", done: 10, requestThroughput: 0.14, successPct: 40.0 },
        { at: "2025-10-27T12:51:52", done: 20, requestThroughput: 0.14, successPct: 80.0 },
      ],
    },
    {
      worker: 2,
      requests: 25,
      completed: 25,
      durationS: 189.4,
      requestThroughput: 0.13,
      retries: 0,
      progress: [
        { at: "2025-10-27T12:50:40", done: 10, requestThroughput: 0.13, successPct: 40.0 },
        { at: "2025-10-27T12:51:55", done: 20, requestThroughput: 0.13, successPct: 80.0 },
      ],
    },
    {
      worker: 3,
      requests: 25,
      completed: 25,
      durationS: 191.3,
      requestThroughput: 0.13,
      retries: 0,
      progress: [
        { at: "2025-10-27T12:50:42", done: 10, requestThroughput: 0.13, successPct: 40.0 },
        { at: "2025-10-27T12:51:57", done: 20, requestThroughput: 0.13, successPct: 80.0 },
      ],
    },
  ],
  samples: [
    {
      promptId: "0",
      label: "Response 0",
      text: " startupOkay, let‚Äôs analyze Candidate 0.\n\n**Overall Assessment: Strong Potential ‚Äì Likely a Good Fit**\n\n**Strengths:**\n\n* **Solid Experience:** 5 years in software engineering is a good foundation and demonstrates they've spent a reasonable amount of time in the field.\n* **Relevant Technical Skills:",
      at: "000:122-129",
      truncated: true,
    },
    {
      promptId: "1",
      label: "Response 1",
      text: " usOkay, let‚Äôs analyze this candidate. Based on the information provided, here‚Äôs my assessment:\n\n**Overall Assessment: Strong Potential ‚Äì Likely a Good Fit**\n\n**Strengths:**\n\n* **Solid Experience:** 6 years in software engineering is a respectable amount of experience and demonstrates a sustained ca",
      at: "000:132-138",
      truncated: true,
    },
    {
      promptId: "2",
      label: "Response 2",
      text: "stackOkay, let's break down Candidate 2‚Äôs qualifications and assess their potential fit.\n\n**Overall Assessment: Strong Potential - A Solid Contender**\n\n**Strengths & Positive Indicators:**\n\n* **Significant Experience:** 7 years in software engineering is a very respectable amount of experience. This",
      at: "000:141-147",
      truncated: true,
    },
  ],
  stated: [
    { figure: "duration", unit: "min", at: "000:103", written: "Total time: 3.2 minutes" },
    { figure: "requestThroughput", at: "000:103", written: "Overall rate: 0.52 req/s" },
    {
      figure: "none",
      at: "000:103",
      written: "Speedup: 2.6x vs sequential",
      why: "not recomputable: the log does not say what it timed as sequential; it is not the workers' busy time over the wall time (the four workers' times add up to just under 4× the run's in every run of the series)",
    },
    { figure: "successRate", at: "000:103", written: "100.0%" },
    { figure: "successRate", at: "000:114", written: "100.0%" },
    { figure: "duration", unit: "min", at: "000:115", written: "3.19 min" },
    { figure: "requestThroughput", at: "000:116", written: "0.52 req/s" },
    { figure: "timePerRequest", unit: "s", at: "000:117", written: "1.91s" },
    { figure: "requestThroughput", at: "000:222", written: "0.52" },
    { figure: "timePerRequest", unit: "s", at: "000:222", written: "1.91" },
    { figure: "duration", unit: "min", at: "000:222", written: "3.2" },
    { figure: "speedup", baseline: BASELINE, by: "requests", at: "000:227", written: "2.31x faster" },
    { figure: "time", requests: 200000, unit: "h", at: "000:231", written: "106.3 hours" },
    { figure: "time", requests: 200000, unit: "days", at: "000:231", written: "4.43 days" },
    {
      figure: "timeSaved",
      baseline: BASELINE,
      requests: 200000,
      unit: "h",
      at: "000:236",
      written: "139.3 hours saved",
    },
  ],
  sources: {
    "workers.0.completed": { at: "000:100", written: "25/25 successful" },
    "workers.0.durationS": { at: "000:100", written: "Time: 187.5s" },
    "workers.0.requestThroughput": { at: "000:105", written: "0.13 req/s" },
    "workers.0.retries": { at: "000:105", written: "0 retries" },
    "workers.1.completed": { at: "000:99", written: "25/25 successful" },
    "workers.1.durationS": { at: "000:99", written: "Time: 185.7s" },
    "workers.1.requestThroughput": { at: "000:106", written: "0.13 req/s" },
    "workers.1.retries": { at: "000:106", written: "0 retries" },
    "workers.2.completed": { at: "000:101", written: "25/25 successful" },
    "workers.2.durationS": { at: "000:101", written: "Time: 189.4s" },
    "workers.2.requestThroughput": { at: "000:107", written: "0.13 req/s" },
    "workers.2.retries": { at: "000:107", written: "0 retries" },
    "workers.3.completed": { at: "000:102", written: "25/25 successful" },
    "workers.3.durationS": { at: "000:102", written: "Time: 191.3s" },
    "workers.3.requestThroughput": { at: "000:108", written: "0.13 req/s" },
    "workers.3.retries": { at: "000:108", written: "0 retries" },
    "figures.requests": { at: "000:113", written: "100" },
    "figures.completed": { at: "000:114", written: "100/100" },
    "figures.durationS": { at: "000:115", written: "191.3s" },
    "figures.concurrency": { at: "000:84", written: "4 workers" },
    "launch.modelSizeGb": { at: "000:75", written: "3.3GB" },
  },
});
