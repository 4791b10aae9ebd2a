// The Benchmark Report v0.2 of a run: the engine component (inference_engine with the accelerator
// for a launched server on a machine with nvidia-smi, else generic), the load generator, and
// statistics without empty fields. (Round trips through the import: exports.test.ts.)
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAggregates, type RunAggregates } from "../../data-loaders/import/aggregates.ts";
import { importFile } from "../../data-loaders/import/dispatch.ts";
import { reportV02 } from "../../data-loaders/import/export-report.ts";
import { runForExport } from "../../data-loaders/import/exports.ts";
import type { RunFolder } from "../../data-loaders/store/folders.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";

const tmp = tempDir("export-report");
afterAll(() => tmp.cleanup());
const dirs = { experimentsDir: join(tmp.dir, "experiments"), resultsRoot: join(tmp.dir, "results") };
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

let run: RunFolder;
let agg: RunAggregates;

beforeAll(async () => {
  mkdirSync(dirs.experimentsDir, { recursive: true });
  const file = join(
    PROJECT,
    "test/fixtures/vllm-bench/rust-openai-chat-infqps-concurrency4-Qwen3-4B-20260302-100000.json",
  );
  await importFile("vllm-bench", file, { ...dirs, experimentId: "rust", hardware: "RTX 4080" });
  run = runForExport(dirs.resultsRoot, "rust");
  agg = await runAggregates(run);
});

function values(o: unknown): unknown[] {
  return o && typeof o === "object" ? Object.values(o).flatMap((v) => [v, ...values(v)]) : [];
}

describe("export report-v0.2", () => {
  it("names a recorded run's engine generically, with its hardware, and its tool as the load generator", () => {
    const r = reportV02(run, agg) as unknown as Report;
    expect(r.scenario.stack[0].standardized).toEqual({
      kind: "generic",
      tool: "unknown",
      tool_version: "unknown",
      model: { name: "Qwen/Qwen3-4B" },
      hardware: "RTX 4080",
    });
    expect(r.scenario.load.standardized).toMatchObject({
      tool: "vllm-bench (Rust)",
      tool_version: "unknown",
      concurrency: 4,
    });
    expect(r.results.request_performance.aggregate.requests).toMatchObject({ total: 10, failures: 1 });
    expect(r.results.request_performance.aggregate.latency.inter_token_latency.units).toBe("ms/token");
    expect(values(r)).not.toContain(null);
    expect(values(r)).not.toContain(undefined);
  });

  it("describes a launched server with nvidia-smi as an inference_engine with its accelerator", () => {
    const m = {
      ...run.manifest,
      source: "measured" as const,
      server: { ...run.manifest.server, kind: "launch" as const },
      environment: {
        ...run.manifest.environment,
        gpus: [{ name: "NVIDIA GeForce RTX 4080", driver: "550.54", memory_total_mib: 16376 }],
      },
      spec: { server: { launch: { args: { "--max-model-len": 4096 } } }, load: { concurrency: 4 } },
      server_facts: { version: "0.21.0", root: null, max_model_len: 4096, cache_config: null },
    };
    const r = reportV02({ ...run, manifest: m }, { ...agg, manifest: m }) as unknown as Report;
    expect(r.scenario.stack[0]).toMatchObject({
      standardized: {
        kind: "inference_engine",
        tool: "vllm",
        tool_version: "0.21.0",
        role: "replica",
        replicas: 1,
        accelerator: { model: "NVIDIA GeForce RTX 4080", count: 1 },
      },
      native: { args: { "--max-model-len": 4096 } },
    });
    expect(r.scenario.load.standardized.tool).toBe("vllm-bench-tracker");
  });
});
