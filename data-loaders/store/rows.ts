// Stored row and manifest formats: the contract users query with DuckDB.
// `requests.parquet` has exactly the columns of `requestRowSchema`, in this order; the DuckDB
// column types are derived from the zod types (see `duckdbColumns`). Unknown values are null,
// never 0. Bump ROW_SCHEMA_VERSION when a column changes meaning or is removed.
import { z } from "zod";

export const ROW_SCHEMA_VERSION = 1;

const ms = () => z.number().nullable();
const int = () => z.number().int();

export const ERROR_CLASSES = [
  "timeout",
  "connect",
  "reset",
  "http_4xx",
  "http_5xx",
  "in_band_error",
  "context_length",
  "malformed_stream",
  "aborted",
  "auth",
] as const;
export const errorClassSchema = z.enum(ERROR_CLASSES);
export type ErrorClass = z.infer<typeof errorClassSchema>;

export const requestRowSchema = z.object({
  run_id: z.string().meta({ description: "Run folder name under results/<experiment_id>/." }),
  experiment_id: z.string().meta({ description: "Experiment file name without .ts." }),
  request_index: int().meta({ description: "0-based position in the run's request sequence." }),
  prompt_id: z.string().meta({ description: "Id of the prompt sent (requests cycle through the prompt set)." }),
  request_id: z.string().meta({ description: "X-Request-Id sent to the server (vLLM echoes it in the response id)." }),
  endpoint: z.string().meta({ description: "Base URL the request went to (no credentials)." }),
  worker: int().meta({ description: "Worker (concurrency slot) that sent the request." }),
  attempts: int().meta({ description: "Number of attempts made (1 = no retry)." }),
  warmup: z
    .boolean()
    .meta({ description: "A warm-up request (load.warmup): stored, but left out of every statistic." }),
  status: z.enum(["ok", "error"]).meta({ description: "ok when the final attempt produced a complete answer." }),
  error_class: errorClassSchema
    .nullable()
    .meta({ description: "Class of the final error: " + ERROR_CLASSES.join(", ") + "." }),
  http_status: int()
    .nullable()
    .meta({ description: "HTTP status of the final attempt (null when no response arrived)." }),
  error_message: z
    .string()
    .nullable()
    .meta({ description: "Error text of the final attempt, from the server when it sent one." }),
  sent_ms: ms().meta({ description: "When the request was sent, ms since run start (monotonic clock)." }),
  first_event_ms: ms().meta({
    description: "First SSE event with choices (vLLM bench's TTFT point; for chat the role chunk).",
  }),
  first_token_ms: ms().meta({ description: "First event with non-empty content, reasoning or tool-call text." }),
  done_ms: ms().meta({ description: "Last byte of the response (end of stream), ms since run start." }),
  ttft_ms: ms().meta({ description: "first_event_ms − sent_ms (vLLM bench definition)." }),
  e2e_ms: ms().meta({ description: "End-to-end latency: done_ms − sent_ms." }),
  tpot_ms: ms().meta({ description: "(e2e_ms − ttft_ms) / (completion_tokens − 1), only when completion_tokens > 1." }),
  itl_ms: z
    .array(z.number())
    .nullable()
    .meta({ description: "Gaps between consecutive events with choices (per chunk, not per token)." }),
  prompt_tokens: int()
    .nullable()
    .meta({ description: "usage.prompt_tokens reported by the server (null when not reported)." }),
  completion_tokens: int()
    .nullable()
    .meta({ description: "usage.completion_tokens reported by the server (null when not reported)." }),
  finish_reason: z.string().nullable().meta({ description: "stop, length, … as reported by the server." }),
  answer: z.string().nullable().meta({ description: "Answer text (content). Untrusted model output." }),
  reasoning: z
    .string()
    .nullable()
    .meta({ description: "Reasoning text (reasoning / reasoning_content) when the server separates it." }),
  json_valid: z
    .boolean()
    .nullable()
    .meta({ description: "The answer parses as JSON (null when the experiment has no quality schema)." }),
  schema_valid: z
    .boolean()
    .nullable()
    .meta({ description: "The parsed answer satisfies quality.schema (null without a schema)." }),
  schema_errors: z
    .string()
    .nullable()
    .meta({ description: "Schema error paths, `; `-separated (e.g. `recommendation: invalid enum`)." }),
});
export type RequestRow = z.infer<typeof requestRowSchema>;

export const REQUEST_COLUMNS = Object.keys(requestRowSchema.shape) as (keyof RequestRow)[];

/** Maps each zod column type to the DuckDB type used in Parquet. */
export function duckdbColumns(schema: z.ZodObject = requestRowSchema): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, field] of Object.entries(schema.shape)) out[name] = duckdbType(field as z.ZodType);
  return out;
}

function duckdbType(t: z.ZodType): string {
  const def = (t as unknown as { _zod: { def: { type: string; innerType?: z.ZodType; element?: z.ZodType } } })._zod
    .def;
  switch (def.type) {
    case "nullable":
    case "optional":
      return duckdbType(def.innerType!);
    case "string":
    case "enum":
      return "VARCHAR";
    case "boolean":
      return "BOOLEAN";
    case "number":
      return (t as z.ZodNumber).format === "safeint" ? "BIGINT" : "DOUBLE";
    case "array":
      return duckdbType(def.element!) + "[]";
    default:
      throw new Error(`no DuckDB type for zod type ${def.type}`);
  }
}

export const RUN_STATUSES = ["running", "complete", "partial", "failed"] as const;

export const manifestSchema = z.object({
  row_schema_version: z.number().int(),
  tracker_version: z.string(),
  run_id: z.string(),
  experiment_id: z.string(),
  /** measured: a real server; simulated: the built-in simulator; recorded: aggregates imported from elsewhere. */
  source: z.enum(["measured", "simulated", "recorded"]),
  status: z.enum(RUN_STATUSES),
  /** Why a run failed or stopped early (null when complete). */
  reason: z.string().nullable(),
  spec_hash: z.string(),
  prompt_hash: z.string(),
  /** The resolved spec, as hashed (quality schema as JSON Schema; no API key). */
  spec: z.record(z.string(), z.unknown()),
  server: z.object({
    kind: z.enum(["simulate", "url", "launch", "recorded"]),
    endpoint: z.string(),
    model: z.string(),
    profile: z.string().nullable(),
  }),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  counts: z.object({
    requests: z.number().int(),
    done: z.number().int(),
    ok: z.number().int(),
    error: z.number().int(),
  }),
  environment: z.object({
    node: z.string(),
    os: z.string(),
    cpu: z.string(),
    host: z.string(),
    git_commit: z.string().nullable(),
    git_dirty: z.boolean().nullable(),
    /** GPUs from `nvidia-smi` when present (null: no nvidia-smi on the client host). */
    gpus: z
      .array(z.object({ name: z.string(), driver: z.string(), memory_total_mib: z.number() }))
      .nullable()
      .optional(),
  }),
  /** Position of this run inside its experiment: one run per sweep level and repeat. */
  group: z
    .object({
      /** Concurrency (or request rate) of this level of a sweep; null for a single-level experiment. */
      level: z.number().nullable(),
      /** 0-based repeat index (`load.repeats`). */
      repeat: z.number().int(),
    })
    .optional(),
  /** Interruptions survived by this run (kill, Ctrl-C, server gone); empty when it ran straight through. */
  interruptions: z.array(z.object({ at: z.string(), reason: z.string() })).optional(),
  /** Facts the server reported: GET /version, /v1/models, vllm:cache_config_info labels. */
  server_facts: z
    .object({
      version: z.string().nullable(),
      root: z.string().nullable(),
      max_model_len: z.number().nullable(),
      cache_config: z.record(z.string(), z.string()).nullable(),
    })
    .optional(),
  /** Client self-check: was the client, not the server, the bottleneck? */
  self_check: z
    .object({
      send_lag_p99_ms: z.number().nullable(),
      event_loop_delay_p99_ms: z.number().nullable(),
      mean_in_flight: z.number().nullable(),
      target_in_flight: z.number().nullable(),
      client_bound: z.boolean(),
      reason: z.string().nullable(),
    })
    .optional(),
  /** A server the tracker launched (`server.launch`): load time, start-up facts, memory. */
  launch: z
    .object({
      command: z.string(),
      load_time_s: z.number().nullable(),
      log_file: z.string(),
      weights_gib: z.number().nullable(),
      weights_load_s: z.number().nullable(),
      kv_cache_gib: z.number().nullable(),
      kv_cache_tokens: z.number().nullable(),
      max_concurrency: z.number().nullable(),
      cuda_graph_gib: z.number().nullable(),
      gpu_memory_before_mib: z.number().nullable(),
      gpu_memory_after_mib: z.number().nullable(),
      failure: z.string().nullable(),
    })
    .optional(),
  /** Recorded runs (source "recorded"): aggregates measured elsewhere; requests.parquet only when imported with per-request rows. */
  recorded: z
    .object({
      origin: z.string(),
      /** The benchmark tool that measured the run (`tracker import`), null when not known. */
      tool: z.string().nullable().optional(),
      tool_version: z.string().nullable().optional(),
      requests: z.number().int(),
      completed: z.number().int().nullable(),
      duration_s: z.number().nullable(),
      total_token_throughput: z.number().nullable(),
      output_throughput: z.number().nullable(),
      request_throughput: z.number().nullable(),
      total_input_tokens: z.number().nullable(),
      total_output_tokens: z.number().nullable(),
      mean_ttft_ms: z.number().nullable(),
      mean_tpot_ms: z.number().nullable(),
      mean_e2el_ms: z.number().nullable(),
      concurrency: z.number().nullable(),
    })
    .optional(),
});
export type Manifest = z.infer<typeof manifestSchema>;

/**
 * `server-metrics.parquet` beside requests.parquet: the server's /metrics scraped during the run,
 * one row per sample (long format).
 */
export const serverMetricRowSchema = z.object({
  run_id: z.string().meta({ description: "Run id." }),
  endpoint: z.string().meta({ description: "Base URL scraped." }),
  t_ms: z.number().meta({ description: "Scrape time, ms since run start." }),
  metric: z.string().meta({ description: "Series name, e.g. vllm:kv_cache_usage_perc, vllm:generation_tokens_total." }),
  labels: z.string().meta({ description: 'Labels as JSON, e.g. {"model_name":"…","engine":"0"}.' }),
  value: z.number().meta({ description: "Sample value." }),
});
export type ServerMetricRow = z.infer<typeof serverMetricRowSchema>;

/**
 * `results/experiments.json`: written by `tracker run` / `npm run build` after planning and
 * running; the site reads it to list every experiment file, including pending and failed ones.
 */
export const EXPERIMENT_STATES = ["fresh", "stale", "pending", "failed", "partial", "invalid"] as const;
export const experimentIndexSchema = z.object({
  generated_at: z.string(),
  experiments: z.array(
    z.object({
      id: z.string(),
      file: z.string(),
      title: z.string(),
      notes: z.string(),
      /** fresh: a complete run matches the current spec (every sweep level and repeat); stale: only runs of an older spec; pending: no run; failed: the latest run of this spec failed; partial: a run of this spec stopped early and is resumed by the next `tracker run`; invalid: the file does not validate. */
      state: z.enum(EXPERIMENT_STATES),
      spec_hash: z.string().nullable(),
      /** The run the site shows: latest complete run of the current spec, else the latest run. */
      run_id: z.string().nullable(),
      /** The resolved spec (as in the manifest), null when invalid. */
      spec: z.record(z.string(), z.unknown()).nullable(),
      simulated: z.boolean(),
      model: z.string().nullable(),
      /** Validation or run failure message. */
      error: z.string().nullable(),
    }),
  ),
});
export type ExperimentIndex = z.infer<typeof experimentIndexSchema>;
