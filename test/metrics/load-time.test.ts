// The load-time breakdown of a launched server, from the timings of recorded vLLM start-up logs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTimeBreakdown } from "../../data-loaders/metrics/load-time.ts";
import { parseStartupLog } from "../../data-loaders/server/startup-log.ts";

const log = (name: string) =>
  parseStartupLog(readFileSync(join(import.meta.dirname, "../fixtures/vllm", name), "utf8"));
const sum = (segments: { seconds: number }[]) => segments.reduce((s, x) => s + x.seconds, 0);

describe("loadTimeBreakdown", () => {
  it("splits the 0.9.0.1 V1 log's start-up (with a measured load time of 52 s, ready line at 51 s)", () => {
    const f = log("startup-log-0.9.0.1-v1-2025-06.txt");
    const segments = loadTimeBreakdown({ ...f, load_time_s: 52, ready_line_s: 51 });
    const by = Object.fromEntries(segments.map((s) => [s.label, s.seconds]));
    expect(by.weights).toBe(1.16);
    expect(by["model loading, other"]).toBeCloseTo(1.677846 - 1.16, 9);
    expect(by["torch.compile"]).toBe(8.69);
    expect(by["CUDA-graph capture"]).toBe(31);
    expect(by["engine init, other"]).toBeCloseTo(47.64 - 8.69 - 31, 9);
    expect(by["process start and API server"]).toBeCloseTo(51 - 1.677846 - 47.64, 9);
    expect(by["until /health answered"]).toBe(1);
    expect(sum(segments)).toBeCloseTo(52, 9);
  });

  it("the V0 log states fewer durations: what is unknown falls into the start-up remainder", () => {
    const f = log("startup-log-0.9.2-v0-cpu-2025-07.txt");
    const segments = loadTimeBreakdown({ ...f, load_time_s: 14, ready_line_s: null });
    expect(segments.map((s) => s.label)).toEqual(["weights", "engine init, other", "process start and API server"]);
    expect(segments[2]!.seconds).toBeCloseTo(14 - 1.28 - 0.66, 9);
    expect(sum(segments)).toBeCloseTo(14, 9);
  });

  it("nothing without a measured load time; remainders never below zero", () => {
    expect(loadTimeBreakdown({ load_time_s: null, weights_load_s: 3 })).toEqual([]);
    const odd = loadTimeBreakdown({
      load_time_s: 10,
      weights_load_s: null,
      init_engine_s: 5,
      torch_compile_s: 4,
      cuda_graph_s: 3,
    });
    expect(odd.find((s) => s.label === "engine init, other")!.seconds).toBe(0);
  });
});
