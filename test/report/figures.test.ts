// The headline figures and costs of one run, from its digest: measured and recorded runs alike.
import { describe, expect, test } from "vitest";
import { recordedSummary } from "../../data-loaders/metrics/recorded.ts";
import { runCosts, runFigures } from "../../data-loaders/report/figures.ts";
import { RECORDED_LLAMA_5K } from "../site/fixture-store.ts";
import { digest, projection } from "./fixture.ts";

describe("runFigures and runCosts", () => {
  test("a recorded run's figures come from its aggregates", () => {
    const recorded = digest({
      experimentId: "rec",
      runId: "r",
      model: "x",
      source: "recorded",
      hasRows: false,
      summary: recordedSummary(RECORDED_LLAMA_5K),
    });
    const f = runFigures(recorded)!;
    expect(f).toMatchObject({ requests: 5000, successRate: 1, durationS: 108, totalTokenThroughput: 19_813 });
    expect(f.meanPromptTokens).toBeCloseTo(308, 9);
    expect(f.meanCompletionTokens).toBeCloseTo(121.375, 9);
    expect(runFigures(digest({ experimentId: "f", runId: "r", model: "x", summary: null }))).toBeNull();
  });

  test("costs use the experiment's prices and GPU $/hour, self-hosted at the rate the run is judged at", () => {
    const d = digest({
      experimentId: "a",
      runId: "r",
      model: "x",
      rate: { requestThroughput: 10, method: "steady-state" },
      projections: [projection("r", 1000, 100)],
    });
    const costs = runCosts(d, {
      prices: [{ label: "api", inputPerMTok: 1, outputPerMTok: 3 }],
      gpuDollarsPerHour: 3.6,
      electricityPerKWh: null,
      agreementField: null,
      publish: "full",
    });
    // 100 prompt + 100 completion tokens per request: (100·1 + 100·3) / 1e6 $ = $0.0004; 100K → $40.
    expect(costs.api[0]!.per100K).toBeCloseTo(40, 9);
    // 10 requests/s at $3.6/hour = $0.0001 per request → $10 per 100K.
    expect(costs.selfHosted!.per100K).toBeCloseTo(10, 9);
    expect(costs.projected[0]!.dollars).toBeCloseTo(0.1, 9);
    const none = { prices: [], gpuDollarsPerHour: null, electricityPerKWh: null, agreementField: null };
    expect(runCosts(d, { ...none, publish: "full" })).toEqual({
      api: [],
      selfHosted: null,
      projected: [],
      energy: null,
    });
    // Without a rate (nothing succeeded) there is no self-hosted cost per request.
    const settings = { ...none, gpuDollarsPerHour: 3.6, publish: "full" as const };
    expect(runCosts({ ...d, rate: null, projections: [] }, settings).selfHosted).toBeNull();
  });

  test("energy cost comes from the run's joules per request and the experiment's electricity $/kWh", () => {
    const energy = {
      joules: 72_000,
      perGpu: [],
      windowS: 240,
      coverage: 1,
      joulesPerOutputToken: 0.9,
      joulesPerRequest: 36,
      power: [],
    };
    const d = digest({ experimentId: "e", runId: "r", model: "x", energy });
    const settings = { prices: [], gpuDollarsPerHour: null, agreementField: null, publish: "full" as const };
    // 36 J per request · 100K = 3.6 MJ = 1 kWh; at $0.30/kWh → $0.30 per 100K.
    const cost = runCosts(d, { ...settings, electricityPerKWh: 0.3 }).energy!;
    expect(cost.kWhPer100K).toBeCloseTo(1, 12);
    expect(cost.per100K).toBeCloseTo(0.3, 12);
    expect(cost.per1M).toBeCloseTo(3, 12);
    expect(runCosts(d, { ...settings, electricityPerKWh: null }).energy).toBeNull();
    expect(runCosts({ ...d, energy: null }, { ...settings, electricityPerKWh: 0.3 }).energy).toBeNull();
  });
});
