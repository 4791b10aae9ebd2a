// `tracker import <format> <file>` for every format: recorded experiment files that load with the
// same spec hash, run folders naming the tool, requests.parquet when the file has rows, and a
// digest computed from those rows (source still "recorded"). Refusals write nothing.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadExperiments } from "../../data-loaders/experiment/load.ts";
import { importFile, type ImportResult } from "../../data-loaders/import/dispatch.ts";
import { runDigest } from "../../data-loaders/report/digest.ts";
import { listRuns } from "../../data-loaders/store/folders.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";

const F = join(PROJECT, "test/fixtures");
const tmp = tempDir("dispatch");
afterAll(() => tmp.cleanup());
const experimentsDir = join(tmp.dir, "experiments");
const resultsRoot = join(tmp.dir, "results");
const dirs = { experimentsDir, resultsRoot };
const imported: Record<string, ImportResult[]> = {};

beforeAll(async () => {
  mkdirSync(experimentsDir, { recursive: true });
  process.env.TRACKER_DIGEST_CACHE = join(tmp.dir, "memo");
  imported.vllm = await importFile(
    "vllm-bench",
    join(F, "vllm-bench/openai-chat-infqps-concurrency4-Qwen3-4B-20260301-090000.json"),
    dirs,
  );
  imported.guidellm = await importFile("guidellm", join(F, "guidellm/benchmarks.json"), dirs);
  imported.aiperf = await importFile("aiperf", join(F, "aiperf/profile_export_aiperf.json"), dirs);
  imported.br = await importFile("report-v0.2", join(F, "report-v0.2/br-v0.2-vllm-benchmark.yaml"), dirs);
});

describe("tracker import, every format", () => {
  it("writes one recorded experiment per run, naming the tool, with rows where the file has them", () => {
    const all = Object.values(imported).flat();
    expect(all.map((r) => [r.id, r.manifest.recorded!.tool, r.rows])).toEqual([
      ["bench-qwen3-4b-20260301-090000", "vllm bench serve", 12],
      ["guidellm-qwen3-4b-20260801-160000-1", "GuideLLM", 6],
      ["guidellm-qwen3-4b-20260801-160000-2", "GuideLLM", 8],
      ["aiperf-llama-3.2-1b-instruct-20260901-013145", "AIPerf", 11],
      ["br-qwen3-0.6b-20260714-093000", "vllm-benchmark", 0],
    ]);
    for (const r of all) {
      expect(r.manifest.source).toBe("recorded");
      expect(existsSync(join(r.runDir, "requests.parquet"))).toBe(r.rows > 0);
      expect(existsSync(join(r.runDir, "journal.jsonl"))).toBe(false);
    }
    expect(imported.br![0]!.manifest.environment.host).toBe("1 × NVIDIA-H100-80GB-HBM3");
    expect(imported.guidellm![0]!.manifest.recorded!.tool_version).toBe("0.7.3");
    expect(readFileSync(imported.aiperf![0]!.experimentFile, "utf8")).toContain('"name": "AIPerf"');
  });

  it("writes experiment files that load with the run folders' spec hashes", async () => {
    const load = await loadExperiments(experimentsDir);
    expect(load.errors).toEqual([]);
    const runs = listRuns(resultsRoot, () => {});
    for (const r of load.recorded) {
      const run = runs.find((x) => x.experimentId === r.id)!;
      expect(run.manifest.spec_hash).toBe(r.specHash);
    }
    expect(load.recorded).toHaveLength(5);
  });

  it("digests an imported run with rows from its rows, as recorded, at its concurrency", async () => {
    const run = listRuns(resultsRoot, () => {}).find((r) => r.experimentId === imported.vllm![0]!.id)!;
    const d = await runDigest(run);
    expect(d).toMatchObject({ source: "recorded", hasRows: true, concurrency: 4 });
    expect(d.summary).toMatchObject({ requests: 12, completed: 11 });
    expect(d.cdf!.ttftMs.length).toBeGreaterThan(0);
    expect(d.tool).toBe("vllm bench serve");
    const aggregatesOnly = listRuns(resultsRoot, () => {}).find((r) => r.experimentId === imported.br![0]!.id)!;
    expect(await runDigest(aggregatesOnly)).toMatchObject({ hasRows: false, cdf: null, tool: expect.any(String) });
  });

  it("names several runs of one file <id>-1, <id>-2 and refuses an existing or unsafe id without writing", async () => {
    const other = { experimentsDir: join(tmp.dir, "other/experiments"), resultsRoot: join(tmp.dir, "other/results") };
    mkdirSync(other.experimentsDir, { recursive: true });
    const runs = await importFile("guidellm", join(F, "guidellm/benchmarks.json"), { ...other, experimentId: "sweep" });
    expect(runs.map((r) => r.id)).toEqual(["sweep-1", "sweep-2"]);
    const before = readFileSync(join(other.experimentsDir, "sweep-1.ts"), "utf8");
    await expect(
      importFile("guidellm", join(F, "guidellm/benchmarks.json"), { ...other, experimentId: "sweep" }),
    ).rejects.toThrow(/sweep-1.ts exists already/);
    expect(readFileSync(join(other.experimentsDir, "sweep-1.ts"), "utf8")).toBe(before);
    expect(readdirSync(other.resultsRoot).sort()).toEqual(["sweep-1", "sweep-2"]);
    await expect(
      importFile("aiperf", join(F, "aiperf/profile_export.jsonl"), { ...other, experimentId: "Bad Id" }),
    ).rejects.toThrow(/--experiment: "Bad Id" is not a safe id/);
    await expect(importFile("report-v0.2", join(F, "report-v0.2/corrupt.yaml"), other)).rejects.toThrow(/corrupt.yaml/);
    await expect(
      importFile("report-v0.2", join(F, "report-v0.2/br-v0.2-guidellm.json"), { ...other, hardware: "" }),
    ).rejects.toThrow(/br-v0.2-guidellm.json: as recorded.hardware/);
    expect(readdirSync(other.experimentsDir).sort()).toEqual(["sweep-1.ts", "sweep-2.ts"]);
  });

  it("works from the command line, and a corrupt file or unknown format exits 1 with the reason", () => {
    const env = {
      ...process.env,
      TRACKER_EXPERIMENTS: join(tmp.dir, "cli/experiments"),
      TRACKER_RESULTS: join(tmp.dir, "cli/results"),
    };
    mkdirSync(env.TRACKER_EXPERIMENTS, { recursive: true });
    const tracker = (...args: string[]) =>
      spawnSync("node", [join(PROJECT, "bin/tracker.js"), "import", ...args], { cwd: PROJECT, env, encoding: "utf8" });
    const ok = tracker("aiperf", join(F, "aiperf/profile_export.jsonl"), "--hardware", "RTX 4080");
    expect(ok.status).toBe(0);
    expect(ok.stderr).toMatch(/aiperf-llama-3.2-1b-instruct-20260901-013145: recorded 10 requests, 11 rows/);
    const corrupt = tracker("guidellm", join(F, "guidellm/corrupt-benchmarks.json"));
    expect(corrupt.status).toBe(1);
    expect(corrupt.stderr).toMatch(/error: .*corrupt-benchmarks.json: benchmarks\[1\].*request_end: a number/);
    const unknown = tracker("genai-perf", "x.json");
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/unknown format "genai-perf": one of vllm-bench, guidellm, aiperf, report-v0.2/);
    expect(
      execFileSync("node", [join(PROJECT, "bin/tracker.js"), "import", "--help"], { cwd: PROJECT, encoding: "utf8" }),
    ).toMatch(/report-v0.2 +an llm-d Benchmark Report v0.2/);
  });
});
