// llm-d Benchmark Report v0.2, YAML and JSON: aggregates only, units converted as the schema
// allows them (s, ms; s/token, ms/token), ISO-8601 durations, mistakes named by file and field.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseReportV02 } from "../../data-loaders/import/report-v0.2.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";

const DIR = join(PROJECT, "test/fixtures/report-v0.2");
const YAML = join(DIR, "br-v0.2-vllm-benchmark.yaml");
const JSON_REPORT = join(DIR, "br-v0.2-guidellm.json");
const tmp = tempDir("report-v0.2");
afterAll(() => tmp.cleanup());

const parse = (path: string) => parseReportV02(readFileSync(path, "utf8"), path);

interface Editable {
  version: string;
  run: { time: { duration?: string } };
  scenario: { stack?: unknown };
}

function writeJson(name: string, change: (r: Editable) => void): string {
  const r = JSON.parse(readFileSync(JSON_REPORT, "utf8")) as Editable;
  change(r);
  const path = join(tmp.dir, name);
  writeFileSync(path, JSON.stringify(r));
  return path;
}

describe("Benchmark Report v0.2", () => {
  it("reads the YAML form: the load generator as the tool, the engine's model and accelerator, ms figures", () => {
    const run = parse(YAML);
    expect(run.tool).toEqual({ name: "vllm-benchmark", version: "0.21.0" });
    expect(run.model).toBe("Qwen/Qwen3-0.6B");
    expect(run.hardware).toBe("1 × NVIDIA-H100-80GB-HBM3");
    expect(run.concurrency).toBe(16);
    expect(run.measuredOn).toBe("2026-07-14");
    expect(run.rows).toBeNull();
    expect(run.aggregates).toEqual({
      num_prompts: 2000,
      completed: 1996,
      duration: 120.5,
      total_input_tokens: 1024 * 1996,
      total_output_tokens: 128 * 1996,
      request_throughput: 1996 / 120.5,
      output_throughput: (1996 * 128) / 120.5,
      total_token_throughput: (1996 * (1024 + 128)) / 120.5,
      mean_ttft_ms: 41.8,
      mean_tpot_ms: 7.42,
      mean_e2el_ms: 984.2,
    });
  });

  it("reads the JSON form, converting seconds and s/token to ms; incomplete requests are not completed", () => {
    const run = parse(JSON_REPORT);
    expect(run.tool).toEqual({ name: "guidellm", version: "0.7.3" });
    expect(run.requestRate).toBe(8);
    expect(run.aggregates).toMatchObject({ num_prompts: 466, completed: 464, duration: 58.25 });
    expect(run.aggregates.mean_ttft_ms).toBeCloseTo(61.2, 9);
    expect(run.aggregates.mean_tpot_ms).toBeCloseTo(17.9, 9);
    expect(run.aggregates.mean_e2el_ms).toBeCloseTo(4620, 9);
    expect(run.aggregates.total_input_tokens).toBe(Math.round(511.3 * 464));
  });

  it("takes the duration from the start and end when the report gives no ISO duration", () => {
    const path = writeJson("no-duration.json", (r) => delete r.run.time.duration);
    expect(parse(path).aggregates.duration).toBe(60);
    const minutes = writeJson("minutes.json", (r) => (r.run.time.duration = "PT1M2.5S"));
    expect(parse(minutes).aggregates.duration).toBe(62.5);
  });

  it("names the file and field of a corrupt or foreign report", () => {
    expect(() => parse(join(DIR, "corrupt.yaml"))).toThrow(
      /corrupt.yaml: results.request_performance.aggregate.latency.time_to_first_token.units: one of ms, s/,
    );
    expect(() => parse(writeJson("v01.json", (r) => (r.version = "0.1")))).toThrow(
      /v01.json: version: the string "0.2" \(a Benchmark Report v0.2\)/,
    );
    expect(() => parse(writeJson("bad-duration.json", (r) => (r.run.time.duration = "50 s")))).toThrow(
      /bad-duration.json: run.time.duration: "50 s" is not an ISO-8601 duration/,
    );
    expect(() => parse(writeJson("no-model.json", (r) => delete r.scenario.stack))).toThrow(
      /no-model.json: scenario.stack: no component names a model/,
    );
    const guidellm = join(PROJECT, "test/fixtures/guidellm/benchmarks.json");
    expect(() => parse(guidellm)).toThrow(/benchmarks.json: version: the string "0.2"/);
    const broken = join(tmp.dir, "broken.yaml");
    writeFileSync(broken, "version: '0.2'\nrun: [unclosed\n");
    expect(() => parse(broken)).toThrow(/broken.yaml: not valid YAML/);
  });
});
