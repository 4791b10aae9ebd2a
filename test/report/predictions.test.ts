// Predictions over a fixture store that holds the users' recorded RTX 4080 runs (materialised as
// the build does), a measured run of a launched server with its rows, and a simulated run of a
// derived profile: which runs calibrate the speed model, the leave-one-out backtest the site
// shows, the matrix's predictions, each run's prediction beside its measurement, and the pages.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { projectCalibration } from "../../data-loaders/analysis/job-plan.ts";
import { backtest, calibrate, calibrationFor, predictSpeed } from "../../data-loaders/analysis/roofline.ts";
import { loadExperiments } from "../../data-loaders/experiment/load.ts";
import {
  materialiseRecorded,
  recordedIndexEntries,
  type LoadedRecorded,
} from "../../data-loaders/experiment/recorded.ts";
import { loadCatalog } from "../../data-loaders/hardware/catalog.ts";
import { predictionsPage } from "../../data-loaders/report/pages/predictions.ts";
import { speedModel } from "../../data-loaders/report/pages/projections.ts";
import { benchmarkMatrix } from "../../data-loaders/report/pages/overview.ts";
import {
  matrixPredictions,
  observedRuns,
  recordedRun,
  runPrediction,
  storeCalibration,
} from "../../data-loaders/report/predictions.ts";
import { storeView } from "../../data-loaders/report/store.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";
import { makeEntry, makeManifest, timedRow, writeIndex, writeRun } from "../site/fixture-store.ts";

const tmp = tempDir("predictions");
const results = join(tmp.dir, "results");
const experiments = join(tmp.dir, "experiments");
const catalog = loadCatalog();
const memo = process.env.TRACKER_DIGEST_CACHE;
let recorded: LoadedRecorded[];

/** 400 requests, 8 at a time, each 7 s: 800 prompt + 300 output tokens (about what the speed model predicts). */
function closedLoopRows(runId: string, experimentId: string) {
  return Array.from({ length: 400 }, (_, i) =>
    timedRow(
      { run_id: runId, experiment_id: experimentId, request_index: i },
      { sentMs: Math.floor(i / 8) * 7000, ttftMs: 100, tpotMs: 6900 / 299, promptTokens: 800, tokens: 300, answer: "" },
    ),
  );
}

const gpus = [{ name: "NVIDIA GeForce RTX 4080", driver: "550.54", memory_total_mib: 16376 }];

beforeAll(async () => {
  process.env.TRACKER_DIGEST_CACHE = join(tmp.dir, "memo");
  recorded = (await loadExperiments(join(PROJECT, "experiments"))).recorded;
  materialiseRecorded(recorded, results, () => {});
  await writeRun(
    results,
    makeManifest({
      run_id: "run-m",
      experiment_id: "measured-gemma",
      source: "measured",
      spec: {
        requests: 400,
        load: { concurrency: 8 },
        server: { launch: { model: "google/gemma-3-4b-it", args: {} } },
      },
      server: { kind: "launch", endpoint: "http://127.0.0.1:8123", model: "google/gemma-3-4b-it", profile: null },
      counts: { requests: 400, done: 400, ok: 400, error: 0 },
      environment: { ...makeManifest({ run_id: "x", experiment_id: "x" }).environment, gpus },
    }),
    closedLoopRows("run-m", "measured-gemma"),
  );
  await writeRun(
    results,
    makeManifest({
      run_id: "run-s",
      experiment_id: "sim-olmo",
      spec: { requests: 400, load: { concurrency: 8 } },
      server: {
        kind: "simulate",
        endpoint: "http://127.0.0.1:1",
        model: "allenai/OLMo-1B-hf",
        profile: "olmo-1b@rtx-4080",
      },
      counts: { requests: 400, done: 400, ok: 400, error: 0 },
    }),
    closedLoopRows("run-s", "sim-olmo"),
  );
  writeIndex(results, [
    ...recordedIndexEntries(recorded, results, () => {}),
    makeEntry({
      id: "measured-gemma",
      title: "measured",
      state: "fresh",
      run_id: "run-m",
      model: "google/gemma-3-4b-it",
    }),
    makeEntry({
      id: "sim-olmo",
      title: "sim",
      state: "fresh",
      run_id: "run-s",
      model: "allenai/OLMo-1B-hf",
      simulated: true,
    }),
    makeEntry({
      id: "planned-llama",
      title: "planned",
      state: "pending",
      model: "meta-llama/Llama-3.2-3B-Instruct",
      spec: { requests: 50_000 },
    }),
  ]);
}, 120_000);
afterAll(() => {
  if (memo === undefined) delete process.env.TRACKER_DIGEST_CACHE;
  else process.env.TRACKER_DIGEST_CACHE = memo;
  tmp.cleanup();
});

const view = () => storeView({ results, experiments });

describe("the speed model on the store's runs", () => {
  test("observes the recorded and the measured runs, never the simulated one", async () => {
    const v = await view();
    const { cal } = storeCalibration(v.digests, v.folder);
    expect(cal.observations.map((o) => o.id).sort()).toEqual([
      "measured-gemma",
      "recorded-gemma-3-12b-rtx-4080-100",
      "recorded-gemma-3-1b-rtx-4080-100",
      "recorded-gemma-3-4b-rtx-4080-100",
      "recorded-gemma-3-4b-rtx-4080-5k",
      "recorded-llama-3.2-1b-rtx-4080-5k",
      "recorded-qwen3-4b-rtx-4080-10",
    ]);
    const measured = cal.observations.find((o) => o.id === "measured-gemma")!;
    expect(measured).toMatchObject({ kind: "measured", runId: "run-m", gpu: "rtx-4080", backend: "vllm" });
    expect([measured.input.meanPromptTokens, measured.input.meanOutputTokens, measured.clientConcurrency]).toEqual([
      800, 300, 8,
    ]);
    // 8 requests of 1,100 tokens every 7 s, in its steady state
    expect(measured.measuredTotalTokPerS).toBeCloseTo((8 * 1100) / 7, 0);
    expect(cal.skipped).toEqual(
      expect.arrayContaining([
        { id: "sim-olmo", runId: "run-s", reason: "simulated: the simulator is not real hardware" },
        expect.objectContaining({ id: "recorded-gpt-oss-20b-rtx-4080", reason: expect.stringMatching(/^did not run/) }),
      ]),
    );
  });

  test("backtests each run against a calibration that never saw it", async () => {
    const v = await view();
    const { cal } = storeCalibration(v.digests, v.folder);
    const rows = speedModel(v).backtest;
    expect(rows).toHaveLength(cal.observations.length);
    for (const o of cal.observations) {
      const others = cal.observations.filter((x) => x !== o);
      const choice = calibrationFor(calibrate(others), o.gpu, o.backend)!;
      const row = rows.find((r) => r.id === o.id)!;
      expect(row.predictedTotalTokPerS).toBeCloseTo(predictSpeed(o.input, choice).totalTokPerS, 6);
      expect(row.error).toBeCloseTo(row.predictedTotalTokPerS! / o.measuredTotalTokPerS - 1, 12);
      expect(row.calibratedOn!.from).not.toContain(o.id);
    }
    const reports = [
      "recorded-llama-3.2-1b-rtx-4080-5k",
      "recorded-gemma-3-4b-rtx-4080-5k",
      "recorded-qwen3-4b-rtx-4080-10",
    ];
    expect(reports.map((id) => rows.find((r) => r.id === id)!.measuredTotalTokPerS)).toEqual([19_813, 2_511, 1_533]);
    for (const id of reports) expect(Math.abs(rows.find((r) => r.id === id)!.error!), id).toBeLessThan(0.3);
  });

  test("tracker plan reads the same runs: the store's, plus recorded files it does not hold yet", async () => {
    const fromStore = await observedRuns(results, recorded);
    const v = await view();
    const a = projectCalibration(catalog, fromStore);
    const b = storeCalibration(v.digests, v.folder).cal;
    expect(a.backtest.map((r) => [r.id, r.error])).toEqual(b.backtest.map((r) => [r.id, r.error]));
    // an empty store: the recorded experiment files alone
    const empty = await observedRuns(join(tmp.dir, "no-results"), recorded);
    expect(empty).toHaveLength(recorded.length);
    const fromFiles = projectCalibration(catalog, recorded.map(recordedRun));
    expect(projectCalibration(catalog, empty).backtest).toEqual(fromFiles.backtest);
    expect(backtest(fromFiles.observations).map((r) => r.id)).not.toContain("measured-gemma");
  });
});

describe("predictions beside measurements", () => {
  test("the matrix predicts every catalog model on the GPU most runs ran on", async () => {
    const v = await view();
    const p = matrixPredictions(storeCalibration(v.digests, v.folder).cal)!;
    expect(p.gpu.id).toBe("rtx-4080");
    // the largest vLLM run on it (5,000 requests; the first by name of the two) sets the workload
    expect(p.workload).toMatchObject({
      from: "recorded-gemma-3-4b-rtx-4080-5k",
      allAtOnce: true,
      meanPromptTokens: 788,
    });
    expect(Object.keys(p.models)).toEqual(catalog.models.map((m) => m.id));
    expect(p.models["google/gemma-3-12b-it"]).toMatchObject({ verdict: "does not fit", requestsPerS: null });
    expect(p.models["google/gemma-3-12b-it"]!.note).toMatch(/no room for a KV cache; fits as .*gguf-q4_k_m/);
    const llama = p.models["meta-llama/Llama-3.2-1B-Instruct"]!;
    expect(llama.verdict).toBe("fits");
    expect(llama.totalTokPerSRange![0]).toBeLessThan(llama.totalTokPerS!);

    const matrix = benchmarkMatrix(v.entries, v.digests, p);
    expect(matrix.prediction!.gpu.id).toBe("rtx-4080");
    // a measured cell stays measured; its model's untested counts are extrapolated, not predicted
    expect(matrix.cells["google/gemma-3-4b-it"]!["400"]!.kind).toBe("measured");
    expect(matrix.cells["google/gemma-3-4b-it"]!["200000"]!.kind).toBe("extrapolated");
    // a catalog model without runs: predicted, with its fit and interval
    const olmo7b = matrix.cells["allenai/OLMo-7B-hf"]!["200000"]!;
    expect(olmo7b).toMatchObject({ kind: "predicted", fit: "does not fit", seconds: null, runId: null });
    const llama3b = matrix.cells["meta-llama/Llama-3.2-3B-Instruct"]!;
    expect(llama3b["200000"]).toMatchObject({ kind: "predicted", fit: "does not fit" });
    // the pending experiment has no run to extrapolate from: its estimate is the prediction
    expect(llama3b["50000"]).toMatchObject({ kind: "pending", estimate: "predicted", experimentId: "planned-llama" });
    // Models of runs and experiments (planned ones too) first, then the catalog's other models.
    const ids = matrix.models;
    const named = new Set([...v.digests.map((d) => d.model), ...v.entries.flatMap((e) => (e.model ? [e.model] : []))]);
    const firstPredicted = ids.findIndex((id) => !named.has(id));
    expect(firstPredicted).toBeGreaterThan(0);
    expect(ids.slice(firstPredicted).filter((id) => named.has(id))).toEqual([]);
    const l1b = matrix.cells["meta-llama/Llama-3.2-1B-Instruct"]!;
    expect(l1b["5000"]!.kind).toBe("recorded");
    expect(l1b["100"]).toMatchObject({ kind: "predicted", fit: "fits" });
    const t = l1b["100"]!;
    expect(t.seconds).toBeCloseTo(100 / llama.requestsPerS!, 9);
    expect(t.lo!).toBeLessThan(t.seconds!);
    expect(t.hi!).toBeGreaterThan(t.seconds!);
  });

  test("a measured run is predicted without itself; a simulated run from every observation", async () => {
    const v = await view();
    const { cal, runs } = storeCalibration(v.digests, v.folder);
    const all = [...runs.values()];
    const byRun = (runId: string) => all.find((r) => r.manifest.run_id === runId)!;
    const m = runPrediction(byRun("run-m"), all, cal);
    if ("unavailable" in m) throw new Error(m.unavailable);
    const row = cal.backtest.find((r) => r.runId === "run-m")!;
    expect(m).toMatchObject({ basis: "left out", verdict: "fits", concurrency: 8, model: "google/gemma-3-4b-it" });
    expect(m.predicted.totalTokPerS).toBeCloseTo(row.predictedTotalTokPerS!, 6);
    expect(m.error).toBeCloseTo(row.error!, 9);
    expect(m.measured!.what).toBe("steady-state total token throughput");
    const s = runPrediction(byRun("run-s"), all, cal);
    if ("unavailable" in s) throw new Error(s.unavailable);
    expect(s).toMatchObject({ basis: "all", model: "allenai/OLMo-1B-hf", gpu: "NVIDIA GeForce RTX 4080 16 GB" });
    expect(s.calibration.from).toContain("measured-gemma");
    const failed = runPrediction(
      byRun(v.entries.find((e) => e.id === "recorded-gpt-oss-20b-rtx-4080")!.run_id!),
      all,
      cal,
    );
    expect(failed).toMatchObject({ unavailable: expect.stringMatching(/no token counts recorded/) });
  });

  test("the experiment pages' file holds the prediction of each shown run", async () => {
    const page = await predictionsPage({ results, experiments });
    expect(page.byExperiment["measured-gemma"]).toMatchObject({ basis: "left out", runId: "run-m" });
    expect(page.byExperiment["sim-olmo"]).toMatchObject({ basis: "all" });
    expect(page.byExperiment["planned-llama"]).toBeUndefined();
    expect(page.interval!.from.length).toBeGreaterThan(2);
  });
});
