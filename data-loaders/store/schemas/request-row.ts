// One row of `requests.parquet`, the per-request contract users query with DuckDB.
// `requests.parquet` has exactly the columns of `requestRowSchema`, in this order; the DuckDB
// column types are derived from the zod types (see `duckdbColumns`). Unknown values are null,
// never 0. Bump ROW_SCHEMA_VERSION when a column changes meaning or is removed. A column added
// later is absent from older files: readers see it as null (store/duckdb.ts).
//
// Versions: 1 — the first contract. 2 — e2e_ms (and so tpot_ms) end at the last event with
// choices (last_chunk_ms), as vllm bench serve measures them, no longer at the end of the body
// (done_ms, which keeps that meaning); added: the server's error words (error_type, error_code,
// error_param), a context overflow's numbers (overflow_*), vllm_success, last_chunk_ms,
// total_tokens, usage_mismatch, stop_reason, stop_token_id, system_fingerprint and tool_call_*.
import { z } from "zod";

export const ROW_SCHEMA_VERSION = 2;

const ms = () => z.number().nullable();
const int = () => z.number().int();
const text = () => z.string().nullable();

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
const errorClassSchema = z.enum(ERROR_CLASSES);
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
  error_type: text().meta({
    description: "The server's own error `type` (e.g. BadRequestError), when it sent an error object.",
  }),
  error_code: text().meta({
    description: "The server's own error `code` (vLLM sends the HTTP status, e.g. 400), as text.",
  }),
  error_param: text().meta({ description: "The request parameter the server blamed (`param`, e.g. input_tokens)." }),
  overflow_limit_tokens: int()
    .nullable()
    .meta({ description: "context_length errors: the model's context length the message states." }),
  overflow_requested_tokens: int().nullable().meta({
    description: "context_length errors: prompt + requested output tokens, as stated (or the sum of the two stated).",
  }),
  overflow_prompt_tokens: int().nullable().meta({
    description:
      "context_length errors: the prompt's tokens as stated (null when refused by its length in characters).",
  }),
  overflow_completion_tokens: int()
    .nullable()
    .meta({ description: "context_length errors: the output tokens the request asked for, as stated." }),
  vllm_success: z.boolean().nullable().meta({
    description:
      "vllm bench serve would count it successful: HTTP 200 and an event with choices (it misses in-band errors and a missing [DONE]).",
  }),
  sent_ms: ms().meta({ description: "When the request was sent, ms since run start (monotonic clock)." }),
  first_event_ms: ms().meta({
    description: "First SSE event with choices (vLLM bench's TTFT point; for chat the role chunk).",
  }),
  first_token_ms: ms().meta({ description: "First event with non-empty content, reasoning or tool-call text." }),
  done_ms: ms().meta({
    description: "End of the response body (after the usage chunk and [DONE]), ms since run start.",
  }),
  last_chunk_ms: ms().meta({
    description:
      "Last SSE event with choices (the body for a non-streaming response): where vLLM bench ends a request.",
  }),
  ttft_ms: ms().meta({ description: "first_event_ms − sent_ms (vLLM bench definition)." }),
  e2e_ms: ms().meta({
    description:
      "End-to-end latency as vLLM bench measures it: last_chunk_ms − sent_ms (done_ms − sent_ms without choices).",
  }),
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
  total_tokens: int()
    .nullable()
    .meta({ description: "usage.total_tokens reported by the server (null when not reported)." }),
  usage_mismatch: z
    .boolean()
    .nullable()
    .meta({ description: "total_tokens ≠ prompt_tokens + completion_tokens (null unless all three were reported)." }),
  finish_reason: z.string().nullable().meta({ description: "stop, length, … as reported by the server." }),
  stop_reason: text().meta({
    description: "vLLM's stop_reason when it is a string: the stop string that ended the answer.",
  }),
  stop_token_id: int()
    .nullable()
    .meta({ description: "vLLM's stop_reason when it is a number: the stop token id that ended the answer." }),
  system_fingerprint: text().meta({ description: "system_fingerprint of the response (e.g. vllm-0.28.0-54757788)." }),
  answer: z
    .string()
    .nullable()
    .meta({ description: 'Answer text (content); "" when the only output was tool calls. Untrusted model output.' }),
  reasoning: z
    .string()
    .nullable()
    .meta({ description: "Reasoning text (reasoning / reasoning_content) when the server separates it." }),
  tool_call_count: int()
    .nullable()
    .meta({ description: "Tool calls in the answer (0 when none; null when no choices arrived)." }),
  tool_call_names: z
    .array(z.string())
    .nullable()
    .meta({ description: 'Function name of each tool call, in index order (an unnamed call as "").' }),
  tool_call_types: z
    .array(z.string())
    .nullable()
    .meta({ description: '`type` of each tool call as sent ("function"; "" when absent).' }),
  tool_call_args_json: z
    .array(z.boolean())
    .nullable()
    .meta({ description: "Whether each tool call's concatenated arguments parse as JSON." }),
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
    case "object":
      return `STRUCT(${Object.entries((t as z.ZodObject).shape)
        .map(([name, field]) => `"${name}" ${duckdbType(field as z.ZodType)}`)
        .join(", ")})`;
    default:
      throw new Error(`no DuckDB type for zod type ${def.type}`);
  }
}
