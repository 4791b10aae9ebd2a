import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadExperiments } from "../../data-loaders/experiment/load.ts";
import { materialiseRecorded } from "../../data-loaders/experiment/recorded.ts";
import { defaultId, importVllmBench, readVllmBenchResult } from "../../data-loaders/import/vllm-bench.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";

const RESULT = join(
  PROJECT,
  "test/fixtures/vllm-bench/openai-chat-infqps-concurrency32-Llama-3.2-1B-Instruct-20251001-101500.json",
);
const tmp = tempDir("vllm-bench");
afterAll(() => tmp.cleanup());

function writeResult(name: string, change: (r: Record<string, unknown>) => void): string {
  const r = JSON.parse(readFileSync(RESULT, "utf8")) as Record<string, unknown>;
  change(r);
  const path = join(tmp.dir, name);
  writeFileSync(path, JSON.stringify(r));
  return path;
}

describe("tracker import vllm-bench", () => {
  it("writes a recorded experiment file and its manifest-only run folder with the result's aggregates", async () => {
    const experimentsDir = join(tmp.dir, "a/experiments");
    const resultsRoot = join(tmp.dir, "a/results");
    mkdirSync(experimentsDir, { recursive: true });
    const r = importVllmBench(RESULT, { experimentsDir, resultsRoot, hardware: "RTX 4080 16 GB" });
    expect(r.id).toBe("bench-llama-3.2-1b-instruct-20251001-101500");
    expect(readdirSync(r.runDir)).toEqual(["manifest.json"]);
    expect(r.runDir).toContain(join(resultsRoot, r.id, "20251001-000000Z-"));
    expect(r.manifest).toMatchObject({
      source: "recorded",
      status: "complete",
      server: { kind: "recorded", model: "meta-llama/Llama-3.2-1B-Instruct" },
      counts: { requests: 5000, done: 5000, ok: 5000, error: 0 },
      recorded: {
        origin: "vllm bench serve result openai-chat-infqps-concurrency32-Llama-3.2-1B-Instruct-20251001-101500.json",
        requests: 5000,
        completed: 5000,
        duration_s: 108.4,
        total_token_throughput: 19805.119926199262,
        output_throughput: 5598.478597785978,
        request_throughput: 46.12546125461255,
        total_input_tokens: 1_540_000,
        total_output_tokens: 606_875,
        mean_ttft_ms: 41.27,
        mean_tpot_ms: 5.31,
        mean_e2el_ms: 682.5,
        concurrency: 32,
      },
    });
    expect(r.manifest.environment.host).toBe("RTX 4080 16 GB");

    // The experiment file loads as a recorded experiment with the same spec hash: the build keeps the folder.
    const load = await loadExperiments(experimentsDir);
    expect(load.errors).toEqual([]);
    expect(load.recorded.map((x) => x.id)).toEqual([r.id]);
    expect(load.recorded[0]!.specHash).toBe(r.manifest.spec_hash);
    expect(load.recorded[0]!.recorded.notes).toContain("request rate inf, burstiness 1, max concurrency 32");
    expect(materialiseRecorded(load.recorded, resultsRoot)).toEqual([]);

    // A second import under the same id is refused.
    expect(() => importVllmBench(RESULT, { experimentsDir, resultsRoot })).toThrow(
      /exists already: choose another id with --experiment/,
    );
  });

  it("reads older files without failed / total_token_throughput; mean statistics of an all-failed run are not kept", () => {
    const path = writeResult("old.json", (r) => {
      delete r.failed;
      delete r.total_token_throughput;
      r.completed = 0;
      r.total_input_tokens = 0;
      r.total_output_tokens = 0;
      r.request_throughput = 0;
      r.output_throughput = 0;
      r.mean_ttft_ms = 0;
    });
    const experimentsDir = join(tmp.dir, "b/experiments");
    mkdirSync(experimentsDir, { recursive: true });
    const r = importVllmBench(path, {
      experimentsDir,
      resultsRoot: join(tmp.dir, "b/results"),
      experimentId: "old-bench",
    });
    expect(r.manifest.recorded).toMatchObject({
      requests: 5000,
      completed: 0,
      total_token_throughput: null,
      mean_ttft_ms: null,
      request_throughput: 0,
    });
    expect(r.manifest.counts).toMatchObject({ ok: 0, error: 5000 });
  });

  it("names the file and the key of a mistake", () => {
    expect(() => readVllmBenchResult(writeResult("no-model.json", (r) => delete r.model_id))).toThrow(
      /no-model.json: model_id: the served model id \(a string\)/,
    );
    expect(() => readVllmBenchResult(writeResult("bad-duration.json", (r) => (r.duration = "108 s")))).toThrow(
      /bad-duration.json: duration: a number/,
    );
    expect(() => readVllmBenchResult(writeResult("bad-date.json", (r) => (r.date = "2025-10-01")))).toThrow(
      /bad-date.json: date: a date such as 20250601-134512/,
    );
    expect(() => readVllmBenchResult(writeResult("fewer.json", (r) => (r.num_prompts = 10)))).toThrow(
      /fewer.json: num_prompts: 10 is fewer than completed \(5000\)/,
    );
    const notJson = join(tmp.dir, "not.json");
    writeFileSync(notJson, "{");
    expect(() => readVllmBenchResult(notJson)).toThrow(/not.json: /);
    expect(() => readVllmBenchResult(join(tmp.dir, "missing.json"))).toThrow(/missing.json: ENOENT/);
  });

  it("derives a safe experiment id from the model and date, else the file name", () => {
    const r = readVllmBenchResult(RESULT);
    expect(defaultId({ ...r, model_id: "Qwen/Qwen3-4B" }, "x.json")).toBe("bench-qwen3-4b-20251001-101500");
    expect(defaultId({ ...r, date: undefined }, "/x/vllm-0.1qps-Qwen3_4B..x.json")).toBe(
      "bench-vllm-0.1qps-qwen3-4b.x",
    );
  });

  it("works from the command line", () => {
    const dir = join(tmp.dir, "cli");
    mkdirSync(join(dir, "experiments"), { recursive: true });
    execFileSync(
      "node",
      [
        join(PROJECT, "bin/tracker.js"),
        "import",
        "vllm-bench",
        RESULT,
        "--experiment",
        "llama-bench",
        "--hardware",
        "RTX 4080",
      ],
      {
        cwd: PROJECT,
        env: { ...process.env, TRACKER_EXPERIMENTS: join(dir, "experiments"), TRACKER_RESULTS: join(dir, "results") },
        stdio: "pipe",
      },
    );
    expect(existsSync(join(dir, "experiments/llama-bench.ts"))).toBe(true);
    expect(readdirSync(join(dir, "results/llama-bench"))).toHaveLength(1);
  });
});
