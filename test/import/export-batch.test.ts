// Round trip: an OpenAI batch input file → an experiment run on the simulator → the run's answers
// as a batch output file whose custom_ids are the input's.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadExperiment } from "../../data-loaders/experiment/load.ts";
import { batchOutputLines, runToExport, writeBatchOutput } from "../../data-loaders/import/export-batch.ts";
import type { RunFolder } from "../../data-loaders/store/folders.ts";
import { batchOutputLine, batchOutputLineSchema } from "../../data-loaders/import/openai-batch.ts";
import { runExperiment } from "../../data-loaders/run/runner.ts";
import { readRows } from "../../data-loaders/store/columns.ts";
import { PROJECT, tempDir, writeExperiment } from "../helpers/temp.ts";

const quiet = { tick() {}, stop() {} };
const tmp = tempDir("export-batch");
afterAll(() => tmp.cleanup());
const INPUT = join(PROJECT, "test/fixtures/openai-batch/candidates.jsonl");

/** Every line of a run's batch output, batch after batch. */
async function allLines(run: RunFolder): Promise<string[]> {
  const lines: string[] = [];
  for await (const batch of batchOutputLines(run)) lines.push(...batch);
  return lines;
}

describe("batch JSONL round trip", () => {
  it("exports one output line per request, custom_id = the input's, with the answer and usage", async () => {
    const file = writeExperiment(
      tmp.dir,
      "batch",
      `{ title: "batch", server: { simulate: "llama-3.2-1b@rtx-4080", speedup: 50 }, workload: { prompts: { batch: "candidates.jsonl" }, maxTokens: 64, temperature: 0, seed: 3 }, requests: 3, load: { concurrency: 2 } }`,
    );
    copyFileSync(INPUT, join(tmp.dir, "experiments/candidates.jsonl"));
    const exp = await loadExperiment(file);
    const resultsRoot = join(tmp.dir, "results");
    const { manifest } = await runExperiment(exp, { resultsRoot, progress: () => quiet, log: () => {} });
    expect(manifest.status).toBe("complete");

    const run = runToExport(resultsRoot, "batch");
    const text = await allLines(run);
    const lines = text.map((l) => batchOutputLineSchema.parse(JSON.parse(l)));
    const inputIds = readFileSync(INPUT, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { custom_id: string }).custom_id);
    expect(lines.map((l) => l.custom_id)).toEqual(inputIds);
    const rows = await readRows(run.requestsPath!, [
      "request_id",
      "answer",
      "prompt_tokens",
      "completion_tokens",
      "finish_reason",
    ]);
    for (const [i, line] of lines.entries()) {
      const row = rows[i]!;
      expect(line.error).toBeNull();
      expect(line.response).toMatchObject({ status_code: 200, request_id: row.request_id });
      const body = line.response!.body as {
        object: string;
        model: string;
        choices: { message: { content: string }; finish_reason: string }[];
        usage: Record<string, number>;
      };
      expect(body.object).toBe("chat.completion");
      expect(body.model).toBe("meta-llama/Llama-3.2-1B-Instruct");
      expect(body.choices[0]!.message.content).toBe(row.answer);
      expect(body.choices[0]!.finish_reason).toBe(row.finish_reason);
      expect(body.usage).toEqual({
        prompt_tokens: row.prompt_tokens,
        completion_tokens: row.completion_tokens,
        total_tokens: row.prompt_tokens! + row.completion_tokens!,
      });
    }

    // The command writes the same lines.
    const out = join(tmp.dir, "out.jsonl");
    execFileSync("node", [join(PROJECT, "bin/tracker.js"), "export", "batch", "batch", "--out", out], {
      cwd: PROJECT,
      env: { ...process.env, TRACKER_RESULTS: resultsRoot },
      stdio: "pipe",
    });
    expect(readFileSync(out, "utf8")).toBe(text.map((l) => l + "\n").join(""));
  });

  it("an export that fails leaves no file behind", async () => {
    const run = runToExport(join(tmp.dir, "results"), "batch");
    const out = join(tmp.dir, "failed.jsonl");
    const broken = { ...run, requestsPath: join(tmp.dir, "missing.parquet") };
    await expect(writeBatchOutput(broken, out)).rejects.toThrow();
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith("failed.jsonl"))).toEqual([]);
  });

  it("refuses runs without answers", () => {
    expect(() => runToExport(join(tmp.dir, "nothing"), "batch")).toThrow(/no runs of batch/);
  });
});

describe("batchOutputLine", () => {
  const base = {
    prompt_id: "request-1",
    request_id: "run-0",
    request_index: 0,
    finish_reason: null,
    answer: null,
    reasoning: null,
    prompt_tokens: null,
    completion_tokens: null,
  };

  it("unknown usage stays null, never 0", () => {
    const line = batchOutputLine(
      { ...base, status: "ok", error_class: null, http_status: 200, error_message: null, answer: "{}" },
      "m",
      1,
    );
    expect((line.response!.body as { usage: unknown }).usage).toEqual({
      prompt_tokens: null,
      completion_tokens: null,
      total_tokens: null,
    });
  });

  it("an HTTP error carries the status and an error object; a connection error only an error string", () => {
    const http = batchOutputLine(
      { ...base, status: "error", error_class: "http_5xx", http_status: 500, error_message: "engine dead" },
      "m",
      1,
    );
    expect(http).toEqual({
      id: "batch-run-0",
      custom_id: "request-1",
      response: { status_code: 500, request_id: "run-0", body: null },
      error: { message: "engine dead", type: "http_5xx", code: 500 },
    });
    const reset = batchOutputLine(
      { ...base, status: "error", error_class: "reset", http_status: null, error_message: "socket hang up" },
      "m",
      1,
    );
    expect(reset).toMatchObject({ response: null, error: "reset: socket hang up" });
  });
});
