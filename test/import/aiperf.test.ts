// AIPerf profile exports: the summary JSON (schema 1.5) and the per-record JSONL, read together
// from either file; units taken from each block ("unit is authoritative"); rows only when the
// records agree with the summary.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { aiperfFiles, parseAiperfRecord, parseAiperfSummary, readAiperf } from "../../data-loaders/import/aiperf.ts";
import type { ImportedRow } from "../../data-loaders/import/normalised.ts";
import { summarizeRun } from "../../data-loaders/metrics/summary.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";

const DIR = join(PROJECT, "test/fixtures/aiperf");
const SUMMARY = join(DIR, "profile_export_aiperf.json");
const RECORDS = join(DIR, "profile_export.jsonl");
const tmp = tempDir("aiperf");
afterAll(() => tmp.cleanup());

type Block = { unit: string; avg: number };
const summary = () => JSON.parse(readFileSync(SUMMARY, "utf8")) as Record<string, Block>;
const records = () =>
  readFileSync(RECORDS, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { metadata: Record<string, unknown>; metrics: Record<string, { value: unknown }> });

async function rowsOf(file: string): Promise<ImportedRow[]> {
  const run = await readAiperf(file);
  const rows: ImportedRow[] = [];
  for await (const row of run.rows as AsyncIterable<ImportedRow>) rows.push(row);
  return rows;
}

function copyPair(name: string, change: { summary?: (s: Record<string, unknown>) => void; records?: string }) {
  const dir = join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  const s = JSON.parse(readFileSync(SUMMARY, "utf8")) as Record<string, unknown>;
  change.summary?.(s);
  writeFileSync(join(dir, "profile_export_aiperf.json"), JSON.stringify(s));
  if (change.records !== undefined) writeFileSync(join(dir, "profile_export.jsonl"), change.records);
  else copyFileSync(RECORDS, join(dir, "profile_export.jsonl"));
  return dir;
}

describe("AIPerf profile exports", () => {
  it("finds the pair from either file", () => {
    expect(aiperfFiles(RECORDS)).toEqual({ summary: SUMMARY, records: RECORDS });
    expect(aiperfFiles(SUMMARY)).toEqual({ summary: SUMMARY, records: RECORDS });
    expect(aiperfFiles("/x/run1_aiperf.json").records).toBe("/x/run1.jsonl");
  });

  it("reads the summary's aggregates, converting each block by its unit", () => {
    const s = summary();
    const run = parseAiperfSummary(readFileSync(SUMMARY, "utf8"), SUMMARY);
    expect(run.tool).toEqual({ name: "AIPerf", version: "0.9.0" });
    expect(run.model).toBe("meta-llama/Llama-3.2-1B-Instruct");
    expect(run.concurrency).toBe(4);
    expect(run.aggregates).toEqual({
      num_prompts: 10,
      completed: 9,
      // "sec" in the summary.
      duration: s.benchmark_duration!.avg,
      total_input_tokens: s.total_isl!.avg,
      total_output_tokens: s.total_osl!.avg,
      request_throughput: s.request_throughput!.avg,
      output_throughput: s.output_token_throughput!.avg,
      total_token_throughput: (s.total_isl!.avg + s.total_osl!.avg) / s.benchmark_duration!.avg,
      mean_ttft_ms: s.time_to_first_token!.avg,
      // AIPerf's per-request ITL is (latency − TTFT) / (tokens − 1): vLLM's TPOT.
      mean_tpot_ms: s.inter_token_latency!.avg,
      mean_e2el_ms: s.request_latency!.avg,
    });
    const inSeconds = copyPair("seconds", {
      summary: (x) => ((x as Record<string, Block>).request_latency = { unit: "sec", avg: 0.25 }),
    });
    const file = join(inSeconds, "profile_export_aiperf.json");
    expect(parseAiperfSummary(readFileSync(file, "utf8"), file).aggregates.mean_e2el_ms).toBe(250);
  });

  it("turns every record into a row: ns times from the first send, ms metrics, warm-up and failures", async () => {
    const lines = records();
    const rows = await rowsOf(RECORDS);
    expect(rows).toHaveLength(11);
    expect(rows[0]!.warmup).toBe(true);
    expect(rows.filter((r) => r.warmup)).toHaveLength(1);
    const t0 = Math.min(...lines.map((l) => l.metadata.request_start_ns as number));
    for (const [i, row] of rows.entries()) {
      expect(row.request_index).toBe(i);
      expect(row.sent_ms).toBeCloseTo(((lines[i]!.metadata.request_start_ns as number) - t0) / 1e6, 3);
      expect(row.request_id).toBe(lines[i]!.metadata.x_request_id);
    }
    expect(rows[7]).toMatchObject({
      status: "error",
      error_class: "http_5xx",
      http_status: 500,
      ttft_ms: null,
      prompt_tokens: lines[7]!.metrics.error_isl!.value,
    });
    const ok = rows[3]!;
    expect(ok.itl_ms).toEqual(lines[3]!.metrics.inter_chunk_latency!.value);
    expect(ok.e2e_ms).toBe(lines[3]!.metrics.request_latency!.value);
    // Workers are numbered in the order their ids first appear.
    const ids = [...new Set(lines.map((l) => l.metadata.worker_id))];
    expect(rows.map((r) => r.worker)).toEqual(lines.map((l) => ids.indexOf(l.metadata.worker_id)));
  });

  it("gives back the summary's figures through the project's formulas", async () => {
    const s = summary();
    const measured = (await rowsOf(SUMMARY)).filter((r) => !r.warmup);
    const m = summarizeRun(measured);
    expect(m).toMatchObject({ requests: 10, completed: 9 });
    expect(m.totalInputTokens).toBe(s.total_isl!.avg);
    expect(m.totalOutputTokens).toBe(s.total_osl!.avg);
    expect(m.ttftMs.mean).toBeCloseTo(s.time_to_first_token!.avg, 9);
    expect(m.tpotMs.mean).toBeCloseTo(s.inter_token_latency!.avg, 9);
    expect(m.e2elMs.mean).toBeCloseTo(s.request_latency!.avg, 9);
    expect(m.itlMs.mean).toBeCloseTo(s.inter_chunk_latency!.avg, 9);
    // First send → last completion, as AIPerf's benchmark_duration (ns timestamps rounded by JSON numbers).
    expect(m.durationS).toBeCloseTo(s.benchmark_duration!.avg, 5);
  });

  it("keeps aggregates only when the records disagree with the summary or are missing", async () => {
    const dir = copyPair("disagree", { summary: (x) => ((x.request_count as Block).avg = 8) });
    const run = await readAiperf(join(dir, "profile_export.jsonl"));
    expect(run.rows).toBeNull();
    expect(run.rowsNote).toMatch(/9 successful and 1 failed profiling records, the summary 8 of 9/);

    const alone = join(tmp.dir, "alone");
    mkdirSync(alone);
    copyFileSync(SUMMARY, join(alone, "profile_export_aiperf.json"));
    expect((await readAiperf(join(alone, "profile_export_aiperf.json"))).rowsNote).toMatch(/no profile_export.jsonl/);
  });

  it("names the file, line and field of a corrupt or foreign file", async () => {
    await expect(readAiperf(join(DIR, "corrupt/profile_export.jsonl"))).rejects.toThrow(
      /corrupt\/profile_export.jsonl: line 4: metrics.request_latency.unit: unknown time unit "parsecs"/,
    );
    expect(() => parseAiperfRecord('{"metadata": {}}', 9, "x.jsonl")).toThrow(/x.jsonl: line 9.metadata.session_num/);
    expect(() => parseAiperfRecord("{", 2, "x.jsonl")).toThrow(/x.jsonl: line 2: not valid JSON/);
    const records = join(tmp.dir, "orphan.jsonl");
    writeFileSync(records, readFileSync(RECORDS));
    await expect(readAiperf(records)).rejects.toThrow(
      /orphan.jsonl: AIPerf's summary orphan_aiperf.json is not beside it/,
    );
    const foreign = join(PROJECT, "test/fixtures/guidellm/benchmarks.json");
    expect(() => parseAiperfSummary(readFileSync(foreign, "utf8"), foreign)).toThrow(
      /benchmarks.json: input_config: AIPerf's input_config \(is this an AIPerf profile_export_aiperf.json\?\)/,
    );
  });
});
