// `tracker import vllm-bench <result.json>`: a `vllm bench serve --save-result` file (key layout
// in ../shared/reference/vllm-api.md §4.7) becomes a recorded experiment: the file
// experiments/<id>.ts (defineRecorded, so it is listed, planned and shown like any experiment)
// and its run folder (manifest only, source "recorded", the `recorded` aggregates).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { z } from "zod";
import { formatPath } from "../experiment/errors.ts";
import { materialiseRecorded, recordedSchema, toLoadedRecorded, type RecordedInput } from "../experiment/recorded.ts";
import { EXPERIMENT_ID } from "../experiment/schema.ts";
import { readManifest } from "../store/manifest.ts";
import type { Manifest } from "../store/schemas/manifest.ts";

const n = () => z.number({ error: "a number" });
const stat = () => n().nullable().optional();

/** The keys the import reads; any others (percentiles, --metadata, per-request arrays) are allowed and ignored. */
export const vllmBenchResultSchema = z.looseObject({
  /** `%Y%m%d-%H%M%S` of the benchmark's start. */
  date: z
    .string()
    .regex(/^\d{8}-\d{6}$/, "a date such as 20250601-134512")
    .optional(),
  backend: z.string().optional(),
  endpoint_type: z.string().optional(),
  label: z.string().nullable().optional(),
  model_id: z.string({ error: "the served model id (a string)" }).min(1),
  num_prompts: z.number().int().min(0).optional(),
  request_rate: z.union([n(), z.literal("inf")]).optional(),
  burstiness: n().optional(),
  max_concurrency: z.number().int().min(1).nullable().optional(),
  duration: n().positive(),
  completed: z.number().int().min(0),
  failed: z.number().int().min(0).optional(),
  total_input_tokens: z.number().int().min(0),
  total_output_tokens: z.number().int().min(0),
  request_throughput: n().min(0),
  output_throughput: n().min(0),
  total_token_throughput: n().min(0).optional(),
  mean_ttft_ms: stat(),
  mean_tpot_ms: stat(),
  mean_e2el_ms: stat(),
});
export type VllmBenchResult = z.infer<typeof vllmBenchResultSchema>;

export class ImportError extends Error {}

/** Reads and validates a result file; errors name the file and the key. */
export function readVllmBenchResult(path: string): VllmBenchResult {
  const shown = relative(process.cwd(), path) || path;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ImportError(`${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const parsed = vllmBenchResultSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ImportError(`${shown}: ${formatPath(issue.path) || "(top level)"}: ${issue.message}`);
  }
  const r = parsed.data;
  const requests = r.num_prompts ?? (r.failed !== undefined ? r.completed + r.failed : undefined);
  if (requests !== undefined && requests < r.completed)
    throw new ImportError(`${shown}: num_prompts: ${requests} is fewer than completed (${r.completed})`);
  return r;
}

/** The recorded experiment for a result: figures as `vllm bench serve` reported them. */
export function recordedFromVllmBench(r: VllmBenchResult, file: string, hardware: string): RecordedInput {
  const requests = r.num_prompts ?? r.completed + (r.failed ?? 0);
  const measuredOn = r.date ? `${r.date.slice(0, 4)}-${r.date.slice(4, 6)}-${r.date.slice(6, 8)}` : undefined;
  const setup = [
    r.backend && `backend ${r.backend}`,
    r.endpoint_type && `endpoint ${r.endpoint_type}`,
    r.request_rate !== undefined && `request rate ${r.request_rate}`,
    r.burstiness !== undefined && `burstiness ${r.burstiness}`,
    r.max_concurrency != null && `max concurrency ${r.max_concurrency}`,
    r.label && `label ${r.label}`,
  ].filter(Boolean);
  return {
    title: `${r.model_id}: vllm bench serve, ${requests} prompts (imported)`,
    notes: `Imported from the \`vllm bench serve\` result \`${basename(file)}\`${setup.length ? ` (${setup.join(", ")})` : ""}. Aggregates only: the result file has no per-request rows the tracker can store.`,
    model: r.model_id,
    hardware,
    origin: `vllm bench serve result ${basename(file)}`,
    ...(measuredOn ? { measuredOn } : {}),
    figures: {
      requests,
      completed: r.completed,
      durationS: r.duration,
      ...(r.total_token_throughput !== undefined ? { totalTokenThroughput: r.total_token_throughput } : {}),
      outputThroughput: r.output_throughput,
      requestThroughput: r.request_throughput,
      totalInputTokens: r.total_input_tokens,
      totalOutputTokens: r.total_output_tokens,
      ...(r.mean_ttft_ms != null && r.completed > 0 ? { meanTtftMs: r.mean_ttft_ms } : {}),
      ...(r.mean_tpot_ms != null && r.completed > 0 ? { meanTpotMs: r.mean_tpot_ms } : {}),
      ...(r.mean_e2el_ms != null && r.completed > 0 ? { meanE2elMs: r.mean_e2el_ms } : {}),
      ...(r.max_concurrency != null ? { concurrency: r.max_concurrency } : {}),
    },
  };
}

/** A safe experiment id: `bench-<model name>-<date>` (or the file name when the result has no date). */
export function defaultId(r: VllmBenchResult, file: string): string {
  const stem = r.date ? `${r.model_id.split("/").at(-1)}-${r.date}` : basename(file).replace(/\.json$/i, "");
  const safe = stem
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/^[-.]+|[-.]+$/g, "");
  return `bench-${safe}`.slice(0, 63).replace(/[-.]+$/, "");
}

export interface ImportResult {
  id: string;
  experimentFile: string;
  runDir: string;
  manifest: Manifest;
}

/**
 * Imports a result file: writes `<experimentsDir>/<id>.ts` and the recorded run folder under
 * `resultsRoot`. Refuses to overwrite an existing experiment file.
 */
export function importVllmBench(
  file: string,
  opts: { experimentsDir: string; resultsRoot: string; experimentId?: string; hardware?: string },
): ImportResult {
  const result = readVllmBenchResult(file);
  const id = opts.experimentId ?? defaultId(result, file);
  if (!EXPERIMENT_ID.test(id))
    throw new ImportError(`--experiment: "${id}" is not a safe id: lower-case letters, digits, "." and "-"`);
  const experimentFile = join(opts.experimentsDir, `${id}.ts`);
  if (existsSync(experimentFile))
    throw new ImportError(`${experimentFile} exists already: choose another id with --experiment`);
  const input = recordedFromVllmBench(result, file, opts.hardware ?? "not recorded");
  const recorded = recordedSchema.parse(input);
  const importPath = relative(opts.experimentsDir, join(import.meta.dirname, "../experiment/recorded.ts")).replaceAll(
    "\\",
    "/",
  );
  writeFileSync(
    experimentFile,
    `// Imported by \`tracker import vllm-bench ${basename(file)}\`: figures measured by vllm bench serve.\n` +
      `import { defineRecorded } from "${importPath.startsWith(".") ? importPath : `./${importPath}`}";\n\n` +
      `export default defineRecorded(${JSON.stringify(input, null, 2)});\n`,
  );
  const [runDir] = materialiseRecorded(
    [toLoadedRecorded(id, relative(process.cwd(), experimentFile), recorded)],
    opts.resultsRoot,
  );
  if (!runDir) throw new ImportError(`results for ${id} with these figures exist already`);
  return { id, experimentFile, runDir, manifest: readManifest(runDir) };
}
