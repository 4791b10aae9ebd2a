// GuideLLM benchmarks.json (report schema version 2, GuideLLM v0.7.3): one run per benchmark,
// units as GuideLLM writes them (Unix seconds, request latency in s, TTFT in ms), rows only when
// every request was kept. The fixture was serialised by GuideLLM's own models (README there).
import { dump as dumpYaml } from "js-yaml";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseGuideLlm } from "../../data-loaders/import/guidellm.ts";
import type { ImportedRow } from "../../data-loaders/import/normalised.ts";
import { summarizeRun } from "../../data-loaders/metrics/summary.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";

const FIXTURE = join(PROJECT, "test/fixtures/guidellm/benchmarks.json");
const tmp = tempDir("guidellm");
afterAll(() => tmp.cleanup());

// The fields of the fixture the assertions compare with (read directly, not through the import).
interface Summary {
  successful: { mean: number; count: number; total_sum: number };
}
interface Request {
  request_id: string;
  info: { timings: Record<string, number | null>; error: string | null };
  time_to_first_token_ms: number | null;
  request_latency: number | null;
}
interface Benchmark {
  metrics: Record<string, Summary> & { request_totals: Record<string, number> };
  requests: Record<"successful" | "errored" | "incomplete", Request[]>;
  scheduler_metrics: Record<string, number>;
  duration: number;
}
interface Report {
  benchmarks: Benchmark[];
}
const report = () => JSON.parse(readFileSync(FIXTURE, "utf8")) as Report;
const parse = (path: string) => parseGuideLlm(readFileSync(path, "utf8"), path);

function write(name: string, change: (r: Report) => void): string {
  const r = report();
  change(r);
  const path = join(tmp.dir, name);
  writeFileSync(path, JSON.stringify(r));
  return path;
}

describe("GuideLLM benchmarks.json", () => {
  it("gives one run per benchmark with the tool, model, strategy and vLLM-named aggregates", () => {
    const file = report();
    const runs = parse(FIXTURE);
    expect(runs).toHaveLength(2);
    expect(runs.map((r) => [r.tool.name, r.tool.version, r.model, r.concurrency, r.label])).toEqual([
      ["GuideLLM", "0.7.3", "Qwen/Qwen3-4B", 2, "concurrent, 2 streams"],
      ["GuideLLM", "0.7.3", "Qwen/Qwen3-4B", 4, "concurrent, 4 streams"],
    ]);
    const b = file.benchmarks[1]!;
    const a = runs[1]!.aggregates;
    expect(a).toMatchObject({
      num_prompts: 8,
      completed: 6,
      duration: b.duration,
      total_input_tokens: Math.round(b.metrics.prompt_token_count!.successful.total_sum),
      // GuideLLM's sums are floats (mean × count): the token totals are whole numbers.
      total_output_tokens: Math.round(b.metrics.output_token_count!.successful.total_sum),
      mean_ttft_ms: b.metrics.time_to_first_token_ms!.successful.mean,
      // GuideLLM's TPOT includes the first token: not vLLM's, so not recorded.
      mean_tpot_ms: null,
    });
    // Request latency is in seconds in GuideLLM's report.
    expect(a.mean_e2el_ms).toBeCloseTo(b.metrics.request_latency!.successful.mean * 1000, 9);
    expect(a.request_throughput).toBeCloseTo(6 / b.duration, 12);
    expect(runs[1]!.measuredOn).toBe("2026-08-01");
  });

  it("stores every request as a row, in send order, with the tool's timings in ms and its failures", () => {
    const b = report().benchmarks[1]!;
    const rows = parse(FIXTURE)[1]!.rows as ImportedRow[];
    expect(rows).toHaveLength(8);
    const sent = rows.map((r) => r.sent_ms!);
    expect(sent).toEqual([...sent].sort((x, y) => x - y));
    expect(sent[0]).toBe(0);
    for (const req of b.requests.successful) {
      const row = rows.find((r) => r.request_id === req.request_id)!;
      expect(row.status).toBe("ok");
      expect(row.ttft_ms).toBeCloseTo(req.time_to_first_token_ms!, 6);
      expect(row.e2e_ms).toBeCloseTo(req.request_latency! * 1000, 6);
      expect(row.itl_ms).toBeNull();
    }
    const errored = rows.find((r) => r.request_id === b.requests.errored[0]!.request_id)!;
    expect(errored).toMatchObject({ status: "error", error_class: "context_length", http_status: 400 });
    expect(errored.error_message).toMatch(/maximum context length/);
    const incomplete = rows.find((r) => r.request_id === b.requests.incomplete[0]!.request_id)!;
    expect(incomplete).toMatchObject({ status: "error", error_class: "aborted", completion_tokens: null });

    const s = summarizeRun(rows);
    expect(s.ttftMs.mean).toBeCloseTo(b.metrics.time_to_first_token_ms!.successful.mean, 6);
    expect(s.e2elMs.mean).toBeCloseTo(b.metrics.request_latency!.successful.mean * 1000, 6);
    expect(s.totalOutputTokens).toBe(Math.round(b.metrics.output_token_count!.successful.total_sum));
    // vLLM's TPOT, from the rows: (E2EL − TTFT) / (output tokens − 1).
    expect(s.tpotMs.n).toBe(6);
  });

  it("marks requests outside the measurement window as warm-up, and keeps no rows of a sampled report", () => {
    const shifted = write("warmup.json", (r) => {
      const b = r.benchmarks[0]!;
      const firstEnd = Math.min(...b.requests.successful.map((q) => q.info.timings.request_end!));
      b.scheduler_metrics.measure_start_time = firstEnd + 1e-6;
      b.metrics.request_totals.successful -= 1;
      b.metrics.request_totals.total -= 1;
    });
    const rows = parse(shifted)[0]!.rows as ImportedRow[];
    expect(rows.filter((r) => r.warmup)).toHaveLength(1);

    const sampled = write("sampled.json", (r) => r.benchmarks[1]!.requests.successful.splice(0, 2));
    const run = parse(sampled)[1]!;
    expect(run.rows).toBeNull();
    expect(run.rowsNote).toMatch(/kept 6 of the requests.*--sample-size/);
  });

  it("reads the YAML form", () => {
    const path = join(tmp.dir, "benchmarks.yaml");
    writeFileSync(path, dumpYaml(report()));
    expect(parse(path).map((r) => r.aggregates)).toEqual(parse(FIXTURE).map((r) => r.aggregates));
  });

  it("names the file and field of a corrupt or foreign file", () => {
    expect(() => parse(join(PROJECT, "test/fixtures/guidellm/corrupt-benchmarks.json"))).toThrow(
      /corrupt-benchmarks.json: benchmarks\[1\].requests.successful\[2\].info.timings.request_end: a number/,
    );
    const vllm = join(
      PROJECT,
      "test/fixtures/vllm-bench/openai-chat-infqps-concurrency4-Qwen3-4B-20260301-090000.json",
    );
    expect(() => parse(vllm)).toThrow(/metadata: GuideLLM's report metadata \(is this a GuideLLM benchmarks.json\?\)/);
    expect(() =>
      parse(write("v1.json", (r) => ((r as unknown as { metadata: { version: number } }).metadata.version = 1))),
    ).toThrow(/v1.json: metadata.version: 2 \(GuideLLM's report schema version this import reads\)/);
    expect(() => parse(write("no-model.json", (r) => dropModel(r)))).toThrow(
      /no-model.json: benchmarks\[0\].config.backend.model: no model named/,
    );
  });
});

function dropModel(r: Report): void {
  const raw = r as unknown as {
    config: { spec: { backend: { model: string } } };
    benchmarks: { config: { backend: { model: string } } }[];
  };
  raw.config.spec.backend.model = "";
  for (const b of raw.benchmarks) b.config.backend.model = "";
}
