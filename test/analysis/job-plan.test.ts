// A job plan composes the fit, the calibrated speed, the backtest interval, the time and the cost.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gpuCost } from "../../data-loaders/analysis/cost.ts";
import { planJob, projectCalibration, type PlanRequest } from "../../data-loaders/analysis/job-plan.ts";
import { loadExperiments } from "../../data-loaders/experiment/load.ts";
import { recordedRun } from "../../data-loaders/report/predictions.ts";
import { findGpu, findModel, loadCatalog } from "../../data-loaders/hardware/catalog.ts";
import { PROJECT } from "../helpers/temp.ts";

const catalog = loadCatalog();

describe("a job plan", async () => {
  const load = await loadExperiments(join(PROJECT, "experiments"));
  const cal = projectCalibration(catalog, load.recorded.map(recordedRun));
  const request = (model: string, over: Partial<PlanRequest> = {}): PlanRequest => ({
    model: findModel(catalog, model),
    gpu: findGpu(catalog, "rtx-4080"),
    requests: 200_000,
    concurrency: 32,
    meanPromptTokens: 788,
    meanOutputTokens: 308,
    ...over,
  });

  it("times and prices the job from the predicted rate and its interval", () => {
    const plan = planJob(catalog, cal, request("gemma-3-4b", { gpuDollarsPerHour: 0.5 }));
    const speed = plan.speed!;
    expect(plan.fit.verdict).toBe("tight");
    expect(speed.predicted.concurrency).toBe(plan.fit.concurrency.effective);
    expect(speed.calibration.basis).toBe("this GPU");
    expect(speed.condition).toBeNull();
    const seconds = 200_000 / speed.predicted.requestsPerS;
    expect(plan.job!.seconds).toBeCloseTo(seconds, 6);
    const { lowFactor, highFactor } = cal.interval!;
    expect(speed.totalTokPerSRange![0]).toBeCloseTo(speed.predicted.totalTokPerS * lowFactor, 6);
    expect(plan.job!.range![0]).toBeCloseTo(seconds / highFactor, 6);
    expect(plan.job!.range![1]).toBeCloseTo(seconds / lowFactor, 6);
    expect(plan.cost!.dollars).toBeCloseTo(gpuCost(0.5, seconds), 9);
    expect(plan.cost!.range![1]).toBeCloseTo(gpuCost(0.5, seconds / lowFactor), 9);
    expect(plan.model).toMatchObject({ id: "google/gemma-3-4b-it", parameters: 4_300_079_472, weights: "bf16" });
    expect(plan.alternatives.find((a) => a.weights === "fp8")!.verdict).toBe("fits");
    expect(plan.assumptions.join("\n")).toMatch(
      /speed: efficiency 0\.\d+ and 0\.00 ms per step, calibrated on recorded-/,
    );
  });

  it("predicts at the concurrency the KV cache allows, and at the most it allows", () => {
    const plan = planJob(catalog, cal, request("llama-3.2-1b"));
    expect(plan.speed!.predicted.concurrency).toBe(32);
    expect(plan.speed!.atMaxConcurrency.concurrency).toBe(256);
    expect(plan.speed!.atMaxConcurrency.totalTokPerS).toBeGreaterThan(plan.speed!.predicted.totalTokPerS);
    expect(plan.cost).toBeNull();
  });

  it("predicts a model that does not start at its full context for the context that does", () => {
    const plan = planJob(catalog, cal, request("qwen3-4b-instruct-2507"));
    expect(plan.fit.failure).toBe("max-model-len");
    expect(plan.speed!.condition).toBe(`if started with --max-model-len ≤ ${plan.fit.largestMaxModelLen}`);
  });

  it("gives no speed for a model that does not fit, and says why", () => {
    const plan = planJob(catalog, cal, request("gpt-oss-20b"));
    expect(plan.speed).toBeNull();
    expect(plan.job).toBeNull();
    expect(plan.noSpeed).toBe("it does not fit (see the fit)");
    expect(plan.alternatives.map((a) => a.weights)).toContain("bf16");
  });

  it("lends a GPU without runs the other GPUs' calibration", () => {
    const plan = planJob(catalog, cal, request("gpt-oss-20b", { gpu: findGpu(catalog, "h100-sxm") }));
    expect(plan.fit.verdict).toBe("fits");
    expect(plan.speed!.calibration.basis).toBe("other GPUs");
  });

  it("has no speed without any measured or recorded vLLM run, and refuses a job of no requests", () => {
    const empty = projectCalibration(catalog, []);
    const plan = planJob(catalog, empty, request("llama-3.2-1b"));
    expect(plan.speed).toBeNull();
    expect(plan.noSpeed).toBe("no measured or recorded vllm run on any GPU to calibrate on");
    expect(() => planJob(catalog, cal, request("llama-3.2-1b", { requests: 0 }))).toThrow(
      /requests must be a whole number/,
    );
  });
});
