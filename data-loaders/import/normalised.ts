// What every import parser returns: one benchmark run of another tool, normalised. Aggregates are
// named as `vllm bench serve` names them, per-request rows follow the stored row contract
// (store/rows.ts) with null for everything the file does not say, and the tool is named.
// Also the helpers the parsers share: errors that name the file and field, JSON/YAML documents,
// time units, experiment ids.
import { JSON_SCHEMA, load as loadYaml } from "js-yaml";
import { readFileSync } from "node:fs";
import { basename, extname, relative } from "node:path";
import type { z } from "zod";
import { formatPath } from "../experiment/errors.ts";
import { tpotMs } from "../metrics/latency.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";

export class ImportError extends Error {}

/** A stored row before it gets its run and experiment ids. */
export type ImportedRow = Omit<RequestRow, "run_id" | "experiment_id">;

export interface ImportedTool {
  /** e.g. "vllm bench serve", "vllm-bench (Rust)", "GuideLLM", "AIPerf". */
  name: string;
  version: string | null;
}

/** The aggregates, as `vllm bench serve` names them; null when the file does not give them. */
export interface ImportedAggregates {
  /** Requests sent (measured ones: warm-up requests are not counted). */
  num_prompts: number;
  completed: number | null;
  /** Benchmark duration, seconds. */
  duration: number | null;
  total_input_tokens: number | null;
  total_output_tokens: number | null;
  request_throughput: number | null;
  output_throughput: number | null;
  total_token_throughput: number | null;
  mean_ttft_ms: number | null;
  mean_tpot_ms: number | null;
  mean_e2el_ms: number | null;
}

export interface ImportedRun {
  tool: ImportedTool;
  model: string;
  /** Where it ran, when the file says (e.g. the accelerator of a Benchmark Report). */
  hardware?: string | null;
  /** Day of the measurement (YYYY-MM-DD) when the file says. */
  measuredOn: string | null;
  /** `YYYYMMDD-HHMMSS` of the start when known: part of the default experiment id. */
  stamp: string | null;
  /** Short description of the run for its title, e.g. "12 prompts, max concurrency 4". */
  label: string;
  /** Closed-loop concurrency (workers / max concurrency) and open-loop rate, when set. */
  concurrency: number | null;
  requestRate: number | "inf" | null;
  /** Other settings worth stating in the notes, e.g. "backend openai-chat". */
  details: string[];
  aggregates: ImportedAggregates;
  /** Per-request rows in request order, or null (then `rowsNote` says why). */
  rows: Iterable<ImportedRow> | AsyncIterable<ImportedRow> | null;
  rowsNote: string | null;
}

/** The path as shown in messages: relative to the working directory when inside it. */
export function shownPath(path: string): string {
  return relative(process.cwd(), path) || path;
}

/** The first zod issue as `file: field: message`. */
export function issueError(file: string, error: z.ZodError, prefix: PropertyKey[] = []): ImportError {
  const issue = error.issues[0]!;
  const path = formatPath([...prefix, ...issue.path]);
  return new ImportError(`${shownPath(file)}: ${path || "(top level)"}: ${issue.message}`);
}

export function parseWith<T extends z.ZodType>(schema: T, value: unknown, file: string, prefix: PropertyKey[] = []) {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw issueError(file, parsed.error, prefix);
  return parsed.data as z.output<T>;
}

export function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new ImportError(`${shownPath(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * A JSON document, or a YAML one for `.yaml` / `.yml` files. YAML is read with js-yaml in its
 * JSON schema, so timestamps stay strings as in the JSON form.
 */
export function parseDocument(text: string, file: string): unknown {
  const yaml = [".yaml", ".yml"].includes(extname(file).toLowerCase());
  try {
    if (!yaml) return JSON.parse(text);
    return loadYaml(text, { schema: JSON_SCHEMA, filename: basename(file) });
  } catch (e) {
    const what = yaml ? "YAML" : "JSON";
    throw new ImportError(`${shownPath(file)}: not valid ${what} (${(e as Error).message.split("\n")[0]})`);
  }
}

const MS_PER_UNIT: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  sec: 1000,
  seconds: 1000,
};

/** A time in the given unit as milliseconds; an unknown unit is an error naming the field. */
export function toMs(value: number, unit: string, file: string, field: string): number {
  const factor = MS_PER_UNIT[unit.replace(/\/token$/, "")];
  if (factor === undefined) throw new ImportError(`${shownPath(file)}: ${field}: unknown time unit "${unit}"`);
  return value * factor;
}

/** A safe experiment id `<prefix>-<stem>` (lower-case letters, digits, "." and "-", at most 63 characters). */
export function safeId(prefix: string, stem: string): string {
  const safe = stem
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/^[-.]+|[-.]+$/g, "");
  return `${prefix}-${safe}`.slice(0, 63).replace(/[-.]+$/, "");
}

/** The default experiment id stem: `<model name>-<stamp>`, or the file name without its extension. */
export function idStem(run: Pick<ImportedRun, "model" | "stamp">, file: string): string {
  return run.stamp ? `${run.model.split("/").at(-1)}-${run.stamp}` : basename(file).replace(/\.[a-z]+$/i, "");
}

/** `YYYYMMDD-HHMMSS` and `YYYY-MM-DD` (UTC) of a time. */
export function stampOf(at: Date): { stamp: string; day: string } {
  const iso = at.toISOString();
  return { stamp: iso.slice(0, 19).replace(/[-:]/g, "").replace("T", "-"), day: iso.slice(0, 10) };
}

/** What a parser knows about one request; everything else is null (or one attempt, no warm-up). */
export type RowFields = Pick<ImportedRow, "request_index" | "prompt_id" | "status" | "sent_ms"> &
  Partial<Omit<ImportedRow, "attempts" | "tpot_ms" | "json_valid" | "schema_valid" | "schema_errors">>;

/**
 * A row with every column, in the contract's order and always the same object shape (spreading
 * defaults and overriding them makes V8 keep the rows as slow dictionaries: a 200K-row import
 * then takes seconds instead of milliseconds). TPOT is computed with vLLM's definition.
 */
export function importedRow(f: RowFields): ImportedRow {
  const ttft = f.ttft_ms ?? null;
  const e2e = f.e2e_ms ?? null;
  const completion = f.completion_tokens ?? null;
  return {
    request_index: f.request_index,
    prompt_id: f.prompt_id,
    request_id: f.request_id ?? "",
    endpoint: f.endpoint ?? "",
    worker: f.worker ?? 0,
    attempts: 1,
    warmup: f.warmup ?? false,
    status: f.status,
    error_class: f.error_class ?? null,
    http_status: f.http_status ?? null,
    error_message: f.error_message ?? null,
    error_type: f.error_type ?? null,
    error_code: f.error_code ?? null,
    error_param: f.error_param ?? null,
    overflow_limit_tokens: f.overflow_limit_tokens ?? null,
    overflow_requested_tokens: f.overflow_requested_tokens ?? null,
    overflow_prompt_tokens: f.overflow_prompt_tokens ?? null,
    overflow_completion_tokens: f.overflow_completion_tokens ?? null,
    vllm_success: f.vllm_success ?? null,
    sent_ms: f.sent_ms,
    first_event_ms: f.first_event_ms ?? null,
    first_token_ms: f.first_token_ms ?? null,
    done_ms: f.done_ms ?? null,
    last_chunk_ms: f.last_chunk_ms ?? null,
    ttft_ms: ttft,
    e2e_ms: e2e,
    tpot_ms: tpotMs({ ttft_ms: ttft, e2e_ms: e2e, completion_tokens: completion }),
    itl_ms: f.itl_ms ?? null,
    prompt_tokens: f.prompt_tokens ?? null,
    completion_tokens: completion,
    total_tokens: f.total_tokens ?? null,
    usage_mismatch: f.usage_mismatch ?? null,
    finish_reason: f.finish_reason ?? null,
    stop_reason: f.stop_reason ?? null,
    stop_token_id: f.stop_token_id ?? null,
    system_fingerprint: f.system_fingerprint ?? null,
    answer: f.answer ?? null,
    reasoning: f.reasoning ?? null,
    tool_call_count: f.tool_call_count ?? null,
    tool_call_names: f.tool_call_names ?? null,
    tool_call_types: f.tool_call_types ?? null,
    tool_call_args_json: f.tool_call_args_json ?? null,
    json_valid: null,
    schema_valid: null,
    schema_errors: null,
  };
}
