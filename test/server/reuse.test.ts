// A grid over models with `launch`, run as `tracker run` runs it (run/plan.ts runOrder, one
// ServerReuse), with the stand-in vllm: one server per model in turn, kept up across that
// model's cells; a model that runs out of memory makes failed cells with the reason, once, and
// the other models go on.
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { planExperiments, runOrder } from "../../data-loaders/run/plan.ts";
import { runExperiment, type RunResult } from "../../data-loaders/run/runner.ts";
import { healthStatus } from "../../data-loaders/server/health.ts";
import { ServerReuse } from "../../data-loaders/server/reuse.ts";
import { loadSpecCells, simulatedSpec } from "../helpers/spec.ts";
import { tempDir } from "../helpers/temp.ts";

const VLLM = join(import.meta.dirname, "stand-in/vllm");
const launch = (model: string, env: Record<string, string>) => ({
  server: {
    launch: { command: VLLM, model, env: { FAKE_VLLM_LOAD_MS: "200", ...env }, readyTimeoutS: 60 },
  },
});

describe("a launch grid over models", () => {
  const tmp = tempDir("reuse");
  afterAll(() => tmp.cleanup());

  it("starts one server per model, reuses it across the model's cells, and fails only the cells of a model that cannot start", async () => {
    const llama = launch("meta-llama/Llama-3.2-1B-Instruct", {});
    const cells = await loadSpecCells(
      tmp.dir,
      "models",
      simulatedSpec({
        ...llama,
        requests: 4,
        workload: { prompts: { generate: "candidate-profiles", count: 4 }, maxTokens: 16, temperature: 0, seed: 7 },
        quality: undefined,
        grid: {
          concurrency: [1, 2],
          model: {
            llama: {},
            "gpt-oss": launch("openai/gpt-oss-20b", { FAKE_VLLM_MODE: "oom" }),
            gemma: launch("google/gemma-3-1b-it", { FAKE_VLLM_PROFILE: "gemma-3-1b@rtx-4080" }),
          },
        },
      }),
    );
    const results = join(tmp.dir, "results");
    const lines: string[] = [];
    const servers = new ServerReuse();
    const runs: RunResult[] = [];
    let kept: string | null = null;
    try {
      for (const p of runOrder(planExperiments(cells, results, () => {}))) {
        const opts = { resultsRoot: results, servers, progress: () => ({ tick() {}, stop() {} }) };
        runs.push(...(await runExperiment(p.experiment, { ...opts, log: (l) => lines.push(l) })).runs);
        kept = runs.at(-1)!.manifest.server.endpoint || kept;
      }
    } finally {
      await servers.close();
    }
    const byKey = (key: string) => runs.find((r) => r.manifest.cell?.key === key)!.manifest;
    // the model's cells ran one after another, on one server each
    expect(runs.map((r) => [r.manifest.cell!.key, r.manifest.status])).toEqual([
      ["concurrency=1,model=llama", "complete"],
      ["concurrency=2,model=llama", "complete"],
      ["concurrency=1,model=gpt-oss", "failed"],
      ["concurrency=2,model=gpt-oss", "failed"],
      ["concurrency=1,model=gemma", "complete"],
      ["concurrency=2,model=gemma", "complete"],
    ]);
    expect(lines.filter((l) => /^launch: .* serve /.test(l))).toHaveLength(3);
    const [first, second] = [byKey("concurrency=1,model=llama"), byKey("concurrency=2,model=llama")];
    expect(second.launch!.started_by_run).toBe(first.run_id);
    expect(second.launch!.log_file).toBe(first.launch!.log_file);
    expect(second.server.endpoint).toBe(first.server.endpoint);
    expect(first.launch!.started_by_run).toBeUndefined();
    // the model that ran out of memory: both cells failed with the reason, after one attempt to start
    for (const key of ["concurrency=1,model=gpt-oss", "concurrency=2,model=gpt-oss"]) {
      const m = byKey(key);
      expect(m.reason).toMatch(/^server: .*out of memory/i);
      expect(m.launch!.failure).toMatch(/out of memory/i);
      expect(m.counts.done).toBe(0);
    }
    expect(byKey("concurrency=2,model=gemma").server.model).toBe("google/gemma-3-1b-it");
    // closing stopped the last server
    expect(await healthStatus(kept!, { timeoutMs: 1000 })).toBeNull();
  }, 240_000);
});
