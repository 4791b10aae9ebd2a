import { defineRecorded } from "../data-loaders/experiment/recorded.ts";

export default defineRecorded({
  title: "OLMo 1B on the RTX 4080 (planned, never run)",
  notes: `
Planned in reports 001–003 (the 5,000-request batch report 003's roadmap plans for it), never run. Report 001 names the checkpoint
\`allenai/OLMo-1B-0724-hf\`, report 003 \`allenai/OLMo-1B-hf\` (an older one); the record follows 001,
which also gives the test script.
`,
  model: "allenai/OLMo-1B-0724-hf",
  hardware: "NVIDIA GeForce RTX 4080 (16 GB)",
  origin: "report 001 (history/001_16dc6ab222271ced.txt) and report 003",
  status: "pending",
  figures: { requests: 5000 },
  estimates: {
    verdict: { text: "SHOULD WORK EASILY", at: "003:196" },
    modelSizeGb: 2,
    memoryGb: 4.5,
    totalTokenThroughput: 20000,
    durationS: 2 * 60,
    expectations: [
      { text: "Fast like Llama 1B, possibly better quality", at: "001:190" },
      { text: "Very fast", at: "003:199" },
      { text: "Good for simple tasks", at: "003:200" },
    ],
  },
  sources: {
    "estimates.modelSizeGb": { at: "001:189", written: "~2 GB" },
    "estimates.memoryGb": { at: "003:195", written: "~4.5 GB total (estimated)" },
    "estimates.totalTokenThroughput": { at: "003:264", written: "Est: 20,000+" },
    "estimates.durationS": { at: "003:264", written: "Est: <2 min" },
  },
});
