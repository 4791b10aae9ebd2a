// `tracker export report-v0.2 | vllm-bench <experiment-id>`: picks the run, computes its
// figures (aggregates.ts) and writes the file, or standard output.
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { listRuns, type RunFolder } from "../store/folders.ts";
import { readExperimentIndex } from "../store/index.ts";
import { runAggregates } from "./aggregates.ts";
import { ExportError } from "./export-batch.ts";
import { reportV02 } from "./export-report.ts";
import { vllmBenchResultJson } from "./export-vllm-bench.ts";

export const EXPORT_FORMATS = ["report-v0.2", "vllm-bench"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * The run an export writes: the given one, else the one the site shows (results/experiments.json),
 * else the latest. A run without rows is refused unless it is recorded (then its aggregates are
 * written) and the export does not need rows.
 */
export function runForExport(resultsRoot: string, experimentId: string, runId?: string, rowsNeeded = false): RunFolder {
  const runs = listRuns(resultsRoot, () => {}).filter((r) => r.experimentId === experimentId);
  if (runs.length === 0) throw new ExportError(`no runs of ${experimentId} in ${resultsRoot}/`);
  const shown =
    runId ?? readExperimentIndex(resultsRoot, () => {})?.experiments.find((e) => e.id === experimentId)?.run_id ?? null;
  const run = shown ? runs.find((r) => r.runId === shown) : runs.at(-1);
  if (!run) throw new ExportError(`no run ${shown} of ${experimentId}`);
  if (run.requestsPath) return run;
  if (run.manifest.source === "recorded" && run.manifest.recorded && !rowsNeeded) return run;
  const why =
    run.manifest.source === "recorded"
      ? "a recorded run with aggregates only (no per-request rows to list)"
      : `a ${run.manifest.status} run without requests.parquet`;
  throw new ExportError(`${experimentId}/${run.runId} is ${why}`);
}

export interface ExportOptions {
  run?: string;
  /** Output file; standard output when absent. */
  out?: string;
  /** vllm-bench: the per-request lists of `--save-detailed`. */
  detailed?: boolean;
}

/** Writes the export; returns the run written. */
export async function exportRunAs(
  format: ExportFormat,
  resultsRoot: string,
  experimentId: string,
  opts: ExportOptions = {},
): Promise<RunFolder> {
  const run = runForExport(resultsRoot, experimentId, opts.run, format === "vllm-bench" && opts.detailed === true);
  const agg = await runAggregates(run);
  const chunks =
    format === "report-v0.2"
      ? [JSON.stringify(reportV02(run, agg), null, 2) + "\n"]
      : vllmBenchResultJson(run, agg, { detailed: opts.detailed });
  await writeChunks(chunks, opts.out);
  return run;
}

async function writeChunks(chunks: Iterable<string> | AsyncIterable<string>, out?: string): Promise<void> {
  const stream = out ? createWriteStream(out) : process.stdout;
  for await (const chunk of chunks) if (!stream.write(chunk)) await once(stream, "drain");
  if (out) {
    stream.end();
    await once(stream, "finish");
  }
}
