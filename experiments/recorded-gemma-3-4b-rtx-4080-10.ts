import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

export default defineRecorded({
  title: "Gemma 3 4B on the RTX 4080: 10 requests (recorded)",
  notes: `
The first check of Gemma 3 4B on vLLM (report 003's table and roadmap): 10 requests in 33 s at
1,711 tok/s, all successful. No token counts were kept. At the 5,000-request run's 1,096 tokens
per request, 10 requests are about 11,000 tokens, 6.4 s at 1,711 tok/s: the 33 s probably hold
more than the requests (the report does not say), so its request rate here is a lower bound.
`,
  model: "google/gemma-3-4b-it",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "report 003 (history/003_8fec9489659c24de.txt)",
  measuredOn: "2025-10-28",
  figures: { requests: 10, completed: 10, durationS: 33, totalTokenThroughput: 1711 },
  stated: [
    { figure: "successRate", at: "003:39", written: "100%" },
    { figure: "duration", unit: "s", at: "003:236", written: "DONE (33 sec)" },
  ],
  sources: {
    "figures.requests": { at: "003:39", written: "**10**" },
    "figures.durationS": { at: "003:39", written: "33 sec" },
    "figures.totalTokenThroughput": { at: "003:39", written: "1,711 tok/s" },
  },
});
