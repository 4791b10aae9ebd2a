import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

const BASELINE = "recorded-gemma-3-12b-rtx-4080-100";

export default defineRecorded({
  title: "Gemma 3 1B on the RTX 4080: 100 requests at 4 workers (recorded)",
  notes: `
One of the three runs of report 000, the users' Gemma 3 family speed comparison on the RTX 4080:
the same 100 candidate-evaluation requests, 4 workers of 25 requests each. The log names the
model by its Ollama tag, \`gemma3:1b\` (815MB, the size of its 4-bit model file); it was
driven by the users' \`vllm_batch_server\` script.

Recorded here is what the log measured: requests, successes, the wall time, and per worker its
requests, successes, time, rate, retries and progress lines, with three of the answers as the log
printed them (cut after about 300 characters; each begins with a leftover word of the prompt, as
in the log). The rates, times per request, speedups and extrapolations the log derived are kept
as stated figures and recomputed from the wall time: request rate = successful requests / wall
time, time for N requests = N / that rate.
`,
  model: "google/gemma-3-1b-it",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin:
    "report 000 (history/000_3e459ba2a5c0189e.txt): the console log of the users' Gemma 3 1B / 4B / 12B comparison",
  measuredOn: "2025-10-27",
  figures: { requests: 100, completed: 100, durationS: 108.6, concurrency: 4 },
  launch: { command: "gemma3:1b (an Ollama tag; the serving command was not recorded)", modelSizeGb: 0.815 },
  workers: [
    {
      worker: 0,
      requests: 25,
      completed: 25,
      durationS: 105.8,
      requestThroughput: 0.24,
      retries: 0,
      progress: [
        { at: "2025-10-27T12:48:17", done: 10, requestThroughput: 0.21, successPct: 40.0 },
        { at: "2025-10-27T12:48:56", done: 20, requestThroughput: 0.23, successPct: 80.0 },
      ],
    },
    {
      worker: 1,
      requests: 25,
      completed: 25,
      durationS: 107.7,
      requestThroughput: 0.23,
      retries: 0,
      progress: [
        { at: "2025-10-27T12:48:19", done: 10, requestThroughput: 0.2, successPct: 40.0 },
        { at: "2025-10-27T12:48:58", done: 20, requestThroughput: 0.23, successPct: 80.0 },
      ],
    },
    {
      worker: 2,
      requests: 25,
      completed: 25,
      durationS: 106.7,
      requestThroughput: 0.23,
      retries: 0,
      progress: [
        { at: "2025-10-27T12:48:18", done: 10, requestThroughput: 0.21, successPct: 40.0 },
        { at: "2025-10-27T12:48:57", done: 20, requestThroughput: 0.23, successPct: 80.0 },
      ],
    },
    {
      worker: 3,
      requests: 25,
      completed: 25,
      durationS: 108.6,
      requestThroughput: 0.23,
      retries: 0,
      progress: [
        { at: "2025-10-27T12:48:20", done: 10, requestThroughput: 0.2, successPct: 40.0 },
        { at: "2025-10-27T12:48:59", done: 20, requestThroughput: 0.22, successPct: 80.0 },
      ],
    },
  ],
  samples: [
    {
      promptId: "0",
      label: "Response 0",
      text: "Okay, let's analyze Candidate 0 and assess their potential fit for the role. Here‚Äôs a breakdown of my assessment, broken down into strengths, areas for potential concern, and overall fit assessment:\n\n**Overall Assessment - Preliminary:**\n\nThis candidate presents a solid foundation for a Software Eng",
      at: "000:57-61",
      truncated: true,
    },
    {
      promptId: "1",
      label: "Response 1",
      text: " collaboratingOkay, let‚Äôs break down this candidate‚Äôs background and assess their potential fit for the role. Here‚Äôs a brief assessment, focusing on strengths and potential areas for further exploration:\n\n**Overall Assessment:** This candidate appears to be a strong candidate with a solid foundation",
      at: "000:64-66",
      truncated: true,
    },
    {
      promptId: "2",
      label: "Response 2",
      text: " workedOkay, let's analyze this candidate‚Äôs background and assess their potential fit for the role. Here‚Äôs a breakdown of my assessment, focusing on key areas and potential strengths and areas for further exploration:\n\n**Overall Assessment: Strong Foundation, but Requires Context & Specificity**\n\nTh",
      at: "000:69-73",
      truncated: true,
    },
  ],
  stated: [
    { figure: "duration", unit: "min", at: "000:38", written: "Total time: 1.8 minutes" },
    { figure: "requestThroughput", at: "000:38", written: "Overall rate: 0.92 req/s" },
    {
      figure: "none",
      at: "000:38",
      written: "Speedup: 4.6x vs sequential",
      why: "not recomputable: the log does not say what it timed as sequential; it is not the workers' busy time over the wall time (the four workers' times add up to just under 4× the run's in every run of the series)",
    },
    { figure: "successRate", at: "000:38", written: "100.0%" },
    { figure: "successRate", at: "000:49", written: "100.0%" },
    { figure: "duration", unit: "min", at: "000:50", written: "1.81 min" },
    { figure: "requestThroughput", at: "000:51", written: "0.92 req/s" },
    { figure: "timePerRequest", unit: "s", at: "000:52", written: "1.09s" },
    { figure: "requestThroughput", at: "000:221", written: "0.92" },
    { figure: "timePerRequest", unit: "s", at: "000:221", written: "1.09" },
    { figure: "duration", unit: "min", at: "000:221", written: "1.8" },
    { figure: "speedup", baseline: BASELINE, by: "requests", at: "000:226", written: "4.07x faster" },
    { figure: "time", requests: 200000, unit: "h", at: "000:230", written: "60.4 hours" },
    { figure: "time", requests: 200000, unit: "days", at: "000:230", written: "2.51 days" },
    {
      figure: "timeSaved",
      baseline: BASELINE,
      requests: 200000,
      unit: "h",
      at: "000:235",
      written: "185.2 hours saved",
    },
  ],
  sources: {
    "workers.0.completed": { at: "000:34", written: "25/25 successful" },
    "workers.0.durationS": { at: "000:34", written: "Time: 105.8s" },
    "workers.0.requestThroughput": { at: "000:40", written: "0.24 req/s" },
    "workers.0.retries": { at: "000:40", written: "0 retries" },
    "workers.1.completed": { at: "000:36", written: "25/25 successful" },
    "workers.1.durationS": { at: "000:36", written: "Time: 107.7s" },
    "workers.1.requestThroughput": { at: "000:41", written: "0.23 req/s" },
    "workers.1.retries": { at: "000:41", written: "0 retries" },
    "workers.2.completed": { at: "000:35", written: "25/25 successful" },
    "workers.2.durationS": { at: "000:35", written: "Time: 106.7s" },
    "workers.2.requestThroughput": { at: "000:42", written: "0.23 req/s" },
    "workers.2.retries": { at: "000:42", written: "0 retries" },
    "workers.3.completed": { at: "000:37", written: "25/25 successful" },
    "workers.3.durationS": { at: "000:37", written: "Time: 108.6s" },
    "workers.3.requestThroughput": { at: "000:43", written: "0.23 req/s" },
    "workers.3.retries": { at: "000:43", written: "0 retries" },
    "figures.requests": { at: "000:48", written: "100" },
    "figures.completed": { at: "000:49", written: "100/100" },
    "figures.durationS": { at: "000:50", written: "108.6s" },
    "figures.concurrency": { at: "000:19", written: "4 workers" },
    "launch.modelSizeGb": { at: "000:10", written: "815MB" },
  },
});
