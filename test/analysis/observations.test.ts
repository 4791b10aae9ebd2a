// Speed observations read from the runs: the users' recorded RTX 4080 runs (their figures, their
// assumptions) and the rules for what a record lacks; measured runs with GPU facts (and the runs
// that are not observations: simulated, remote, without GPU facts); then the calibration and
// leave-one-out backtest on them.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { calibrateMemory } from "../../data-loaders/analysis/fit.ts";
import {
  memoryPoints,
  observationsFromRuns,
  runWorkload,
  type ObservedRun,
} from "../../data-loaders/analysis/observations.ts";
import { backtest, calibrate, calibrationFor, predictionInterval } from "../../data-loaders/analysis/roofline.ts";
import { loadExperiments } from "../../data-loaders/experiment/load.ts";
import { toLoadedRecorded } from "../../data-loaders/experiment/recorded.ts";
import { recordedSchema, type RecordedInput } from "../../data-loaders/experiment/recorded-schema.ts";
import { loadCatalog } from "../../data-loaders/hardware/catalog.ts";
import { recordedRun } from "../../data-loaders/report/predictions.ts";
import type { Manifest } from "../../data-loaders/store/schemas/manifest.ts";
import { makeManifest } from "../site/fixture-store.ts";
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
  const { observations, skipped } = observationsFromRuns(load.recorded.map(recordedRun), catalog, memory);
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
      "vLLM at these settings runs 256 of them at once",
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
  const run = (r: ReturnType<typeof recorded>) => observationsFromRuns([recordedRun(r)], catalog, memory);

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

/** A complete measured run of `model` (60 s, 1,000 requests of 800 + 300 tokens at 32 workers) with the given manifest fields. */
function measured(id: string, over: Partial<Manifest> = {}, steady: number | null = 20_000): ObservedRun {
  const manifest = makeManifest({
    run_id: `2026-01-01-${id}`,
    experiment_id: id,
    source: "measured",
    server: { kind: "launch", endpoint: "http://127.0.0.1:8123", model: "google/gemma-3-4b-it", profile: null },
    counts: { requests: 1000, done: 1000, ok: 1000, error: 0 },
    environment: {
      ...makeManifest({ run_id: "x", experiment_id: "x" }).environment,
      gpus: [{ name: "NVIDIA GeForce RTX 4080", driver: "550", memory_total_mib: 16376 }],
    },
    spec: { server: { launch: { model: "google/gemma-3-4b-it", args: { "--max-num-seqs": 64 } } } },
    ...over,
  });
  return {
    manifest,
    summary: { meanPromptTokens: 800, meanCompletionTokens: 300, totalTokenThroughput: 18_000 },
    steadyTotalTokPerS: steady,
    concurrency: 32,
  };
}

describe("measured runs", () => {
  const observe = (...runs: ObservedRun[]) => observationsFromRuns(runs, catalog, memory);

  it("are observations on the GPU nvidia-smi listed when the tracker launched the server", () => {
    const { observations, skipped } = observe(measured("launched"));
    expect(skipped).toEqual([]);
    const o = observations[0]!;
    expect([o.id, o.kind, o.runId, o.model, o.gpu, o.backend]).toEqual([
      "launched",
      "measured",
      "2026-01-01-launched",
      "google/gemma-3-4b-it",
      "rtx-4080",
      "vllm",
    ]);
    // the steady-state throughput, the run's tokens and the client's 32 (the KV cache holds fewer)
    expect(o.measuredTotalTokPerS).toBe(20_000);
    expect(o.source).toBe("run 2026-01-01-launched; steady-state total token throughput");
    expect([o.input.meanPromptTokens, o.input.meanOutputTokens, o.clientConcurrency]).toEqual([800, 300, 32]);
    expect(o.input.concurrency).toBeLessThan(32);
    expect(o.assumptions).toEqual([`vLLM at these settings runs ${o.input.concurrency} of them at once`]);
  });

  it("read the settings the server reported and the launch flags", () => {
    const run = measured("settings", {
      server_facts: {
        version: "0.11.0",
        root: "google/gemma-3-4b-it",
        max_model_len: 4096,
        cache_config: { gpu_memory_utilization: "0.95", cache_dtype: "fp8_e4m3" },
      },
      spec: { server: { launch: { model: "m", args: { "--max-num-seqs": 16, "--enforce-eager": true } } } },
    });
    const w = runWorkload(run, [run], catalog, memory);
    expect(w.settings).toEqual({
      gpuMemoryUtilization: 0.95,
      maxModelLen: 4096,
      maxNumSeqs: 16,
      kvCacheDtype: "fp8",
      enforceEager: true,
    });
    expect(w.input.concurrency).toBe(16);
    expect(w.input.kvElementBytes).toBe(1);
    expect(w.input.enforceEager).toBe(true);
  });

  it("use the whole-run throughput without a steady state, and a loopback URL server", () => {
    const run = measured(
      "local",
      { server: { kind: "url", endpoint: "http://localhost:8000", model: "gemma-3-4b", profile: null } },
      null,
    );
    const o = observe(run).observations[0]!;
    expect(o.measuredTotalTokPerS).toBe(18_000);
    expect(o.source).toMatch(/whole-run total token throughput$/);
  });

  it("are skipped, saying why, when they are not observations of a known GPU", () => {
    const environment = makeManifest({ run_id: "x", experiment_id: "x" }).environment;
    const reasons = observe(
      measured("remote", {
        server: { kind: "url", endpoint: "http://gpu-box:8000", model: "gemma-3-4b", profile: null },
      }),
      measured("no-gpu", { environment: { ...environment, gpus: null } }),
      measured("tp", { spec: { server: { launch: { model: "m", args: { "--tensor-parallel-size": 2 } } } } }),
      measured("replicas", {
        server: { kind: "url", endpoint: "http://127.0.0.1:1 http://127.0.0.1:2", model: "gemma-3-4b", profile: null },
      }),
      measured("tpu", {
        environment: { ...environment, gpus: [{ name: "TPU v5e", driver: "", memory_total_mib: 1 }] },
      }),
      measured("partial", { status: "partial", reason: "interrupted" }),
      { ...measured("simulated", { source: "simulated" }) },
    ).skipped.map((s) => `${s.id}: ${s.reason}`);
    expect(reasons).toEqual([
      "remote: the GPU is not known: the server (http://gpu-box:8000) is not on the machine whose GPUs the manifest lists",
      "no-gpu: the GPU is not known: nvidia-smi listed no GPU on the machine that ran it",
      "tp: tensor parallel over 2 GPUs: the speed model is for one GPU",
      "replicas: served by several replicas: not one GPU",
      expect.stringMatching(/^tpu: unknown GPU "TPU v5e"/),
      "partial: partial: only complete runs are observations",
      "simulated: simulated: the simulator is not real hardware",
    ]);
  });

  it("come from the spec of each experiment's latest complete run, and leave their repeats out together", () => {
    const old = measured("exp", { spec_hash: "old", run_id: "r1", started_at: "2026-01-01T00:00:00Z" }, 10_000);
    const a = measured("exp", { spec_hash: "new", run_id: "r2", group: { level: null, repeat: 0 } });
    const b = measured("exp", { spec_hash: "new", run_id: "r3", group: { level: null, repeat: 1 } }, 21_000);
    const other = measured("other", {}, 19_000);
    const { observations } = observe(old, a, b, other);
    expect(observations.map((o) => o.id)).toEqual(["exp", "exp #2", "other"]);
    const rows = backtest(observations);
    // each repeat of "exp" is predicted from "other" alone, never from its twin
    const fromOther = calibrationFor(calibrate([observations[2]!]), "rtx-4080")!;
    expect(rows[0]!.calibration!.efficiency).toBeCloseTo(fromOther.efficiency, 12);
    expect(rows[1]!.calibration!.efficiency).toBeCloseTo(fromOther.efficiency, 12);
    expect(rows[0]!.runId).toBe("r2");
  });
});
