// A `vllm bench serve` file imported with its per-request lists and exported again: the lists come
// back as vLLM wrote them (failed requests with ttft 0, no gaps, output length 0 and their error),
// the statistics keys in vLLM's names, null where a statistic has no values.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAggregates } from "../../data-loaders/import/aggregates.ts";
import { importFile } from "../../data-loaders/import/dispatch.ts";
import { vllmBenchResultJson } from "../../data-loaders/import/export-vllm-bench.ts";
import { runForExport } from "../../data-loaders/import/exports.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";
import { mkdirSync } from "node:fs";

const SOURCE = join(PROJECT, "test/fixtures/vllm-bench/openai-chat-infqps-concurrency4-Qwen3-4B-20260301-090000.json");
const tmp = tempDir("export-vllm-bench");
afterAll(() => tmp.cleanup());
const dirs = { experimentsDir: join(tmp.dir, "experiments"), resultsRoot: join(tmp.dir, "results") };

async function exported(id: string, detailed: boolean): Promise<Record<string, unknown>> {
  const run = runForExport(dirs.resultsRoot, id);
  let text = "";
  for await (const chunk of vllmBenchResultJson(run, await runAggregates(run), { detailed })) text += chunk;
  return JSON.parse(text) as Record<string, unknown>;
}

beforeAll(async () => {
  mkdirSync(dirs.experimentsDir, { recursive: true });
  await importFile("vllm-bench", SOURCE, { ...dirs, experimentId: "qwen" });
  await importFile(
    "vllm-bench",
    join(
      PROJECT,
      "test/fixtures/vllm-bench/openai-chat-infqps-concurrency32-Llama-3.2-1B-Instruct-20251001-101500.json",
    ),
    {
      ...dirs,
      experimentId: "llama",
    },
  );
});

describe("export vllm-bench", () => {
  it("gives back vLLM's per-request lists, failures as vLLM writes them", async () => {
    const source = JSON.parse(readFileSync(SOURCE, "utf8")) as Record<string, unknown[]>;
    const out = await exported("qwen", true);
    for (const key of ["input_lens", "output_lens", "errors", "generated_texts"]) expect(out[key]).toEqual(source[key]);
    const close = (a: unknown, b: unknown) => expect(a as number).toBeCloseTo(b as number, 9);
    (out.ttfts as number[]).forEach((t, i) => close(t, source.ttfts![i]));
    (out.latencies as number[]).forEach((t, i) => close(t, source.latencies![i]));
    (out.itls as number[][]).forEach((gaps, i) => gaps.forEach((g, j) => close(g, (source.itls![i] as number[])[j])));
    const t0 = Math.min(...(source.start_times as number[]));
    (out.start_times as number[]).forEach((t, i) => close(t, (source.start_times![i] as number) - t0));
    expect(Object.keys(out).indexOf("input_lens")).toBeGreaterThan(Object.keys(out).indexOf("total_token_throughput"));
    expect(out).toMatchObject({ completed: 11, failed: 1, request_goodput: null, label: "qwen" });
    close(out.mean_ttft_ms, source.mean_ttft_ms);
    close(out.p90_e2el_ms, source.p90_e2el_ms);
    // The peak figures, computed by the project from the imported rows as vLLM computes them.
    expect(out.max_output_tokens_per_s).toBe(source.max_output_tokens_per_s);
    expect(out.max_concurrent_requests).toBe(source.max_concurrent_requests);
    expect(Object.keys(out).indexOf("max_output_tokens_per_s")).toBe(
      Object.keys(out).indexOf("total_token_throughput") + 1,
    );
  });

  it("writes a recorded run without rows from its recorded aggregates", async () => {
    const out = await exported("llama", false);
    expect(out).toMatchObject({
      model_id: "meta-llama/Llama-3.2-1B-Instruct",
      num_prompts: 5000,
      completed: 5000,
      failed: 0,
      duration: 108.4,
      mean_ttft_ms: 41.27,
      backend: null,
      max_concurrency: 32,
      // Not recorded, and not computable without rows.
      max_output_tokens_per_s: null,
      max_concurrent_requests: null,
    });
    expect(out.ttfts).toBeUndefined();
  });
});
