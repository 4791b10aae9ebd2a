// Round trips: a run measured on the simulator (with warm-up requests and server errors) exported
// as a `vllm bench serve` result and as a Benchmark Report v0.2, then imported again: the
// project's formulas give the same aggregates on both sides.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadExperiment } from "../../data-loaders/experiment/load.ts";
import { runAggregates } from "../../data-loaders/import/aggregates.ts";
import { importFile } from "../../data-loaders/import/dispatch.ts";
import { exportRunAs, runForExport } from "../../data-loaders/import/exports.ts";
import type { RunSummary } from "../../data-loaders/metrics/summary.ts";
import { runExperiment } from "../../data-loaders/run/runner.ts";
import { PROJECT, tempDir, writeExperiment } from "../helpers/temp.ts";

const quiet = { tick() {}, stop() {} };
const tmp = tempDir("exports");
afterAll(() => tmp.cleanup());
const resultsRoot = join(tmp.dir, "results");
const experimentsDir = join(tmp.dir, "experiments");
/** The parts of a Benchmark Report v0.2 the assertions read. */
interface Report {
  version: string;
  run: { uid: string };
  scenario: {
    stack: { standardized: Record<string, unknown>; native: Record<string, unknown> }[];
    load: { standardized: Record<string, unknown> };
  };
  results: {
    request_performance: {
      aggregate: {
        requests: Record<string, unknown>;
        latency: Record<string, { units: string; mean: number; p0p1: number; p1: number }>;
      };
    };
  };
}

let original: RunSummary;

beforeAll(async () => {
  const file = writeExperiment(
    tmp.dir,
    "measured",
    `{ title: "measured", server: { simulate: "llama-3.2-1b@rtx-4080", speedup: 20, faults: { httpErrors: { 500: 0.15 } } },
       workload: { prompts: { generate: "candidate-profiles", count: 10 }, maxTokens: 128, temperature: 0, seed: 5 },
       requests: 30, load: { concurrency: 4, warmup: 2 } }`,
  );
  const { manifest } = await runExperiment(await loadExperiment(file), {
    resultsRoot,
    progress: () => quiet,
    log: () => {},
  });
  expect(manifest.status).toBe("complete");
  original = (await runAggregates(runForExport(resultsRoot, "measured"))).summary!;
  expect(original.failed).toBeGreaterThan(0);
});

/**
 * The summary of the re-imported rows equals the original's. vLLM's per-request lists end each
 * request at its last chunk with choices (its E2EL), not at the end of the body: the last
 * request's usage chunk and [DONE] (well under a millisecond from the simulator) are not in the
 * file, so the re-imported span may end that much earlier; the rates move by as little.
 */
function expectSameSummary(actual: RunSummary, expected: RunSummary): void {
  expect(actual).toMatchObject({
    requests: expected.requests,
    completed: expected.completed,
    failed: expected.failed,
    totalInputTokens: expected.totalInputTokens,
    totalOutputTokens: expected.totalOutputTokens,
  });
  expect(actual.durationS).toBeLessThanOrEqual(expected.durationS);
  expect(actual.durationS).toBeGreaterThan(expected.durationS - 0.01);
  for (const k of ["requestThroughput", "outputThroughput", "totalTokenThroughput"] as const)
    expect(actual[k] * actual.durationS).toBeCloseTo(expected[k] * expected.durationS, 6);
  for (const k of ["ttftMs", "tpotMs", "itlMs", "e2elMs"] as const) {
    expect(actual[k].n).toBe(expected[k].n);
    for (const stat of ["mean", "median", "std", "p90", "p99", "min", "max"] as const)
      expect(actual[k][stat]).toBeCloseTo(expected[k][stat]!, 6);
  }
}

describe("export vllm-bench → import vllm-bench", () => {
  it("writes vLLM's keys and lists, and the imported rows give the same aggregates", async () => {
    const out = join(tmp.dir, "measured.json");
    await exportRunAs("vllm-bench", resultsRoot, "measured", { out, detailed: true });
    const file = JSON.parse(readFileSync(out, "utf8")) as Record<string, unknown>;
    expect(Object.keys(file).slice(0, 11)).toEqual([
      "date",
      "endpoint_type",
      "backend",
      "label",
      "model_id",
      "tokenizer_id",
      "num_prompts",
      "request_rate",
      "burstiness",
      "max_concurrency",
      "duration",
    ]);
    expect(file).toMatchObject({
      backend: "openai-chat",
      model_id: "meta-llama/Llama-3.2-1B-Instruct",
      num_prompts: 30,
      request_rate: "inf",
      max_concurrency: 4,
      completed: original.completed,
      failed: original.failed,
      mean_ttft_ms: original.ttftMs.mean,
      p99_itl_ms: original.itlMs.p99,
    });
    // Warm-up requests are left out, as from every statistic.
    expect(file.ttfts).toHaveLength(30);
    expect((file.errors as string[]).filter(Boolean)).toHaveLength(original.failed);

    const [imported] = await importFile("vllm-bench", out, { experimentsDir, resultsRoot, experimentId: "rt-vllm" });
    expect(imported!.rows).toBe(30);
    expect(imported!.manifest.recorded).toMatchObject({
      tool: "vllm bench serve",
      requests: 30,
      completed: original.completed,
      duration_s: original.durationS,
      request_throughput: original.requestThroughput,
      mean_tpot_ms: original.tpotMs.mean,
      concurrency: 4,
    });
    const again = await runAggregates(runForExport(resultsRoot, "rt-vllm"));
    expectSameSummary(again.summary!, original);
  });

  it("exports a run's aggregates without lists by default, and refuses lists of a run without rows", async () => {
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (chunks.push(chunk), true)) as typeof process.stdout.write;
    try {
      await exportRunAs("vllm-bench", resultsRoot, "measured");
    } finally {
      process.stdout.write = write;
    }
    const file = JSON.parse(chunks.join("")) as Record<string, unknown>;
    expect(file.ttfts).toBeUndefined();
    expect(file.total_token_throughput).toBe(original.totalTokenThroughput);
  });
});

describe("export report-v0.2 → import report-v0.2", () => {
  it("writes an llm-d Benchmark Report v0.2 whose import records the run's figures", async () => {
    const out = join(tmp.dir, "measured-br.json");
    await exportRunAs("report-v0.2", resultsRoot, "measured", { out });
    const report = JSON.parse(readFileSync(out, "utf8")) as Report;
    expect(report.version).toBe("0.2");
    expect(report.run.uid).toMatch(/^measured\//);
    expect(report.scenario.stack[0].standardized).toMatchObject({
      kind: "generic",
      model: { name: "meta-llama/Llama-3.2-1B-Instruct" },
    });
    expect(report.scenario.load.standardized).toMatchObject({ tool: "vllm-bench-tracker", concurrency: 4 });
    const aggregate = report.results.request_performance.aggregate;
    expect(aggregate.requests).toMatchObject({ total: 30, failures: original.failed });
    expect(aggregate.latency.time_to_first_token).toMatchObject({
      units: "ms",
      mean: original.ttftMs.mean,
      p99: original.ttftMs.p99,
    });
    expect(aggregate.latency.time_per_output_token.units).toBe("ms/token");
    expect(aggregate.latency.time_to_first_token.p0p1).toBeLessThanOrEqual(aggregate.latency.time_to_first_token.p1);

    const [imported] = await importFile("report-v0.2", out, { experimentsDir, resultsRoot, experimentId: "rt-br" });
    expect(imported!.rows).toBe(0);
    const r = imported!.manifest.recorded!;
    expect(r).toMatchObject({
      tool: "vllm-bench-tracker",
      requests: original.requests,
      completed: original.completed,
      total_input_tokens: original.totalInputTokens,
      total_output_tokens: original.totalOutputTokens,
      concurrency: 4,
    });
    expect(r.duration_s).toBeCloseTo(original.durationS, 12);
    expect(r.request_throughput).toBe(original.requestThroughput);
    expect(r.output_throughput).toBe(original.outputThroughput);
    expect(r.total_token_throughput).toBe(original.totalTokenThroughput);
    expect(r.mean_ttft_ms).toBe(original.ttftMs.mean);
    expect(r.mean_tpot_ms).toBe(original.tpotMs.mean);
    expect(r.mean_e2el_ms).toBe(original.e2elMs.mean);

    // A recorded run without rows exports its recorded aggregates, and they survive another round.
    const second = join(tmp.dir, "rt-br.json");
    await exportRunAs("report-v0.2", resultsRoot, "rt-br", { out: second });
    const [twice] = await importFile("report-v0.2", second, { experimentsDir, resultsRoot, experimentId: "rt-br2" });
    const { origin: _a, ...first } = r;
    const { origin: _b, ...other } = twice!.manifest.recorded!;
    expect(other).toEqual({ ...first, tool: "vllm-bench-tracker" });
    await expect(exportRunAs("vllm-bench", resultsRoot, "rt-br", { detailed: true })).rejects.toThrow(
      /rt-br\/.* is a recorded run with aggregates only/,
    );
  });

  it("works from the command line", () => {
    const out = join(tmp.dir, "cli-br.json");
    execFileSync("node", [join(PROJECT, "bin/tracker.js"), "export", "report-v0.2", "measured", "--out", out], {
      cwd: PROJECT,
      env: { ...process.env, TRACKER_RESULTS: resultsRoot, TRACKER_EXPERIMENTS: experimentsDir },
      stdio: "pipe",
    });
    expect(JSON.parse(readFileSync(out, "utf8")).version).toBe("0.2");
  });
});
