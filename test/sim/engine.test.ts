// The continuous-batching engine: saturation with concurrency, queueing in TTFT, KV-cache
// preemption, and per-token timing (exact step times, one SSE chunk per token).
import { describe, expect, it } from "vitest";
import { generateCandidatePrompts } from "../../data-loaders/experiment/candidate-profiles.ts";
import { PROFILES } from "../../data-loaders/sim/profiles.ts";
import { startSimulator } from "../../data-loaders/sim/simulator.ts";
import { jsonEvents, metricValue, postJson, readSse, type Json } from "./http.ts";
import { runClosedLoop } from "./load.ts";

const prompts = generateCandidatePrompts(100, 21, "detailed");
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe("engine", () => {
  it("throughput rises with concurrency and flattens; TTFT grows with queueing", { timeout: 60_000 }, async () => {
    // 20, not faster: at speedup 50 a 40 ms pause of a machine running other tests beside this one
    // cost c=16 a fifth of its window and let c=48 look like it still scaled.
    const speedup = 20;
    const sim = await startSimulator({ profile: "gemma-3-12b@rtx-4080", speedup, groundTruth: true });
    try {
      await runClosedLoop(sim, prompts, { concurrency: 2, requests: 4, maxTokens: 8, idPrefix: "warm-up" });
      const points: { c: number; tokPerS: number; ttftMs: number }[] = [];
      for (const c of [1, 4, 16, 48]) {
        // At least 16 requests: at speedup 50 one 20 ms pause of a loaded machine is a simulated
        // second, and the median of c=1's 8 requests would rest on a few of them.
        await runClosedLoop(sim, prompts, {
          concurrency: c,
          requests: Math.max(16, 4 * c + 4),
          maxTokens: 64,
          idPrefix: `c${c}`,
        });
        const records = sim.groundTruth().filter((r) => r.requestId.startsWith(`c${c}-`));
        const first = Math.min(...records.map((r) => r.arrivalMs));
        const last = Math.max(...records.map((r) => r.tokenMs.at(-1)!));
        // Generated tokens per simulated second in the middle half of the run (no ramp-up or drain).
        const lo = first + (last - first) / 4;
        const hi = last - (last - first) / 4;
        const tokens = records.reduce((a, r) => a + r.tokenMs.filter((t) => t >= lo && t < hi).length, 0);
        const ttftMs = median(records.map((r) => (r.firstTokenMs! - r.arrivalMs) * speedup));
        points.push({ c, tokPerS: tokens / (((hi - lo) * speedup) / 1000), ttftMs });
      }
      console.log(
        points
          .map((p) => `c=${p.c}: ${p.tokPerS.toFixed(1)} generated tok/s, median TTFT ${p.ttftMs.toFixed(0)} ms`)
          .join("\n"),
      );
      const [c1, c4, c16, c48] = points as [
        (typeof points)[0],
        (typeof points)[0],
        (typeof points)[0],
        (typeof points)[0],
      ];
      expect(c4.tokPerS).toBeGreaterThan(2.5 * c1.tokPerS);
      expect(c16.tokPerS).toBeGreaterThan(1.3 * c4.tokPerS);
      // KV capacity (12,288 tokens ≈ 14 of these sequences) caps the batch: 48 workers gain little over 16.
      expect(c48.tokPerS).toBeLessThan(1.2 * c16.tokPerS);
      expect(c48.ttftMs).toBeGreaterThan(3 * c16.ttftMs);
      expect(c16.ttftMs).toBeGreaterThan(c1.ttftMs);
    } finally {
      await sim.close();
    }
  });

  it("preempts the newest sequence when the KV cache runs out, and still finishes everything", async () => {
    const sim = await startSimulator({ profile: "gemma-3-12b@rtx-4080", speedup: 30, groundTruth: true }); // slow enough for the scrapes to see the peak
    try {
      let peakKv = 0;
      let peakWaiting = 0;
      let done = false;
      const scrape = (async () => {
        while (!done) {
          const text = await (await fetch(`${sim.url}/metrics`)).text();
          peakKv = Math.max(peakKv, metricValue(text, "vllm:kv_cache_usage_perc"));
          peakWaiting = Math.max(peakWaiting, metricValue(text, "vllm:num_requests_waiting"));
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const bodies = await Promise.all(
        prompts.slice(0, 20).map(
          async (p) =>
            (await (
              await postJson(`${sim.url}/v1/chat/completions`, {
                messages: p.messages,
                max_completion_tokens: 2000,
                temperature: 0,
              })
            ).json()) as Json,
        ),
      );
      done = true;
      await scrape;
      const text = await (await fetch(`${sim.url}/metrics`)).text();
      expect(metricValue(text, "vllm:num_preemptions_total")).toBeGreaterThan(0);
      expect(metricValue(text, "vllm:request_success_total", { finished_reason: "stop" })).toBe(20);
      expect(peakKv).toBeGreaterThan(0.9);
      expect(peakKv).toBeLessThanOrEqual(1);
      expect(peakWaiting).toBeGreaterThan(0);
      for (const b of bodies) expect(b.choices[0].finish_reason).toBe("stop");
      const generated = bodies.reduce((a, b) => a + b.usage.completion_tokens, 0);
      expect(metricValue(text, "vllm:generation_tokens_total")).toBe(generated);
    } finally {
      await sim.close();
    }
  });

  it("streams one chunk per engine step, at the simulated step times", async () => {
    const sim = await startSimulator({ profile: "gemma-3-4b@rtx-4080", speedup: 1, groundTruth: true });
    try {
      const res = await postJson(
        `${sim.url}/v1/chat/completions`,
        { messages: prompts[0]!.messages, max_completion_tokens: 25, stream: true },
        { "x-request-id": "timing" },
      );
      const events = await readSse(res);
      const truth = sim.groundTruth().find((r) => r.requestId === "timing")!;
      const { fixedMs, decodeMsPerSeq, prefillMsPerToken } = PROFILES["gemma-3-4b@rtx-4080"].speed;
      const gaps = truth.tokenMs.slice(1).map((t, i) => t - truth.tokenMs[i]!);
      for (const g of gaps) expect(g).toBeCloseTo(fixedMs + decodeMsPerSeq, 6);
      expect(truth.firstTokenMs! - truth.arrivalMs).toBeGreaterThanOrEqual(
        fixedMs + truth.promptTokens * prefillMsPerToken - 0.01,
      );
      // Content chunks (role chunk excluded) arrive at most a few ms after the server's token time.
      const tokenEvents = events.filter((e) => e.data !== "[DONE]").slice(1);
      expect(tokenEvents).toHaveLength(truth.tokenMs.length);
      const lateness = tokenEvents.map((e, i) => e.atMs - truth.tokenMs[i]!);
      expect(Math.min(...lateness)).toBeGreaterThanOrEqual(0);
      expect(median(lateness)).toBeLessThan(8);
      const clientGaps = tokenEvents.slice(1).map((e, i) => e.atMs - tokenEvents[i]!.atMs);
      expect(median(clientGaps)).toBeGreaterThan(15);
      expect(median(clientGaps)).toBeLessThan(35);
    } finally {
      await sim.close();
    }
  });

  it("runs several steps per timer tick at high speedup, keeping token times exact", async () => {
    const speedup = 2000;
    const sim = await startSimulator({ profile: "gemma-3-4b@rtx-4080", speedup, groundTruth: true });
    try {
      const res = await postJson(
        `${sim.url}/v1/chat/completions`,
        { messages: prompts[0]!.messages, max_completion_tokens: 200, stream: true },
        { "x-request-id": "fast" },
      );
      const events = jsonEvents(await readSse(res));
      const truth = sim.groundTruth().find((r) => r.requestId === "fast")!;
      const { fixedMs, decodeMsPerSeq } = PROFILES["gemma-3-4b@rtx-4080"].speed;
      expect(truth.tokenMs).toHaveLength(200);
      expect(events).toHaveLength(201);
      const span = truth.tokenMs.at(-1)! - truth.tokenMs[0]!;
      expect(span).toBeCloseTo((199 * (fixedMs + decodeMsPerSeq)) / speedup, 6);
    } finally {
      await sim.close();
    }
  });
});
