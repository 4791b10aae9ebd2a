// The roofline speed model: step costs against hand-computed values, the calibration of (η, τ),
// and the leave-one-out backtest on fixture observations and on the users' recorded runs.
import { describe, expect, it } from "vitest";
import {
  backtest,
  calibrate,
  calibrationFor,
  fitCalibration,
  impliedEfficiency,
  predictionInterval,
  predictSpeed,
  stepCosts,
  type SpeedInput,
  type SpeedObservation,
} from "../../data-loaders/analysis/roofline.ts";
import { findFormat, findGpu, findModel, loadCatalog } from "../../data-loaders/hardware/catalog.ts";

const catalog = loadCatalog();
const rtx4080 = findGpu(catalog, "rtx-4080");

function input(model: string, over: Partial<SpeedInput> = {}): SpeedInput {
  const m = findModel(catalog, model);
  return {
    arch: m.arch,
    format: findFormat(catalog, m.arch.moe ? "mxfp4" : "bf16"),
    gpu: rtx4080,
    meanPromptTokens: 100,
    meanOutputTokens: 100,
    concurrency: 1,
    enforceEager: false,
    kvElementBytes: 2,
    ...over,
  };
}

const PEAK = { efficiency: 1, stepOverheadMs: 0 };

describe("step costs", () => {
  it("for one Llama 3.2 1B sequence on an RTX 4080, by hand", () => {
    const c = stepCosts(input("llama-3.2-1b"), PEAK);
    // Weights 2,471,628,800 bytes at 716.8 GB/s; KV of 150 tokens (P + O/2) × 32,768 bytes.
    expect(c.weightReadMs).toBeCloseTo(2_471_628_800 / 716.8e6, 9);
    expect(c.kvReadMs).toBeCloseTo((150 * 32_768) / 716.8e6, 9);
    // 2 × 1,235,814,400 + 4 × 32 heads × 64 × 150 tokens × 16 layers FLOPs at 97.5 TFLOPS.
    expect(c.computeMs).toBeCloseTo((2 * 1_235_814_400 + 4 * 32 * 64 * 150 * 16) / 97.5e9, 9);
    expect(c.bound).toBe("memory");
    expect(c.decodeStepMs).toBeCloseTo(c.weightReadMs + c.kvReadMs, 12);
    expect(c.prefillMsPerRequest).toBeCloseTo((2 * 1_235_814_400 * 100 + 4 * 32 * 64 * 16 * 5050) / 97.5e9, 9);
    const p = predictSpeed(input("llama-3.2-1b"), PEAK);
    const cycle = 100 * c.decodeStepMs + c.prefillMsPerRequest;
    expect(p.requestsPerS).toBeCloseTo(1000 / cycle, 9);
    expect(p.totalTokPerS).toBeCloseTo((200 * 1000) / cycle, 9);
    expect(p.totalTokPerS).toBeCloseTo(574.6, 1);
  });

  it("turn compute-bound at a large batch and scale with η and τ", () => {
    const big = stepCosts(input("llama-3.2-1b", { concurrency: 512 }), PEAK);
    expect(big.bound).toBe("compute");
    const slow = stepCosts(input("llama-3.2-1b", { concurrency: 512 }), { efficiency: 0.5, stepOverheadMs: 3 });
    expect(slow.decodeStepMs).toBeCloseTo(big.computeMs / 0.5 + 3, 9);
    expect(slow.prefillMsPerRequest).toBeCloseTo(big.prefillMsPerRequest / 0.5, 9);
  });

  it("read more experts as the batch grows (GPT-OSS 20B)", () => {
    const one = stepCosts(input("gpt-oss-20b"), PEAK);
    const many = stepCosts(input("gpt-oss-20b", { concurrency: 32 }), PEAK);
    expect(one.weightReadMs).toBeCloseTo(3_719_695_488 / 716.8e6, 6);
    const expertBytes = 24 * 32 * 3 * 2880 * 2880 * (4.25 / 8);
    const routed = 32 * (1 - (28 / 32) ** 32);
    expect(many.weightReadMs - one.weightReadMs).toBeCloseTo(((routed - 4) / 32) * (expertBytes / 716.8e6), 6);
  });

  it("use the FP8 tensor rate for fp8 weights on a GPU that has it, BF16 on one that does not", () => {
    expect(stepCosts(input("llama-3.2-1b", { format: findFormat(catalog, "fp8") }), PEAK).tensorTflops).toBe(194.9);
    const a100 = findGpu(catalog, "a100-40gb");
    expect(stepCosts(input("llama-3.2-1b", { format: findFormat(catalog, "fp8"), gpu: a100 }), PEAK).tensorTflops).toBe(
      312,
    );
  });

  it("add a launch cost per step with enforce_eager", () => {
    const eager = stepCosts(input("qwen3-4b", { enforceEager: true }), PEAK);
    expect(eager.eagerMs).toBeCloseTo(36 * 12 * 0.005, 12);
    expect(eager.decodeStepMs).toBeCloseTo(eager.weightReadMs + eager.kvReadMs + eager.eagerMs, 9);
  });
});

/** Observations made by the model itself at a known (η, τ). */
function synthetic(truth: { efficiency: number; stepOverheadMs: number }): SpeedObservation[] {
  const cases: [string, number, number, number][] = [
    ["llama-3.2-1b", 256, 308, 121],
    ["gemma-3-4b", 29, 788, 308],
    ["qwen3-4b", 10, 795, 311],
    ["gemma-3-1b", 4, 788, 252],
  ];
  return cases.map(([model, concurrency, p, o]) => {
    const i = input(model, { concurrency, meanPromptTokens: p, meanOutputTokens: o });
    return {
      id: `${model}@${concurrency}`,
      model,
      gpu: "rtx-4080",
      backend: "vllm",
      input: i,
      measuredTotalTokPerS: predictSpeed(i, truth).totalTokPerS,
      source: "fixture",
      assumptions: [],
    };
  });
}

describe("calibration", () => {
  it("recovers η alone, and η with τ, from observations made at them", () => {
    const etaOnly = fitCalibration(synthetic({ efficiency: 0.6, stepOverheadMs: 0 }));
    expect(etaOnly.efficiency).toBeCloseTo(0.6, 9);
    expect(etaOnly.stepOverheadMs).toBe(0);
    const both = fitCalibration(synthetic({ efficiency: 0.3, stepOverheadMs: 10 }));
    expect(both.efficiency).toBeCloseTo(0.3, 9);
    expect(both.stepOverheadMs).toBeCloseTo(10, 6);
    for (const obs of synthetic({ efficiency: 0.6, stepOverheadMs: 0 }))
      expect(impliedEfficiency(obs)).toBeCloseTo(0.6, 9);
  });

  it("never fits a negative step cost", () => {
    const obs = synthetic({ efficiency: 0.6, stepOverheadMs: 0 });
    obs[0] = { ...obs[0]!, measuredTotalTokPerS: obs[0]!.measuredTotalTokPerS * 1.3 };
    expect(fitCalibration(obs).stepOverheadMs).toBeGreaterThanOrEqual(0);
  });

  it("groups by GPU and stack, and lends other GPUs' calibration to a GPU without runs", () => {
    const a = synthetic({ efficiency: 0.6, stepOverheadMs: 0 });
    const b = synthetic({ efficiency: 0.4, stepOverheadMs: 0 }).map((o) => ({ ...o, gpu: "l4", id: `l4-${o.id}` }));
    const cal = calibrate([...a, ...b]);
    expect(calibrationFor(cal, "rtx-4080")!.efficiency).toBeCloseTo(0.6, 9);
    const h100 = calibrationFor(cal, "h100-sxm")!;
    expect(h100.basis).toBe("other GPUs");
    expect(h100.efficiency).toBeCloseTo(Math.sqrt(0.6 * 0.4), 9);
    expect(calibrationFor(cal, "rtx-4080", "ollama")).toBeNull();
  });
});

describe("leave-one-out backtest", () => {
  it("is exact on observations the model itself made", () => {
    const rows = backtest(synthetic({ efficiency: 0.3, stepOverheadMs: 10 }));
    for (const r of rows) expect(Math.abs(r.error!)).toBeLessThan(1e-6);
    expect(predictionInterval(rows)!.highFactor).toBeCloseTo(1, 6);
  });

  it("predicts each observation from the others only", () => {
    const obs = synthetic({ efficiency: 0.6, stepOverheadMs: 0 });
    obs[1] = { ...obs[1]!, measuredTotalTokPerS: obs[1]!.measuredTotalTokPerS * 0.8 };
    const rows = backtest(obs);
    const others = fitCalibration(obs.filter((_, i) => i !== 1));
    expect(rows[1]!.predictedTotalTokPerS).toBeCloseTo(predictSpeed(obs[1]!.input, others).totalTokPerS, 6);
    expect(rows[1]!.error).toBeCloseTo(1 / 0.8 - 1, 6);
    expect(rows[1]!.calibration!.from).not.toContain(obs[1]!.id);
    const interval = predictionInterval(rows)!;
    const worst = Math.max(...rows.map((r) => Math.abs(Math.log(1 + r.error!))));
    expect(interval.highFactor).toBeCloseTo(Math.exp(worst), 9);
    expect(interval.lowFactor).toBeCloseTo(Math.exp(-worst), 9);
  });

  it("cannot predict an observation with no other of its stack", () => {
    const [one] = synthetic({ efficiency: 0.6, stepOverheadMs: 0 });
    const rows = backtest([one!, { ...one!, id: "other", backend: "ollama" }]);
    expect(rows.map((r) => r.predictedTotalTokPerS)).toEqual([null, null]);
    expect(predictionInterval(rows)).toBeNull();
  });
});
