// A recorded run's aggregates in the shape of a measured run's summary, null where nothing was recorded.
import { describe, expect, it } from "vitest";
import { recordedSummary, type RecordedAggregates } from "../../data-loaders/metrics/recorded.ts";
import { RECORDED_LLAMA_5K } from "../site/fixture-store.ts";

const STUDY: RecordedAggregates = {
  origin: "study",
  requests: 5000,
  completed: 5000,
  duration_s: 2208,
  total_token_throughput: null,
  output_throughput: null,
  request_throughput: null,
  total_input_tokens: 3_940_000,
  total_output_tokens: 1_540_000,
  mean_ttft_ms: null,
  mean_tpot_ms: null,
  mean_e2el_ms: null,
  concurrency: null,
};

describe("recordedSummary", () => {
  it("derives a recorded run's token means from its totals", () => {
    const s = recordedSummary(STUDY);
    expect(s).toMatchObject({ completed: 5000, durationS: 2208, meanPromptTokens: 788, meanCompletionTokens: 308 });
    expect(s.outputInputRatio).toBeCloseTo(308 / 788, 12);
    const partial = recordedSummary({ ...STUDY, completed: null, total_output_tokens: null, duration_s: null });
    // Without `completed` the means are over every request; what was not recorded stays null.
    expect(partial).toMatchObject({
      completed: null,
      durationS: null,
      meanPromptTokens: 788,
      meanCompletionTokens: null,
    });
    expect(partial).toMatchObject({ failed: null, successRate: null, outputInputRatio: null, requestThroughput: null });
  });

  it("keeps the recorded throughputs, and computes the missing ones from totals and duration", () => {
    const recorded = recordedSummary(RECORDED_LLAMA_5K);
    expect(recorded).toMatchObject({
      requests: 5000,
      completed: 5000,
      failed: 0,
      successRate: 1,
      durationS: 108,
      requestThroughput: 46.3,
      outputThroughput: 5619,
      totalTokenThroughput: 19_813,
    });
    const derived = recordedSummary(STUDY);
    expect(derived.requestThroughput).toBeCloseTo(5000 / 2208, 12);
    expect(derived.outputThroughput).toBeCloseTo(1_540_000 / 2208, 9);
    expect(derived.totalTokenThroughput).toBeCloseTo((3_940_000 + 1_540_000) / 2208, 9);
  });

  it("fills the latency means it has and nothing else of the distributions", () => {
    const s = recordedSummary({ ...STUDY, mean_ttft_ms: 120, mean_e2el_ms: 4000 });
    expect(s.ttftMs).toMatchObject({ mean: 120, n: null, p50: null, p99: null });
    expect(s.e2elMs.mean).toBe(4000);
    expect(s.tpotMs.mean).toBeNull();
    expect(Object.values(s.itlMs).every((v) => v === null)).toBe(true);
    expect(s.missingUsage).toBeNull();
  });
});
