// Fault injection knobs (experiment/schema.ts `server.faults`) and the stop/restart/dead controls.
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import type { Faults } from "../../data-loaders/sim/faults.ts";
import { startSimulator, type Simulator } from "../../data-loaders/sim/simulator.ts";
import { metricValue, postJson, readSse } from "./http.ts";

const messages = [{ role: "user", content: "Explain continuous batching in a few sentences." }];

async function withSim(faults: Faults, run: (sim: Simulator) => Promise<void>, speedup = 100): Promise<void> {
  const sim = await startSimulator({ profile: "gemma-3-1b@rtx-4080", speedup, seed: 9, faults, groundTruth: true });
  try {
    await run(sim);
  } finally {
    await sim.close();
  }
}

const stream = (sim: Simulator, id: string, extra: Record<string, unknown> = {}) =>
  postJson(
    `${sim.url}/v1/chat/completions`,
    { messages, max_completion_tokens: 60, stream: true, ...extra },
    { "x-request-id": id },
  );

describe("faults", () => {
  it("httpErrors answers with the status in vLLM's error shape, deterministically by request", async () => {
    await withSim({ httpErrors: { "503": 1 } }, async (sim) => {
      const res = await stream(sim, "e1");
      expect(res.status).toBe(503);
      expect((await res.json()).error).toMatchObject({ code: 503, type: "ServiceUnavailableError" });
    });
    const statuses = async (): Promise<number[]> => {
      const out: number[] = [];
      await withSim({ httpErrors: { "500": 0.3, "502": 0.3 } }, async (sim) => {
        for (let i = 0; i < 30; i++) {
          const res = await postJson(
            `${sim.url}/v1/chat/completions`,
            { messages, max_completion_tokens: 2 },
            { "x-request-id": `mix-${i}` },
          );
          await res.arrayBuffer();
          out.push(res.status);
        }
      });
      return out;
    };
    const first = await statuses();
    expect(new Set(first)).toEqual(new Set([200, 500, 502]));
    expect(await statuses()).toEqual(first);
  });

  it("resetBeforeResponse drops the connection without a response", async () => {
    await withSim({ resetBeforeResponse: 1 }, async (sim) => {
      await expect(stream(sim, "r1")).rejects.toThrow();
      expect(sim.groundTruth()[0]).toMatchObject({ requestId: "r1", finishReason: "abort", httpStatus: null });
    });
  });

  it("resetMidStream cuts a 200 stream before [DONE] and aborts the request", async () => {
    await withSim(
      { resetMidStream: 1 },
      async (sim) => {
        const res = await stream(sim, "m1");
        expect(res.status).toBe(200);
        // The events written before the reset arrive; then the body fails without [DONE].
        let received = "";
        const reader = res.body!.getReader();
        const drained = (async () => {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            received += new TextDecoder().decode(value);
          }
        })();
        await expect(drained).rejects.toThrow();
        expect(received).toContain('"role":"assistant"');
        expect(received).not.toContain("[DONE]");
        const truth = sim.groundTruth()[0]!;
        expect(truth.finishReason).toBe("abort");
        expect(truth.completionTokens).toBeGreaterThan(0);
        expect(truth.completionTokens).toBeLessThan(60);
        await new Promise((r) => setTimeout(r, 20));
        const text = await (await fetch(`${sim.url}/metrics`)).text();
        expect(metricValue(text, "vllm:request_success_total", { finished_reason: "abort" })).toBe(1);
      },
      2000,
    );
  });

  it("stall holds the stream for stallMs (÷ speedup) mid-stream", async () => {
    await withSim(
      { stall: 1, stallMs: 3000 },
      async (sim) => {
        const events = await readSse(await stream(sim, "s1"));
        expect(events.at(-1)!.data).toBe("[DONE]");
        const gaps = events.slice(1).map((e, i) => e.atMs - events[i]!.atMs);
        expect(Math.max(...gaps)).toBeGreaterThanOrEqual(290);
        const truth = sim.groundTruth()[0]!;
        const truthGaps = truth.tokenMs.slice(1).map((t, i) => t - truth.tokenMs[i]!);
        expect(Math.max(...truthGaps)).toBeGreaterThanOrEqual(299);
        expect(truthGaps.filter((g) => g > 100)).toHaveLength(1);
      },
      10,
    );
  });

  it("malformedChunk sends exactly one non-JSON event, the stream still ends with [DONE]", async () => {
    await withSim({ malformedChunk: 1 }, async (sim) => {
      const events = await readSse(await stream(sim, "x1"));
      const bad = events.filter((e) => {
        if (e.data === "[DONE]") return false;
        try {
          JSON.parse(e.data);
          return false;
        } catch {
          return true;
        }
      });
      expect(bad).toHaveLength(1);
      expect(events.at(-1)!.data).toBe("[DONE]");
    });
  });

  it("inBandError ends a 200 stream with an {error} event and [DONE]", async () => {
    await withSim({ inBandError: 1 }, async (sim) => {
      const res = await stream(sim, "i1", { stream_options: { include_usage: true } });
      expect(res.status).toBe(200);
      const events = await readSse(res);
      expect(events.at(-1)!.data).toBe("[DONE]");
      const error = JSON.parse(events.at(-2)!.data);
      expect(error).toEqual({
        error: { message: expect.any(String), type: "InternalServerError", param: null, code: 500 },
      });
      expect(events.some((e) => e.data.includes('"finish_reason":"stop"'))).toBe(false);
      await new Promise((r) => setTimeout(r, 20));
      const text = await (await fetch(`${sim.url}/metrics`)).text();
      expect(metricValue(text, "vllm:request_success_total", { finished_reason: "error" })).toBe(1);
    });
  });

  it("slowFirstToken delays the first token by slowFirstTokenMs (÷ speedup)", async () => {
    await withSim(
      { slowFirstToken: 1, slowFirstTokenMs: 2000 },
      async (sim) => {
        const t0 = performance.now();
        const res = await stream(sim, "f1");
        // Headers leave right after validation, as with vLLM: time-to-headers is not TTFT.
        expect(res.status).toBe(200);
        expect(performance.now() - t0).toBeLessThan(150);
        const events = await readSse(res);
        expect(events[0]!.atMs - t0).toBeGreaterThanOrEqual(200);
        const truth = sim.groundTruth()[0]!;
        expect(truth.firstTokenMs! - truth.arrivalMs).toBeGreaterThanOrEqual(200);
      },
      10,
    );
  });

  it("stream faults leave non-streaming requests alone; shares apply per request", async () => {
    await withSim({ resetMidStream: 1, stall: 1, malformedChunk: 1, inBandError: 1 }, async (sim) => {
      const res = await postJson(`${sim.url}/v1/chat/completions`, { messages, max_completion_tokens: 20 });
      expect(res.status).toBe(200);
      expect((await res.json()).usage.completion_tokens).toBe(20);
    });
    await withSim({ malformedChunk: 0.5 }, async (sim) => {
      let broken = 0;
      for (let i = 0; i < 20; i++) {
        const events = await readSse(await stream(sim, `half-${i}`, { max_completion_tokens: 5 }));
        if (events.some((e) => e.data !== "[DONE]" && !e.data.endsWith("}"))) broken++;
      }
      expect(broken).toBeGreaterThan(3);
      expect(broken).toBeLessThan(17);
    });
  });
});

describe("server control", () => {
  it("stop refuses connections; restart listens again on the same port after down + load time", async () => {
    const sim = await startSimulator({ profile: "gemma-3-1b@rtx-4080", speedup: 10, loadTimeMs: 1000 });
    try {
      await sim.ready;
      const res = await postJson(`${sim.url}/v1/chat/completions`, { messages, max_completion_tokens: 3 });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      await sim.stop();
      await expect(fetch(`${sim.url}/health`)).rejects.toThrow();
      const t0 = performance.now();
      const restarted = sim.restart({ downMs: 100 });
      await new Promise((r) => setTimeout(r, 150));
      await expect(fetch(`${sim.url}/health`)).rejects.toThrow();
      await restarted;
      expect(performance.now() - t0).toBeGreaterThanOrEqual(195);
      expect((await fetch(`${sim.url}/health`)).status).toBe(200);
      const text = await (await fetch(`${sim.url}/metrics`)).text();
      expect(metricValue(text, "vllm:request_success_total", { finished_reason: "length" })).toBe(0);
    } finally {
      await sim.close();
    }
  });

  it("setDead fails in-flight streams in-band and new requests with 500", async () => {
    const sim = await startSimulator({ profile: "gemma-3-4b@rtx-4080", speedup: 2 });
    try {
      const res = await postJson(`${sim.url}/v1/chat/completions`, {
        messages,
        max_completion_tokens: 500,
        stream: true,
      });
      const reading = readSse(res);
      await new Promise((r) => setTimeout(r, 150));
      sim.setDead(true);
      const events = await reading;
      expect(events.at(-1)!.data).toBe("[DONE]");
      expect(JSON.parse(events.at(-2)!.data).error.code).toBe(500);
      expect((await fetch(`${sim.url}/health`)).status).toBe(503);
      const fresh = await postJson(`${sim.url}/v1/chat/completions`, { messages, max_completion_tokens: 5 });
      expect(fresh.status).toBe(500);
    } finally {
      await sim.close();
    }
  });
});
