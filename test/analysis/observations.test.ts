// Speed observations read from recorded experiments: the users' RTX 4080 runs (their figures,
// their assumptions) and the rules for what a record lacks; then the calibration and
// leave-one-out backtest on them.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { calibrateMemory } from "../../data-loaders/analysis/fit.ts";
import { memoryPoints, observationsFromRecorded } from "../../data-loaders/analysis/observations.ts";
import { backtest, calibrate, calibrationFor, predictionInterval } from "../../data-loaders/analysis/roofline.ts";
import { loadExperiments } from "../../data-loaders/experiment/load.ts";
import { recordedSchema, toLoadedRecorded, type RecordedInput } from "../../data-loaders/experiment/recorded.ts";
import { loadCatalog } from "../../data-loaders/hardware/catalog.ts";
import { PROJECT } from "../helpers/temp.ts";

const catalog = loadCatalog();
const memory = calibrateMemory(memoryPoints(catalog));
const recorded = (id: string, spec: Partial<RecordedInput> & Pick<RecordedInput, "figures">) =>
  toLoadedRecorded(
    id,
    `experiments/${id}.ts`,
    recordedSchema.parse({ title: id, model: "llama-3.2-1b", hardware: "RTX 4080", origin: "test", ...spec }),
  );

describe("the users' recorded RTX 4080 runs", async () => {
  const load = await loadExperiments(join(PROJECT, "experiments"));
  const { observations, skipped } = observationsFromRecorded(load.recorded, catalog, memory);
  const byId = (id: string) => observations.find((o) => o.id === id)!;

  it("keep the reports' figures: 19,813, 2,511 and 1,533 total tok/s; 0.92, 0.52 and 0.23 req/s", () => {
    expect(byId("recorded-llama-3.2-1b-rtx-4080-5k").measuredTotalTokPerS).toBe(19_813);
    expect(byId("recorded-gemma-3-4b-rtx-4080-5k").measuredTotalTokPerS).toBe(2_511);
    expect(byId("recorded-qwen3-4b-rtx-4080-10").measuredTotalTokPerS).toBe(1_533);
    const reqPerS = (id: string) => {
      const o = byId(id);
      return o.measuredTotalTokPerS / (o.input.meanPromptTokens + o.input.meanOutputTokens);
    };
    expect(reqPerS("recorded-gemma-3-1b-rtx-4080-100")).toBeCloseTo(0.92, 2);
    expect(reqPerS("recorded-gemma-3-4b-rtx-4080-100")).toBeCloseTo(0.52, 2);
    expect(reqPerS("recorded-gemma-3-12b-rtx-4080-100")).toBeCloseTo(0.23, 2);
  });

  it("read tokens from the records, and assume what the records lack, saying so", () => {
    const llama = byId("recorded-llama-3.2-1b-rtx-4080-5k");
    expect([llama.input.meanPromptTokens, llama.input.meanOutputTokens]).toEqual([308, 121.375]);
    expect(llama.input.concurrency).toBe(256);
    expect(llama.assumptions).toEqual([
      "concurrency not recorded: all 5000 requests taken as submitted at once",
      "vLLM at its defaults runs 256 of them at once",
    ]);
    const gemma = byId("recorded-gemma-3-4b-rtx-4080-5k");
    expect(gemma.input.concurrency).toBe(29);
    const series = byId("recorded-gemma-3-12b-rtx-4080-100");
    expect(series.backend).toBe("ollama");
    expect(series.input.format.id).toBe("gguf-q4_k_m");
    expect(series.input.concurrency).toBe(4);
    expect(series.assumptions.join(" ")).toMatch(/Ollama tags .*\(815 MB, 3\.3 GB, 8\.1 GB/);
    expect(series.assumptions).toContain(
      "tokens per request taken from recorded-gemma-3-4b-rtx-4080-5k: 788 prompt, 308 output",
    );
    const reasons = Object.fromEntries(skipped.map((s) => [s.id, s.reason]));
    expect(reasons["recorded-gpt-oss-20b-rtx-4080"]).toBe("did not run (server did not start: tokenizer error)");
    // Runs that were only planned, or still going when reported, are no speed observations.
    expect(reasons["recorded-llama-3.2-3b-rtx-4080-5k"]).toBe("planned, never run");
    expect(reasons["recorded-qwen3-4b-rtx-4080-5k"]).toBe("still running when recorded: no figures of a whole run");
    // The Gemma 3 4B check run of 10 requests kept no token counts.
    expect(reasons["recorded-gemma-3-4b-rtx-4080-10"]).toBe("no token counts recorded");
    expect(Object.keys(reasons)).toHaveLength(12);
  });

  it("calibrate vLLM with an efficiency alone and the other stack with a fixed step cost", () => {
    const cal = calibrate(observations);
    const vllm = calibrationFor(cal, "rtx-4080", "vllm")!;
    expect(vllm.stepOverheadMs).toBe(0);
    expect(vllm.efficiency).toBeGreaterThan(0.4);
    expect(vllm.efficiency).toBeLessThan(0.8);
    const other = calibrationFor(cal, "rtx-4080", "ollama")!;
    expect(other.stepOverheadMs).toBeGreaterThan(5);
  });

  it("predict each run within 25% without seeing it", () => {
    const rows = backtest(observations);
    expect(rows).toHaveLength(6);
    for (const r of rows) expect(Math.abs(r.error!), `${r.id}: ${r.error}`).toBeLessThan(0.25);
    const interval = predictionInterval(rows, "vllm")!;
    expect(interval.from).toHaveLength(3);
    expect(interval.highFactor).toBeLessThan(1.3);
  });
});

describe("records that cannot be observations", () => {
  const run = (r: ReturnType<typeof recorded>) => observationsFromRecorded([r], catalog, memory);

  it("are skipped with the reason", () => {
    expect(
      run(recorded("a", { model: "mistral-7b", figures: { requests: 1, durationS: 1 } })).skipped[0]!.reason,
    ).toMatch(/unknown model "mistral-7b"/);
    expect(
      run(recorded("b", { hardware: "TPU v5e", figures: { requests: 1, durationS: 1 } })).skipped[0]!.reason,
    ).toMatch(/unknown GPU "TPU v5e"/);
    expect(run(recorded("c", { figures: { requests: 10, durationS: 5 } })).skipped[0]!.reason).toBe(
      "no token counts recorded",
    );
    expect(
      run(recorded("d", { figures: { requests: 10, totalInputTokens: 100, totalOutputTokens: 100 } })).skipped[0]!
        .reason,
    ).toBe("no throughput and no duration recorded");
  });

  it("use the recorded concurrency and derive the throughput from the duration", () => {
    const { observations } = run(
      recorded("e", {
        figures: {
          requests: 100,
          completed: 80,
          durationS: 40,
          concurrency: 8,
          totalInputTokens: 8000,
          totalOutputTokens: 1600,
        },
      }),
    );
    const o = observations[0]!;
    expect(o.input.concurrency).toBe(8);
    expect([o.input.meanPromptTokens, o.input.meanOutputTokens]).toEqual([100, 20]);
    expect(o.measuredTotalTokPerS).toBeCloseTo((80 / 40) * 120, 9);
    expect(o.assumptions).toEqual([]);
  });
});
