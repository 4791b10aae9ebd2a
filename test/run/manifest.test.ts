// The reproducibility manifest every run writes, automatically.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadExperiment } from "../../data-loaders/experiment/load.ts";
import { runExperiment } from "../../data-loaders/run/runner.ts";
import { readManifest } from "../../data-loaders/store/manifest.ts";
import { smallSpec, tempDir, writeExperiment } from "../helpers/temp.ts";

describe("run manifest", () => {
  const tmp = tempDir("manifest");
  afterAll(() => tmp.cleanup());

  it("records code, spec, prompts, machine, server facts, seeds, times and the self-check", async () => {
    const exp = await loadExperiment(writeExperiment(tmp.dir, "facts", smallSpec({ requests: 8, concurrency: 2 })));
    const { dir } = await runExperiment(exp, {
      resultsRoot: join(tmp.dir, "results"),
      progress: () => ({ tick() {}, stop() {} }),
      log: () => {},
    });
    const m = readManifest(dir);
    const head = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" }).trim();
    expect(m.environment.git_commit).toBe(head);
    expect(typeof m.environment.git_dirty).toBe("boolean");
    expect(m.spec_hash).toBe(exp.specHash);
    expect(m.prompt_hash).toBe(exp.promptHash);
    expect(m.tracker_version).toMatch(/^\d+\.\d+\.\d+/);
    expect(m.environment.node).toBe(process.version);
    expect(m.environment.os).toMatch(/^linux /);
    expect(m.environment.cpu).toMatch(/×/);
    expect(m.environment.host.length).toBeGreaterThan(0);
    expect(m.environment.gpus).toBeNull(); // no nvidia-smi on this machine
    expect(m.server_facts).toMatchObject({
      version: expect.stringMatching(/^\d+\.\d+/),
      root: m.server.model,
      max_model_len: 8192,
    });
    expect(m.server_facts!.cache_config).toHaveProperty("block_size");
    expect((m.spec as { workload: { seed: number } }).workload.seed).toBe(7);
    expect(Date.parse(m.finished_at!)).toBeGreaterThanOrEqual(Date.parse(m.started_at));
    expect(m.self_check).toMatchObject({ client_bound: expect.any(Boolean), target_in_flight: 2 });
    expect(m.group).toEqual({ level: null, repeat: 0 });
    expect(m.interruptions).toEqual([]);
  });
});
