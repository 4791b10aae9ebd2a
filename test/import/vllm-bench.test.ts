// `vllm bench serve` result files (Python and Rust client layouts): aggregates, per-request rows,
// mistakes named by file and key. The fixtures' figures were computed with numpy as vLLM does
// (test/fixtures/vllm-bench/README.md), so the project's formulas over the imported rows must
// give them back.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadExperiments } from "../../data-loaders/experiment/load.ts";
import { materialiseRecorded } from "../../data-loaders/experiment/recorded.ts";
import { importFile } from "../../data-loaders/import/dispatch.ts";
import { idStem, safeId, type ImportedRow } from "../../data-loaders/import/normalised.ts";
import { parseVllmBench } from "../../data-loaders/import/vllm-bench.ts";
import { peakFigures } from "../../data-loaders/metrics/peaks.ts";
import { summarizeRun } from "../../data-loaders/metrics/summary.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";

const FIXTURES = join(PROJECT, "test/fixtures/vllm-bench");
const RESULT = join(FIXTURES, "openai-chat-infqps-concurrency32-Llama-3.2-1B-Instruct-20251001-101500.json");
const DETAILED = join(FIXTURES, "openai-chat-infqps-concurrency4-Qwen3-4B-20260301-090000.json");
const RUST = join(FIXTURES, "rust-openai-chat-infqps-concurrency4-Qwen3-4B-20260302-100000.json");
const tmp = tempDir("vllm-bench");
afterAll(() => tmp.cleanup());

type Json = Record<string, unknown>;
const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Json;

function writeResult(name: string, change: (r: Json) => void, from = RESULT): string {
  const r = readJson(from);
  change(r);
  const path = join(tmp.dir, name);
  writeFileSync(path, JSON.stringify(r));
  return path;
}

function folders(name: string) {
  const experimentsDir = join(tmp.dir, name, "experiments");
  mkdirSync(experimentsDir, { recursive: true });
  return { experimentsDir, resultsRoot: join(tmp.dir, name, "results") };
}

const parse = (path: string) => parseVllmBench(readFileSync(path, "utf8"), path);
const rowsOf = (path: string) => parse(path)[0]!.rows as ImportedRow[];

describe("tracker import vllm-bench: aggregates", () => {
  it("writes a recorded experiment file and its manifest-only run folder with the result's aggregates", async () => {
    const dirs = folders("a");
    const [r] = await importFile("vllm-bench", RESULT, { ...dirs, hardware: "RTX 4080 16 GB" });
    expect(r!.id).toBe("bench-llama-3.2-1b-instruct-20251001-101500");
    expect(readdirSync(r!.runDir)).toEqual(["manifest.json"]);
    expect(r!.runDir).toContain(join(dirs.resultsRoot, r!.id, "20251001-000000Z-"));
    expect(r!.manifest).toMatchObject({
      source: "recorded",
      status: "complete",
      server: { kind: "recorded", model: "meta-llama/Llama-3.2-1B-Instruct" },
      counts: { requests: 5000, done: 5000, ok: 5000, error: 0 },
      recorded: {
        origin: "vllm bench serve result openai-chat-infqps-concurrency32-Llama-3.2-1B-Instruct-20251001-101500.json",
        tool: "vllm bench serve",
        tool_version: null,
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
    expect(r!.manifest.environment.host).toBe("RTX 4080 16 GB");
    expect(r!.rowsNote).toMatch(/no per-request lists/);

    // The experiment file loads as a recorded experiment with the same spec hash: the build keeps the folder.
    const load = await loadExperiments(dirs.experimentsDir);
    expect(load.errors).toEqual([]);
    expect(load.recorded.map((x) => x.id)).toEqual([r!.id]);
    expect(load.recorded[0]!.specHash).toBe(r!.manifest.spec_hash);
    expect(load.recorded[0]!.recorded.notes).toContain("request rate inf, burstiness 1, max concurrency 32");
    expect(load.recorded[0]!.recorded.notes).toContain("Aggregates only");
    expect(load.recorded[0]!.recorded.tool).toEqual({ name: "vllm bench serve" });
    expect(materialiseRecorded(load.recorded, dirs.resultsRoot)).toEqual([]);

    // A second import under the same id is refused.
    await expect(importFile("vllm-bench", RESULT, dirs)).rejects.toThrow(
      /exists already: choose another id with --experiment/,
    );
  });

  it("reads older files without failed / total_token_throughput; mean statistics of an all-failed run are not kept", async () => {
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
    const [r] = await importFile("vllm-bench", path, { ...folders("b"), experimentId: "old-bench" });
    expect(r!.manifest.recorded).toMatchObject({
      requests: 5000,
      completed: 0,
      total_token_throughput: null,
      mean_ttft_ms: null,
      request_throughput: 0,
    });
    expect(r!.manifest.counts).toMatchObject({ ok: 0, error: 5000 });
  });

  it("derives a safe experiment id from the model and date, else the file name", () => {
    expect(safeId("bench", idStem({ model: "Qwen/Qwen3-4B", stamp: "20251001-101500" }, "x.json"))).toBe(
      "bench-qwen3-4b-20251001-101500",
    );
    expect(safeId("bench", idStem({ model: "m", stamp: null }, "/x/vllm-0.1qps-Qwen3_4B..x.json"))).toBe(
      "bench-vllm-0.1qps-qwen3-4b.x",
    );
  });
});

describe("tracker import vllm-bench: per-request rows (--save-detailed)", () => {
  it("maps the Python lists to rows: seconds to ms, send times from the first send, failures without timings", () => {
    const file = readJson(DETAILED);
    const [run] = parse(DETAILED);
    expect(run!.tool).toEqual({ name: "vllm bench serve", version: null });
    const rows = run!.rows as ImportedRow[];
    expect(rows).toHaveLength(12);
    const starts = file.start_times as number[];
    const ttfts = file.ttfts as number[];
    for (const [i, row] of rows.entries()) {
      expect(row.request_index).toBe(i);
      expect(row.sent_ms).toBeCloseTo((starts[i]! - Math.min(...starts)) * 1000, 9);
      expect(row.prompt_tokens).toBe((file.input_lens as number[])[i]);
    }
    const failed = rows[7]!;
    expect(failed).toMatchObject({
      status: "error",
      error_message: "Bad Request",
      ttft_ms: null,
      first_event_ms: null,
      done_ms: null,
      completion_tokens: null,
      itl_ms: null,
      answer: null,
    });
    const ok = rows[3]!;
    expect(ok.status).toBe("ok");
    expect(ok.ttft_ms).toBeCloseTo(ttfts[3]! * 1000, 9);
    expect(ok.first_event_ms! - ok.sent_ms!).toBeCloseTo(ok.ttft_ms!, 9);
    expect(ok.itl_ms).toEqual((file.itls as number[][])[3]!.map((g) => g * 1000));
    expect(ok.tpot_ms).toBeCloseTo((ok.e2e_ms! - ok.ttft_ms!) / (ok.completion_tokens! - 1), 9);
    expect(ok.answer).toBe((file.generated_texts as string[])[3]);
  });

  it("gives back vLLM's own aggregates through the project's formulas", () => {
    const file = readJson(DETAILED);
    const s = summarizeRun(rowsOf(DETAILED));
    expect(s).toMatchObject({ requests: 12, completed: 11, failed: 1 });
    expect(s.totalInputTokens).toBe(file.total_input_tokens);
    expect(s.totalOutputTokens).toBe(file.total_output_tokens);
    for (const [name, d] of [
      ["ttft", s.ttftMs],
      ["tpot", s.tpotMs],
      ["itl", s.itlMs],
      ["e2el", s.e2elMs],
    ] as const) {
      expect(d.mean).toBeCloseTo(file[`mean_${name}_ms`] as number, 9);
      expect(d.median).toBeCloseTo(file[`median_${name}_ms`] as number, 9);
      expect(d.std).toBeCloseTo(file[`std_${name}_ms`] as number, 9);
      expect(d.p90).toBeCloseTo(file[`p90_${name}_ms`] as number, 9);
      expect(d.p99).toBeCloseTo(file[`p99_${name}_ms`] as number, 9);
    }
    // vLLM's duration starts before the first dispatch and ends after the last task: a little longer.
    expect(s.durationS).toBeLessThan(file.duration as number);
    expect(s.durationS).toBeGreaterThan((file.duration as number) - 0.005);
    expect(peakFigures(rowsOf(DETAILED))).toEqual({
      peakOutputTokensPerS: file.max_output_tokens_per_s,
      peakConcurrentRequests: file.max_concurrent_requests,
    });
    // vLLM counts every imported success as its own: its own verdicts.
    expect(rowsOf(DETAILED).map((r) => r.vllm_success)).toEqual(rowsOf(DETAILED).map((r) => r.status === "ok"));
  });

  it("reads the Rust client's layout: failed_requests, max_model_len, steady_state", () => {
    const file = readJson(RUST);
    const [run] = parse(RUST);
    expect(run!.tool.name).toBe("vllm-bench (Rust)");
    expect(run!.aggregates).toMatchObject({ num_prompts: 10, completed: 9, mean_e2el_ms: null });
    const rows = run!.rows as ImportedRow[];
    expect(rows[4]).toMatchObject({ status: "error", error_message: "HTTP 503: Service Unavailable" });
    const s = summarizeRun(rows);
    expect(s.ttftMs.mean).toBeCloseTo(file.mean_ttft_ms as number, 9);
    expect(s.tpotMs.p99).toBeCloseTo(file.p99_tpot_ms as number, 9);
    expect(s.itlMs.mean).toBeCloseTo(file.mean_itl_ms as number, 9);
    expect(peakFigures(rows)).toEqual({
      peakOutputTokensPerS: file.max_output_tokens_per_s,
      peakConcurrentRequests: file.max_concurrent_requests,
    });
  });

  it("keeps aggregates only when the lists lack send times (older vLLM), and reads --append-result files", () => {
    const old = writeResult(
      "no-start-times.json",
      (r) => {
        delete r.start_times;
        delete r.latencies;
      },
      DETAILED,
    );
    const [run] = parse(old);
    expect(run!.rows).toBeNull();
    expect(run!.rowsNote).toMatch(/lack latencies, start_times/);

    const appended = join(tmp.dir, "appended.jsonl");
    writeFileSync(appended, readFileSync(RESULT, "utf8").trim() + "\n" + JSON.stringify(readJson(DETAILED)) + "\n");
    expect(parse(appended).map((r) => r.model)).toEqual(["meta-llama/Llama-3.2-1B-Instruct", "Qwen/Qwen3-4B"]);
  });

  it('counts an HTTP error without a reason phrase (stored as "") as failed: no first token, no output', () => {
    const noReason = writeResult("no-reason.json", (r) => ((r.errors as string[])[7] = ""), DETAILED);
    expect(rowsOf(noReason)[7]).toMatchObject({ status: "error", error_message: null });
  });

  it("reads a run of 200,000 requests (no per-request spreads that overflow the stack)", () => {
    const n = 200_000;
    const big = writeResult(
      "big.json",
      (r) => {
        Object.assign(r, { num_prompts: n, completed: n, failed: 0 });
        r.input_lens = new Array(n).fill(100);
        r.output_lens = new Array(n).fill(2);
        r.ttfts = new Array(n).fill(0.01);
        r.itls = new Array(n).fill([0.005]);
        r.latencies = new Array(n).fill(0.02);
        r.start_times = Array.from({ length: n }, (_, i) => 1000 + i / 1000);
        r.generated_texts = new Array(n).fill("ok");
        r.errors = new Array(n).fill("");
      },
      DETAILED,
    );
    const rows = rowsOf(big);
    expect(rows).toHaveLength(n);
    expect(rows.at(-1)!.sent_ms).toBeCloseTo(199_999, 6);
  });

  it("stores the rows as requests.parquet beside the manifest", async () => {
    const [r] = await importFile("vllm-bench", DETAILED, folders("rows"));
    expect(readdirSync(r!.runDir).sort()).toEqual(["manifest.json", "requests.parquet"]);
    expect(r!.rows).toBe(12);
  });
});

describe("tracker import vllm-bench: mistakes", () => {
  it("names the file and the key of a mistake", () => {
    expect(() => parse(writeResult("no-model.json", (r) => delete r.model_id))).toThrow(
      /no-model.json: model_id: the served model id \(a string\)/,
    );
    expect(() => parse(writeResult("bad-duration.json", (r) => (r.duration = "108 s")))).toThrow(
      /bad-duration.json: duration: a number/,
    );
    expect(() => parse(writeResult("bad-date.json", (r) => (r.date = "2025-10-01")))).toThrow(
      /bad-date.json: date: a date such as 20250601-134512/,
    );
    expect(() => parse(writeResult("fewer.json", (r) => (r.num_prompts = 10)))).toThrow(
      /fewer.json: num_prompts: 10 is fewer than completed \(5000\)/,
    );
    expect(() => parse(join(FIXTURES, "corrupt-ttfts.json"))).toThrow(/corrupt-ttfts.json: ttfts\[3\]: a number/);
    const short = writeResult("short.json", (r) => (r.itls as unknown[]).pop(), DETAILED);
    expect(() => parse(short)).toThrow(/short.json: itls: 11 entries, but the run sent 12 requests/);
    const errors = writeResult("errors.json", (r) => ((r.errors as string[])[2] = "Timeout"), DETAILED);
    expect(() => parse(errors)).toThrow(/errors.json: errors: 2 failed requests, but failed = 1/);
    const notJson = join(tmp.dir, "not.json");
    writeFileSync(notJson, "{");
    expect(() => parse(notJson)).toThrow(/not.json: not valid JSON/);
  });

  it("refuses a missing file before writing anything", async () => {
    const dirs = folders("missing");
    await expect(importFile("vllm-bench", join(tmp.dir, "missing.json"), dirs)).rejects.toThrow(/missing.json: ENOENT/);
    expect(readdirSync(dirs.experimentsDir)).toEqual([]);
    expect(existsSync(dirs.resultsRoot)).toBe(false);
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
