// The OpenAI Batch file format (also read by `vllm run-batch`): input lines
// {custom_id, method, url, body} and output lines {id, custom_id, response: {status_code,
// request_id, body}, error}.
import { z } from "zod";
import type { ChatMessage } from "../client/outcome.ts";
import { JsonlError, parseJsonl } from "../experiment/jsonl.ts";
import { expectedSchema } from "../experiment/schema.ts";

const textPart = z.strictObject({
  type: z.literal("text", { error: 'only "text" content parts are supported' }),
  text: z.string(),
});

const batchMessageSchema = z.object({
  role: z.enum(["system", "developer", "user", "assistant"]),
  /** A string, or content parts of which only text parts are supported. */
  content: z.union([z.string(), z.array(textPart, { error: "only text content parts are supported" })]),
});

/**
 * One line of a batch input file. Body fields other than `messages` are kept by the file but not
 * sent: the workload's settings apply. `expected`, a sibling of `body`, is the prompt's ground truth
 * (the batch format has no place for it; OpenAI and vLLM ignore fields they do not know).
 */
export const batchInputLineSchema = z.object(
  {
    custom_id: z.string().min(1).max(200),
    method: z.literal("POST", { error: 'must be "POST"' }),
    url: z.literal("/v1/chat/completions", {
      error: 'must be "/v1/chat/completions" (the only batch endpoint the tracker sends)',
    }),
    body: z.object({
      model: z.string().optional(),
      messages: z.array(batchMessageSchema).min(1),
    }),
    expected: expectedSchema.optional(),
  },
  {
    error: () =>
      'a batch request: an object {"custom_id", "method": "POST", "url": "/v1/chat/completions", "body": {"messages": [...]}, "expected"?}',
  },
);
export type BatchInputLine = z.infer<typeof batchInputLineSchema>;

export interface BatchPrompt {
  id: string;
  messages: ChatMessage[];
  expected?: Record<string, unknown>;
  /** The line of the file. */
  line: number;
}

/** Parses a batch input file's text; throws JsonlError naming the file, line and field. */
export function parseBatchInput(text: string, file: string): BatchPrompt[] {
  const seen = new Map<string, number>();
  return parseJsonl(text, file, batchInputLineSchema).map(({ line, value: { custom_id, body, expected } }) => {
    const previous = seen.get(custom_id);
    if (previous !== undefined)
      throw new JsonlError(file, line, `custom_id: duplicate "${custom_id}" (also line ${previous})`);
    seen.set(custom_id, line);
    return {
      id: custom_id,
      messages: body.messages.map((m) => ({
        role: m.role === "developer" ? "system" : m.role,
        content: typeof m.content === "string" ? m.content : m.content.map((p) => p.text).join(""),
      })),
      ...(expected ? { expected } : {}),
      line,
    };
  });
}

/** One line of a batch output file, in the layout vLLM's run-batch writes today. */
export const batchOutputLineSchema = z.object({
  id: z.string(),
  custom_id: z.string(),
  response: z
    .object({
      status_code: z.number().int(),
      request_id: z.string(),
      body: z.record(z.string(), z.unknown()).nullable(),
    })
    .nullable(),
  error: z
    .union([z.object({ message: z.string(), type: z.string(), code: z.number().nullable() }), z.string()])
    .nullable(),
});
export type BatchOutputLine = z.infer<typeof batchOutputLineSchema>;

/** What the export needs of a stored request row. */
export interface AnswerRow {
  prompt_id: string;
  request_id: string;
  request_index: number;
  status: "ok" | "error";
  error_class: string | null;
  http_status: number | null;
  error_message: string | null;
  finish_reason: string | null;
  answer: string | null;
  reasoning: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
}

/**
 * A stored request as a batch output line. Token counts the server did not report stay null in
 * `usage` (never 0). `created` is the run's start (Unix seconds).
 */
export function batchOutputLine(row: AnswerRow, model: string, created: number): BatchOutputLine {
  const id = `batch-${row.request_id}`;
  if (row.status === "ok") {
    const total =
      row.prompt_tokens !== null && row.completion_tokens !== null ? row.prompt_tokens + row.completion_tokens : null;
    return {
      id,
      custom_id: row.prompt_id,
      response: {
        status_code: row.http_status ?? 200,
        request_id: row.request_id,
        body: {
          id: `chatcmpl-${row.request_id}`,
          object: "chat.completion",
          created,
          model,
          choices: [
            {
              index: 0,
              message: {
                role: "assistant",
                content: row.answer,
                ...(row.reasoning !== null ? { reasoning_content: row.reasoning } : {}),
              },
              finish_reason: row.finish_reason,
            },
          ],
          usage: { prompt_tokens: row.prompt_tokens, completion_tokens: row.completion_tokens, total_tokens: total },
        },
      },
      error: null,
    };
  }
  const message = row.error_message ?? row.error_class ?? "request failed";
  if (row.http_status === null)
    return { id, custom_id: row.prompt_id, response: null, error: `${row.error_class ?? "error"}: ${message}` };
  return {
    id,
    custom_id: row.prompt_id,
    response: { status_code: row.http_status, request_id: row.request_id, body: null },
    error: { message, type: row.error_class ?? "error", code: row.http_status },
  };
}
