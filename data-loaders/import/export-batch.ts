// `tracker export batch <experiment-id>`: a run's answers as an OpenAI batch output file, one line
// per request in request order ({id, custom_id, response: {status_code, request_id, body}, error}).
// custom_id is the prompt id, so a batch input file round-trips to its answers.
import { listRuns, type RunFolder } from "../store/folders.ts";
import { readExperimentIndex } from "../store/index.ts";
import { createWriteStream, renameSync, rmSync } from "node:fs";
import { once } from "node:events";
import { readRowBatches } from "../store/columns.ts";
import { batchOutputLine, type AnswerRow } from "./openai-batch.ts";

const COLUMNS = [
  "prompt_id",
  "request_id",
  "request_index",
  "status",
  "error_class",
  "http_status",
  "error_message",
  "finish_reason",
  "answer",
  "reasoning",
  "prompt_tokens",
  "completion_tokens",
] as const satisfies readonly (keyof AnswerRow)[];

export class ExportError extends Error {}

/** The run to export: the one the site shows (results/experiments.json), else the latest run with rows. */
export function runToExport(resultsRoot: string, experimentId: string, runId?: string): RunFolder {
  const runs = listRuns(resultsRoot, () => {}).filter((r) => r.experimentId === experimentId);
  if (runs.length === 0) throw new ExportError(`no runs of ${experimentId} in ${resultsRoot}/`);
  const shown =
    runId ?? readExperimentIndex(resultsRoot, () => {})?.experiments.find((e) => e.id === experimentId)?.run_id ?? null;
  const run = shown ? runs.find((r) => r.runId === shown) : runs.filter((r) => r.requestsPath).at(-1);
  if (!run)
    throw new ExportError(
      runId ? `no run ${runId} of ${experimentId}` : `no finished run of ${experimentId} with requests`,
    );
  if (!run.requestsPath) {
    const why =
      run.manifest.source === "recorded"
        ? "a recorded run (aggregates only)"
        : `a ${run.manifest.status} run without requests.parquet`;
    throw new ExportError(`${experimentId}/${run.runId} is ${why}: there are no answers to export`);
  }
  return run;
}

/** The batch output lines (JSON text, one per request) of a run, one batch of requests at a time (JavaScript holds one batch). */
export async function* batchOutputLines(run: RunFolder): AsyncGenerator<string[]> {
  const created = Math.floor(Date.parse(run.manifest.started_at) / 1000);
  for await (const rows of readRowBatches(run.requestsPath!, COLUMNS))
    yield rows.map((row) => JSON.stringify(batchOutputLine(row as AnswerRow, run.manifest.server.model, created)));
}

/**
 * Writes a run's batch output to the file `out` (under a temporary name until complete, so a
 * failed export leaves no half file) or to standard output; returns the lines written.
 */
export async function writeBatchOutput(run: RunFolder, out?: string): Promise<number> {
  const partial = out ? `${out}.partial-${process.pid}` : null;
  const stream = partial ? createWriteStream(partial) : process.stdout;
  let lines = 0;
  try {
    for await (const batch of batchOutputLines(run)) {
      lines += batch.length;
      if (!stream.write(batch.map((l) => l + "\n").join(""))) await once(stream, "drain");
    }
    if (partial) {
      await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
      renameSync(partial, out!);
    }
    return lines;
  } finally {
    if (partial) rmSync(partial, { force: true });
  }
}
