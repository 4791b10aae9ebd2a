// `tracker plan`: text and JSON output, a config.json model, the whole catalog, and bad input.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runPlan, type PlanOptions } from "../data-loaders/plan-command.ts";
import { loadExperiments, type LoadResult } from "../data-loaders/experiment/load.ts";
import { HARDWARE_DIR, loadCatalog } from "../data-loaders/hardware/catalog.ts";
import { PROJECT, tempDir } from "./helpers/temp.ts";
import { makeManifest, timedRow, writeRun } from "./site/fixture-store.ts";

const tmp = tempDir("plan");
afterAll(() => tmp.cleanup());
const EXPERIMENTS = join(PROJECT, "experiments");

// Loading the experiments folder takes seconds: once per folder.
const loads = new Map<string, Promise<LoadResult>>();
const load = (dir: string) => loads.get(dir) ?? loads.set(dir, loadExperiments(dir)).get(dir)!;

/** An empty results folder unless a test gives a store: the recorded experiment files alone calibrate. */
const NO_RESULTS = join(tmp.dir, "no-results");

async function plan(over: Partial<PlanOptions>, experimentsDir = EXPERIMENTS, resultsDir = NO_RESULTS) {
  let out = "";
  let err = "";
  const opts: PlanOptions = { gpu: "rtx-4080", requests: 200_000, concurrency: 32, kvCacheDtype: "auto", ...over };
  const io = { out: (s: string) => (out += s), err: (s: string) => (err += s), experimentsDir, resultsDir, load };
  const code = await runPlan(opts, io);
  return { code, out, err };
}

describe("tracker plan", () => {
  it("prints the fit, the speed with its interval, the job's time and cost, and the backtest", async () => {
    const { code, out, err } = await plan({ model: "gemma-3-4b", gpuDollarsPerHour: 0.4 });
    expect([code, err]).toEqual([0, ""]);
    const lines = out.split("\n");
    expect(lines[0]).toBe("Gemma 3 4B IT (google/gemma-3-4b-it) on NVIDIA GeForce RTX 4080 16 GB");
    expect(lines[1]).toBe(
      "  200,000 requests of 788 prompt + 308 output tokens (the token means of recorded-gemma-3-4b-rtx-4080-5k), 32 at once",
    );
    expect(out).toMatch(/^Fit: tight — the KV cache \(3\.\d\d GiB\) holds/m);
    expect(out).toContain("  budget       14.40 GiB = 0.9 × 16 GiB");
    expect(out).toMatch(/^ {2}weights {6}8\.01 GiB {2}bf16, 4\.30B parameters \(model card: 4\.3B\)$/m);
    expect(out).toMatch(/runs 2\d at once \(limited by the KV cache; asked 32\)/);
    expect(out).toMatch(
      /^ {2}[\d,]+ total tok\/s \([\d,]+–[\d,]+\), [\d,]+ output tok\/s, [\d.]+ requests\/s at 2\d at once \(memory-bound\)$/m,
    );
    expect(out).toMatch(/^Job: 200,000 requests in \d+ h \d+ min \(\d+ h \d+ min–\d+ h \d+ min\)$/m);
    expect(out).toMatch(/^Cost: \$\d+\.\d\d \(\$\d+\.\d\d–\$\d+\.\d\d\) at \$0\.4\/hour$/m);
    expect(out).toMatch(/^ {2}fp8 {10}fits/m);
    expect(out).toMatch(
      /^ {2}recorded-llama-3\.2-1b-rtx-4080-5k +vllm +measured +19,813 tok\/s, predicted +[\d,]+ \([+−]\d+\.\d%\)$/m,
    );
  });

  it("prints the same plan as JSON", async () => {
    const { code, out } = await plan({ model: "gemma-3-4b", json: true });
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.tokens).toBe("the token means of recorded-gemma-3-4b-rtx-4080-5k");
    expect(json.plans).toHaveLength(1);
    const p = json.plans[0];
    expect(p.model.id).toBe("google/gemma-3-4b-it");
    expect(p.fit.verdict).toBe("tight");
    expect(p.fit.memory.budgetGiB).toBeCloseTo(14.4, 9);
    expect(p.job.seconds).toBeCloseTo(200_000 / p.speed.predicted.requestsPerS, 6);
    expect(p.cost).toBeNull();
    expect(json.calibration.backtest).toHaveLength(6);
    expect(json.calibration.skipped.map((s: { id: string }) => s.id)).toContain("recorded-gpt-oss-20b-rtx-4080");
    expect(
      json.calibration.observations.find((o: { id: string }) => o.id === "recorded-qwen3-4b-rtx-4080-10").concurrency,
    ).toBe(10);
  });

  it("plans every catalog model on the GPU without --model", async () => {
    const { code, out } = await plan({ requests: 5000 });
    expect(code).toBe(0);
    expect(out.split("\n")[0]).toMatch(/^Plan on NVIDIA GeForce RTX 4080 16 GB: 5,000 requests of 788 \+ 308 tokens/);
    for (const m of loadCatalog().models) expect(out).toContain(m.id);
    expect(out).toMatch(
      /^google\/gemma-3-12b-it +bf16 +does not fit .*fits as .*gguf-q4_k_m \(with --max-model-len ≤ [\d,]+\)$/m,
    );
    expect(out).toMatch(/^Qwen\/Qwen2\.5-7B-Instruct +bf16 +does not fit .*fits as fp8, int8, awq/m);
    expect(out).toMatch(/^meta-llama\/Llama-3\.2-1B-Instruct +bf16 +fits /m);
  });

  it("plans a model given by its config.json, listing the defaults it took", async () => {
    const dir = join(tmp.dir, "my-model");
    mkdirSync(dir, { recursive: true });
    const olmo = JSON.parse(readFileSync(join(HARDWARE_DIR, "models.json"), "utf8")).models.find(
      (m: { id: string }) => m.id === "allenai/OLMo-1B-hf",
    ).config;
    const { num_key_value_heads: _k, ...config } = olmo;
    writeFileSync(join(dir, "config.json"), JSON.stringify(config));
    const { code, out } = await plan({ config: join(dir, "config.json"), maxModelLen: 2048 });
    expect(code).toBe(0);
    expect(out.split("\n")[0]).toBe(
      `the model of ${join(dir, "config.json")} (my-model) on NVIDIA GeForce RTX 4080 16 GB`,
    );
    expect(out).toContain("(model card: not stated (computed from the architecture))");
    expect(out).toContain("  - config.json: num_key_value_heads = 16 (not in config.json: = num_attention_heads)");
  });

  it("takes the workload from the options, and needs one without the default recorded experiment", async () => {
    const empty = join(tmp.dir, "no-experiments");
    mkdirSync(empty, { recursive: true });
    const missing = await plan({ model: "llama-3.2-1b" }, empty);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(
      "error: no token means: no recorded experiment recorded-gemma-3-4b-rtx-4080-5k; give --prompt-tokens and --output-tokens (or --like <recorded experiment id>)\n",
    );
    const given = await plan({ model: "llama-3.2-1b", promptTokens: 300, outputTokens: 100 }, empty);
    expect(given.code).toBe(0);
    expect(given.out).toContain("300 prompt + 100 output tokens (--prompt-tokens and --output-tokens)");
    expect(given.out).toContain("Speed: no prediction: no measured or recorded vllm run on any GPU to calibrate on");
    const like = await plan({ model: "llama-3.2-1b", like: "recorded-llama-3.2-1b-rtx-4080-5k" });
    expect(like.out).toContain("308 prompt + 121 output tokens (the token means of recorded-llama-3.2-1b-rtx-4080-5k)");
  });

  it("refuses bad input with a message naming it", async () => {
    expect((await plan({ gpu: "rtx-9999" })).err).toMatch(/^error: unknown GPU "rtx-9999": not in the GPU catalog/);
    expect((await plan({ model: "nope" })).err).toMatch(/^error: unknown model "nope"/);
    expect((await plan({ model: "llama-3.2-1b", weights: "nf4" })).err).toMatch(/^error: unknown quantisation "nf4"/);
    expect((await plan({ model: "llama-3.2-1b", config: "x.json" })).err).toBe(
      "error: give --model or --config, not both\n",
    );
    expect((await plan({ config: join(tmp.dir, "absent.json") })).err).toMatch(
      /absent\.json: cannot read a JSON config/,
    );
    expect((await plan({ model: "olmo-1b", maxModelLen: 4096 })).err).toMatch(
      /above the model's max_position_embeddings 2048/,
    );
    expect((await plan({ like: "recorded-gpt-oss-20b-rtx-4080" })).err).toMatch(
      /no token means: recorded-gpt-oss-20b-rtx-4080 records no token totals/,
    );
  });

  it("calibrates on the measured runs the store holds too, and backtests them", async () => {
    const results = join(tmp.dir, "store");
    process.env.TRACKER_DIGEST_CACHE = join(tmp.dir, "memo");
    const rows = Array.from({ length: 200 }, (_, i) =>
      timedRow(
        { run_id: "run-m", experiment_id: "measured-gemma", request_index: i },
        {
          sentMs: Math.floor(i / 8) * 7000,
          ttftMs: 100,
          tpotMs: 6900 / 299,
          promptTokens: 800,
          tokens: 300,
          answer: "",
        },
      ),
    );
    await writeRun(
      results,
      makeManifest({
        run_id: "run-m",
        experiment_id: "measured-gemma",
        source: "measured",
        spec: { requests: 200, load: { concurrency: 8 } },
        server: { kind: "launch", endpoint: "http://127.0.0.1:8123", model: "google/gemma-3-4b-it", profile: null },
        counts: { requests: 200, done: 200, ok: 200, error: 0 },
        environment: {
          ...makeManifest({ run_id: "x", experiment_id: "x" }).environment,
          gpus: [{ name: "NVIDIA GeForce RTX 4080", driver: "550", memory_total_mib: 16376 }],
        },
      }),
      rows,
    );
    try {
      const { code, out } = await plan({ model: "gemma-3-4b", json: true }, EXPERIMENTS, results);
      expect(code).toBe(0);
      const json = JSON.parse(out);
      expect(json.calibration.backtest).toHaveLength(7);
      expect(json.calibration.observations.find((o: { id: string }) => o.id === "measured-gemma")).toMatchObject({
        kind: "measured",
        runId: "run-m",
        concurrency: 8,
      });
      const text = await plan({ model: "gemma-3-4b" }, EXPERIMENTS, results);
      expect(text.out).toMatch(
        /^ {2}measured-gemma +vllm +measured +1,257 tok\/s, predicted +[\d,]+ \([+−]\d+\.\d%\)$/m,
      );
    } finally {
      delete process.env.TRACKER_DIGEST_CACHE;
    }
  });

  it("is registered in the CLI", () => {
    const json = execFileSync(
      process.execPath,
      ["bin/tracker.js", "plan", "--gpu", "rtx-4080", "--model", "llama-3.2-1b", "--requests", "1_000", "--json"],
      { cwd: PROJECT, encoding: "utf8" },
    );
    expect(JSON.parse(json).plans[0].workload.requests).toBe(1000);
    const bad = spawnSync(process.execPath, ["bin/tracker.js", "plan", "--gpu", "rtx-4080", "--requests", "many"], {
      cwd: PROJECT,
      encoding: "utf8",
    });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("expected a whole number ≥ 1");
  });
});
