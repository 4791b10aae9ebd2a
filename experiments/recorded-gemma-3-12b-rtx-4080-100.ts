import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

export default defineRecorded({
  title: "Gemma 3 12B on the RTX 4080: 100 requests at 4 workers (recorded)",
  notes: `
One of the three runs of report 000, the users' Gemma 3 family speed comparison on the RTX 4080:
the same 100 candidate-evaluation requests, 4 workers of 25 requests each. The log names the
model by its Ollama tag, \`gemma3:12b\` (8.1GB, the size of its 4-bit model file); it was
driven by the users' \`vllm_batch_server\` script.

Recorded here is what the log measured: requests, successes, the wall time, and per worker its
requests, successes, time, rate, retries and progress lines, with three of the answers as the log
printed them (cut after about 300 characters; each begins with a leftover word of the prompt, as
in the log). The rates, times per request, speedups and extrapolations the log derived are kept
as stated figures and recomputed from the wall time: request rate = successful requests / wall
time, time for N requests = N / that rate.
`,
  model: "google/gemma-3-12b-it",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin:
    "report 000 (history/000_3e459ba2a5c0189e.txt): the console log of the users' Gemma 3 1B / 4B / 12B comparison",
  measuredOn: "2025-10-27",
  figures: { requests: 100, completed: 100, durationS: 442.1, concurrency: 4 },
  launch: { command: "gemma3:12b (an Ollama tag; the serving command was not recorded)", modelSizeGb: 8.1 },
  workers: [
    {
      worker: 0,
      requests: 25,
      completed: 25,
      durationS: 437.7,
      requestThroughput: 0.06,
      retries: 0,
      progress: [
        { at: "2025-10-27T12:55:35", done: 10, requestThroughput: 0.06, successPct: 40.0 },
        { at: "2025-10-27T12:58:30", done: 20, requestThroughput: 0.06, successPct: 80.0 },
      ],
    },
    {
      worker: 1,
      requests: 25,
      completed: 25,
      durationS: 433.3,
      requestThroughput: 0.06,
      retries: 0,
      progress: [
        { at: "2025-10-27T12:55:30", done: 10, requestThroughput: 0.06, successPct: 40.0 },
        { at: "2025-10-27T12:58:26", done: 20, requestThroughput: 0.06, successPct: 80.0 },
      ],
    },
    {
      worker: 2,
      requests: 25,
      completed: 25,
      durationS: 428.9,
      requestThroughput: 0.06,
      retries: 0,
      progress: [
        { at: "2025-10-27T12:55:26", done: 10, requestThroughput: 0.06, successPct: 40.0 },
        { at: "2025-10-27T12:58:21", done: 20, requestThroughput: 0.06, successPct: 80.0 },
      ],
    },
    {
      worker: 3,
      requests: 25,
      completed: 25,
      durationS: 442.1,
      requestThroughput: 0.06,
      retries: 0,
      progress: [
        { at: "2025-10-27T12:55:39", done: 10, requestThroughput: 0.06, successPct: 40.0 },
        { at: "2025-10-27T12:58:34", done: 20, requestThroughput: 0.06, successPct: 80.0 },
      ],
    },
  ],
  samples: [
    {
      promptId: "0",
      label: "Response 0",
      text: " EngineerOkay, let's analyze Candidate 0. Here's a brief assessment based on the provided information:\n\n**Overall Assessment: Strong Potential - Likely a Good Fit with Further Exploration**\n\nThis candidate presents a very promising profile. Let's break down the strengths and areas for further invest",
      at: "000:196-200",
      truncated: true,
    },
    {
      promptId: "1",
      label: "Response 1",
      text: " CorpOkay, let's assess Candidate 1. Here's a breakdown of their qualifications and a potential fit assessment, considering common software engineering roles.  I'll structure this into Strengths, Potential Concerns, and Overall Fit/Recommendations.\n\n**Strengths:**\n\n* **Solid Experience:** 6 years in",
      at: "000:203-207",
      truncated: true,
    },
    {
      promptId: "2",
      label: "Response 2",
      text: " SpecificOkay, let's break down Candidate 2's profile and assess their fit. Here's my analysis, structured for clarity:\n\n**Overall Assessment: Strong Potential - Likely a Solid Hire with Potential for Leadership**\n\nThis candidate presents a very promising profile. The combination of experience, skil",
      at: "000:210-214",
      truncated: true,
    },
  ],
  stated: [
    { figure: "duration", unit: "min", at: "000:177", written: "Total time: 7.4 minutes" },
    { figure: "requestThroughput", at: "000:177", written: "Overall rate: 0.23 req/s" },
    {
      figure: "none",
      at: "000:177",
      written: "Speedup: 1.1x vs sequential",
      why: "not recomputable: the log does not say what it timed as sequential; it is not the workers' busy time over the wall time (the four workers' times add up to just under 4× the run's in every run of the series)",
    },
    { figure: "successRate", at: "000:177", written: "100.0%" },
    { figure: "successRate", at: "000:188", written: "100.0%" },
    { figure: "duration", unit: "min", at: "000:189", written: "7.37 min" },
    { figure: "requestThroughput", at: "000:190", written: "0.23 req/s" },
    { figure: "timePerRequest", unit: "s", at: "000:191", written: "4.42s" },
    { figure: "requestThroughput", at: "000:223", written: "0.23" },
    { figure: "timePerRequest", unit: "s", at: "000:223", written: "4.42" },
    { figure: "duration", unit: "min", at: "000:223", written: "7.4" },
    { figure: "time", requests: 200000, unit: "h", at: "000:232", written: "245.6 hours" },
    { figure: "time", requests: 200000, unit: "days", at: "000:232", written: "10.23 days" },
  ],
  sources: {
    "workers.0.completed": { at: "000:175", written: "25/25 successful" },
    "workers.0.durationS": { at: "000:175", written: "Time: 437.7s" },
    "workers.0.requestThroughput": { at: "000:179", written: "0.06 req/s" },
    "workers.0.retries": { at: "000:179", written: "0 retries" },
    "workers.1.completed": { at: "000:174", written: "25/25 successful" },
    "workers.1.durationS": { at: "000:174", written: "Time: 433.3s" },
    "workers.1.requestThroughput": { at: "000:180", written: "0.06 req/s" },
    "workers.1.retries": { at: "000:180", written: "0 retries" },
    "workers.2.completed": { at: "000:173", written: "25/25 successful" },
    "workers.2.durationS": { at: "000:173", written: "Time: 428.9s" },
    "workers.2.requestThroughput": { at: "000:181", written: "0.06 req/s" },
    "workers.2.retries": { at: "000:181", written: "0 retries" },
    "workers.3.completed": { at: "000:176", written: "25/25 successful" },
    "workers.3.durationS": { at: "000:176", written: "Time: 442.1s" },
    "workers.3.requestThroughput": { at: "000:182", written: "0.06 req/s" },
    "workers.3.retries": { at: "000:182", written: "0 retries" },
    "figures.requests": { at: "000:187", written: "100" },
    "figures.completed": { at: "000:188", written: "100/100" },
    "figures.durationS": { at: "000:189", written: "442.1s" },
    "figures.concurrency": { at: "000:158", written: "4 workers" },
    "launch.modelSizeGb": { at: "000:149", written: "8.1GB" },
  },
});
