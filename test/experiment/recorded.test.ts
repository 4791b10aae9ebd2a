import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadExperiment, loadExperiments } from "../../data-loaders/experiment/load.ts";
import { materialiseRecorded, recordedIndexEntries, toLoadedRecorded } from "../../data-loaders/experiment/recorded.ts";
import { recordedSchema } from "../../data-loaders/experiment/recorded-schema.ts";
import { planExperiments, writeExperimentIndex } from "../../data-loaders/run/plan.ts";
import { listRuns } from "../../data-loaders/store/folders.ts";
import { readExperimentIndex } from "../../data-loaders/store/index.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";

const tmp = tempDir("recorded");
afterAll(() => tmp.cleanup());

describe("the shipped RTX 4080 recorded experiments", async () => {
  const load = await loadExperiments(join(PROJECT, "experiments"));
  const byId = (id: string) => load.recorded.find((r) => r.id === id)!;

  it("load as recorded, apart from the experiments that run", () => {
    expect(load.errors).toEqual([]);
    expect(load.recorded.map((r) => r.id).sort()).toEqual([
      "recorded-gemma-3-12b-qat-rtx-4080-5k",
      "recorded-gemma-3-12b-rtx-4080-100",
      "recorded-gemma-3-12b-rtx-4080-5k",
      "recorded-gemma-3-1b-rtx-4080-100",
      "recorded-gemma-3-4b-rtx-4080-10",
      "recorded-gemma-3-4b-rtx-4080-100",
      "recorded-gemma-3-4b-rtx-4080-5k",
      "recorded-gpt-oss-20b-rtx-4080",
      "recorded-llama-3.2-1b-rtx-4080-5k",
      "recorded-llama-3.2-3b-rtx-4080-5k",
      "recorded-olmo-13b-rtx-4080-5k",
      "recorded-olmo-1b-rtx-4080-5k",
      "recorded-olmo-7b-rtx-4080-5k",
      "recorded-qwen2.5-14b-rtx-4080-5k",
      "recorded-qwen2.5-4b-rtx-4080-5k",
      "recorded-qwen2.5-7b-rtx-4080-5k",
      "recorded-qwen3-4b-rtx-4080-10",
      "recorded-qwen3-4b-rtx-4080-5k",
    ]);
    expect(load.experiments.some((e) => e.id.startsWith("recorded-"))).toBe(false);
  });

  it("are materialised as manifest-only run folders with the issue's figures", () => {
    const results = join(tmp.dir, "results");
    const written = materialiseRecorded(load.recorded, results, undefined, new Date("2026-01-02T03:04:05Z"));
    // The runs the reports only planned (status "pending") never ran: they get no run folder.
    const ran = load.recorded.filter((r) => r.recorded.status !== "pending");
    expect(ran).toHaveLength(9);
    expect(written).toHaveLength(ran.length);
    for (const dir of written) expect(readdirSync(dir)).toEqual(["manifest.json"]);
    const runs = listRuns(results);
    const manifest = (id: string) => runs.find((r) => r.experimentId === id)!.manifest;

    const llama = manifest("recorded-llama-3.2-1b-rtx-4080-5k");
    expect(llama).toMatchObject({
      source: "recorded",
      status: "complete",
      reason: null,
      // The record's own measuredOn date wins over the build's time.
      started_at: `${byId("recorded-llama-3.2-1b-rtx-4080-5k").recorded.measuredOn}T00:00:00.000Z`,
    });
    expect(llama.server).toEqual({
      kind: "recorded",
      endpoint: "",
      model: "meta-llama/Llama-3.2-1B-Instruct",
      profile: null,
    });
    expect(llama.recorded).toMatchObject({
      requests: 5000,
      completed: 5000,
      duration_s: 108,
      total_token_throughput: 19_813,
      total_input_tokens: 1_540_000,
      total_output_tokens: 606_875,
      mean_ttft_ms: null,
    });
    expect(manifest("recorded-gemma-3-4b-rtx-4080-5k").recorded).toMatchObject({
      requests: 5000,
      completed: 5000, // report 001 line 18: "(5,000/5,000)"
      duration_s: 36.8 * 60,
      total_token_throughput: 2511,
      total_input_tokens: 788 * 5000,
      total_output_tokens: 308 * 5000,
    });
    const qwen = manifest("recorded-qwen3-4b-rtx-4080-10");
    expect(qwen.recorded).toMatchObject({
      requests: 10,
      duration_s: 7.2,
      total_token_throughput: 1533,
      total_input_tokens: 7946,
      total_output_tokens: 3112,
    });
    expect(qwen.launch).toMatchObject({
      load_time_s: 678,
      weights_gib: 7.6,
      kv_cache_gib: 2,
      cuda_graph_gib: 0.7,
      gpu_memory_after_mib: 11264,
      failure: null,
    });
    for (const [size, seconds] of [
      ["1b", 108.6],
      ["4b", 191.3],
      ["12b", 442.1],
    ] as const) {
      expect(manifest(`recorded-gemma-3-${size}-rtx-4080-100`).recorded).toMatchObject({
        requests: 100,
        duration_s: seconds,
        concurrency: 4,
      });
    }
    const gptOss = manifest("recorded-gpt-oss-20b-rtx-4080");
    expect(gptOss).toMatchObject({
      status: "failed",
      reason: "server did not start: tokenizer error",
      counts: { requests: 5000, done: 0, ok: 0, error: 0 }, // the request count its record states
    });
    expect(gptOss.launch?.failure).toBe("server did not start: tokenizer error");

    // Idempotent: the next build writes nothing.
    expect(materialiseRecorded(load.recorded, results)).toEqual([]);
    // A changed figure is a new spec: a new run folder.
    const original = byId("recorded-gemma-3-1b-rtx-4080-100");
    const edited = toLoadedRecorded(original.id, original.file, {
      ...original.recorded,
      figures: { ...original.recorded.figures, durationS: 100 },
    });
    expect(edited.specHash).not.toBe(original.specHash);
    expect(materialiseRecorded([edited], results)).toHaveLength(1);
    // Title and notes are prose: not part of the hash.
    expect(
      toLoadedRecorded(original.id, original.file, { ...original.recorded, title: "other", notes: "other" }).specHash,
    ).toBe(original.specHash);
  });

  it("hold what the reports give beyond aggregates: workers, answers, settings, progress, causes, estimates", () => {
    for (const size of ["1b", "4b", "12b"]) {
      const r = byId(`recorded-gemma-3-${size}-rtx-4080-100`).recorded;
      expect(r.workers!.map((w) => [w.worker, w.requests, w.retries])).toEqual([0, 1, 2, 3].map((w) => [w, 25, 0]));
      expect(r.workers!.every((w) => (w.progress ?? []).length > 0)).toBe(true);
      // Report 000's three responses per model.
      expect(r.samples!.map((x) => [x.promptId, x.at.slice(0, 4)])).toEqual([
        ["0", "000:"],
        ["1", "000:"],
        ["2", "000:"],
      ]);
    }
    // Report 001's sample answers, each with its verdict.
    for (const id of ["recorded-gemma-3-4b-rtx-4080-5k", "recorded-llama-3.2-1b-rtx-4080-5k"]) {
      const samples = byId(id).recorded.samples!;
      expect(samples.map((x) => x.at.slice(0, 4))).toEqual(["001:"]);
      expect(samples[0]!.verdict).toBeDefined();
    }
    const partial = byId("recorded-qwen3-4b-rtx-4080-5k").recorded;
    expect([partial.status, partial.progress!.done, partial.figures.requests]).toEqual(["partial", 42, 5000]);
    expect(partial.settings).toEqual({ gpuMemoryUtilization: 0.8, enforceEager: true });
    const failed = byId("recorded-gpt-oss-20b-rtx-4080").recorded;
    expect(failed.causes!.length).toBeGreaterThanOrEqual(3);
    const pending = load.recorded.filter((r) => r.recorded.status === "pending");
    expect(pending).toHaveLength(9);
    for (const r of pending) expect(r.recorded.estimates, r.id).toBeDefined();
  });

  it("appear in results/experiments.json as fresh, or failed with the reason", () => {
    const results = join(tmp.dir, "index");
    materialiseRecorded(load.recorded, results);
    writeExperimentIndex(results, planExperiments([], results), [], recordedIndexEntries(load.recorded, results));
    const index = readExperimentIndex(results)!;
    const entry = (id: string) => index.experiments.find((e) => e.id === id)!;
    expect(entry("recorded-llama-3.2-1b-rtx-4080-5k")).toMatchObject({
      state: "fresh",
      simulated: false,
      model: "meta-llama/Llama-3.2-1B-Instruct",
      error: null,
    });
    expect(entry("recorded-llama-3.2-1b-rtx-4080-5k").run_id).toMatch(/^\d{8}-\d{6}Z-[0-9a-f]{8}$/);
    expect(entry("recorded-gpt-oss-20b-rtx-4080")).toMatchObject({
      state: "failed",
      error: "server did not start: tokenizer error",
    });
  });

  it("cannot be loaded as an experiment to run", async () => {
    await expect(loadExperiment(join(PROJECT, "experiments/recorded-qwen3-4b-rtx-4080-10.ts"))).rejects.toThrow(
      /recorded experiment.*never run/,
    );
  });
});

describe("recorded spec validation", () => {
  it("names the field of a mistake", () => {
    const r = recordedSchema.safeParse({
      title: "x",
      model: "m",
      hardware: "h",
      origin: "o",
      status: "failed",
      figures: { requests: -1 },
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join("."));
    expect(paths).toContain("figures.requests");
  });

  it("a failed record needs a reason", () => {
    const r = recordedSchema.safeParse({
      title: "x",
      model: "m",
      hardware: "h",
      origin: "o",
      status: "failed",
      figures: { requests: 0 },
    });
    expect(r.error!.issues[0]).toMatchObject({
      path: ["reason"],
      message: "a failed record needs its `reason`",
    });
  });
});

describe("tracker list", () => {
  it("shows recorded experiments as recorded, the failed one with its reason", () => {
    const results = join(tmp.dir, "cli");
    const out = execFileSync("node", [join(PROJECT, "bin/tracker.js"), "list"], {
      cwd: PROJECT,
      env: { ...process.env, TRACKER_RESULTS: results },
      encoding: "utf8",
    });
    expect(out).toMatch(/^recorded recorded-llama-3.2-1b-rtx-4080-5k \(written by the next run or build\)$/m);
    expect(out).toMatch(
      /^recorded recorded-gpt-oss-20b-rtx-4080 \(written by the next run or build\): server did not start: tokenizer error$/m,
    );
  });
});

describe("on the site", () => {
  it("the overview data loader puts the recorded runs in the benchmark matrix, the failed one with its reason", async () => {
    const results = join(tmp.dir, "site");
    const load = await loadExperiments(join(PROJECT, "experiments"));
    materialiseRecorded(load.recorded, results);
    writeExperimentIndex(
      results,
      planExperiments(load.experiments, results),
      load.errors,
      recordedIndexEntries(load.recorded, results),
    );
    const out = execFileSync("node", ["--import", "tsx", join(PROJECT, "src/data/runs.json.ts")], {
      cwd: PROJECT,
      env: { ...process.env, TRACKER_RESULTS: results },
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    const data = JSON.parse(out) as {
      experiments: { id: string; source: string | null }[];
      matrix: { cells: Record<string, Record<string, { kind: string; seconds: number | null; note: string | null }>> };
    };
    expect(data.experiments.find((e) => e.id === "recorded-qwen3-4b-rtx-4080-10")?.source).toBe("recorded");
    const cells = data.matrix.cells;
    expect(cells["Qwen/Qwen3-4B-Instruct-2507"]?.["10"]).toMatchObject({ kind: "recorded", seconds: 7.2 });
    expect(cells["google/gemma-3-12b-it"]?.["100"]).toMatchObject({ kind: "recorded", seconds: 442.1 });
    expect(cells["meta-llama/Llama-3.2-1B-Instruct"]?.["5000"]).toMatchObject({ kind: "recorded", seconds: 108 });
    expect(cells["openai/gpt-oss-20b"]?.["5000"]).toMatchObject({
      kind: "failed",
      note: "server did not start: tokenizer error",
    });
  });
});
