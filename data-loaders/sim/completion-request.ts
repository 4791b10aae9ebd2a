// The body of POST /v1/chat/completions and /v1/completions, checked in vLLM's order, with
// vLLM's status codes and wordings (http-error.ts says which of vLLM's two 400 forms each is):
//   1. the request model's validators (request-validators.ts), then its fields (request-fields.ts);
//   2. the model name (404);
//   3. chat: tool choice "auto" needs the server's tool flags (the profile's `toolCallParser`);
//   4. the prompts: chat messages, or completions prompts (a string, a list of strings, token ids
//      or a list of token-id lists: one prompt each), their token counts and the context length;
//   5. the output limit per prompt and the sampling parameters (sampling.ts).
import { errorBody } from "./chunks.ts";
import { badRequest, fieldError, HttpError, requestValidationError, validationError } from "./http-error.ts";
import type { SimProfile } from "./profiles.ts";
import { FieldReader } from "./request-fields.ts";
import { checkRequestModel } from "./request-validators.ts";
import { checkSampling, type Sampling, type SamplingFields } from "./sampling.ts";
import { chatPromptTokens, completionPromptTokens, detokenize, outOfVocabulary } from "./tokenizer.ts";

export type Api = "chat" | "completions";

export interface PromptInput {
  /** The prompt as text (all chat messages joined; token-id prompts decoded). */
  text: string;
  promptTokens: number;
  /** The output limit of this prompt: max_tokens, or what is left of the context. */
  limit: number;
}

export interface ToolRequest {
  /** The tool choice after vLLM's defaults ("auto" when tools are given without one). */
  choice: "auto" | "required" | { name: string };
  tools: { name: string; parameters: unknown }[];
}

export interface ParsedRequest {
  api: Api;
  /** Chat: one; completions: one per prompt of the list. */
  prompts: PromptInput[];
  stream: boolean;
  includeUsage: boolean;
  continuousUsage: boolean;
  sampling: Sampling;
  jsonSchema: unknown;
  enableThinking: boolean;
  /** Chat with tools and a tool choice other than "none"; else null. */
  tools: ToolRequest | null;
}

type Body = Record<string, unknown>;

/** Parses and validates a request body the way vLLM does (400/404 with vLLM's messages). */
export function parseRequest(profile: SimProfile, api: Api, body: unknown): ParsedRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    const msg = "Input should be a valid dictionary or object to extract fields from";
    throw requestValidationError([fieldError("model_attributes_type", [], msg, body)], null);
  }
  const b = body as Body;
  checkRequestModel(api, b);
  const fields = readFields(api, b);
  if (b.model !== undefined && b.model !== null && b.model !== profile.model) {
    throw new HttpError(404, errorBody(404, `The model \`${String(b.model)}\` does not exist.`, "model"));
  }
  const tools = api === "chat" ? toolRequest(profile, b) : null;
  const texts: { text: string; promptTokens: number; ids?: number[] }[] =
    api === "chat" ? [chatPrompt(profile, b)] : completionPrompts(b);
  const prompts = texts.map((p) => ({
    text: p.text,
    promptTokens: p.promptTokens,
    limit: outputLimit(profile, api, fields.maxTokens, p.promptTokens),
  }));
  const sampling = prompts.map((p) => checkSampling(fields.sampling, p.limit))[0]!;
  // vLLM checks token-id prompts against the vocabulary once the sampling parameters are made.
  for (const p of texts) if (p.ids) checkTokenPrompt(p.ids);
  const so = (typeof b.stream_options === "object" && b.stream_options !== null ? b.stream_options : {}) as Body;
  const kwargs = (
    typeof b.chat_template_kwargs === "object" && b.chat_template_kwargs !== null ? b.chat_template_kwargs : {}
  ) as Body;
  const includeUsage = fields.stream && so.include_usage === true;
  return {
    api,
    prompts,
    stream: fields.stream,
    includeUsage,
    continuousUsage: includeUsage && so.continuous_usage_stats === true,
    sampling,
    jsonSchema: responseSchema(b),
    enableThinking: kwargs.enable_thinking !== false,
    tools,
  };
}

interface Fields {
  stream: boolean;
  maxTokens: number | undefined;
  sampling: SamplingFields;
}

/** The typed fields, or a 400 listing every field that cannot be read. */
function readFields(api: Api, b: Body): Fields {
  const r = new FieldReader(b);
  if (api === "chat") {
    if (b.messages === undefined) r.errors.push(fieldError("missing", ["messages"], "Field required", b));
    else if (!Array.isArray(b.messages))
      r.errors.push(fieldError("list_type", ["messages"], "Input should be a valid list", b.messages));
  }
  const stream = r.bool("stream") ?? false;
  // Chat: max_completion_tokens wins over the deprecated max_tokens; completions: 16 by default.
  const maxCompletion = api === "chat" ? r.int("max_completion_tokens") : undefined;
  const maxTokens = maxCompletion ?? r.int("max_tokens") ?? (api === "completions" ? 16 : undefined);
  const chatLogprobs = api === "chat" ? r.bool("logprobs") : undefined;
  const topLogprobs = api === "chat" ? (r.int("top_logprobs") ?? 0) : r.int("logprobs");
  const sampling: SamplingFields = {
    n: r.int("n"),
    temperature: r.float("temperature"),
    topP: r.float("top_p"),
    topK: r.int("top_k"),
    minP: r.float("min_p"),
    presencePenalty: r.float("presence_penalty"),
    frequencyPenalty: r.float("frequency_penalty"),
    repetitionPenalty: r.float("repetition_penalty"),
    seed: r.int("seed"),
    stop: r.stop("stop"),
    includeStopStrInOutput: r.bool("include_stop_str_in_output", false),
    ignoreEos: r.bool("ignore_eos", false),
    minTokens: r.int("min_tokens", false),
    logprobs: api === "chat" ? (chatLogprobs ? topLogprobs : null) : (topLogprobs ?? null),
  };
  if (r.errors.length > 0) throw requestValidationError(r.errors, r.param);
  return { stream, maxTokens, sampling };
}

/** The tool request; "auto" needs `--enable-auto-tool-choice --tool-call-parser` (the profile's toolCallParser). */
function toolRequest(profile: SimProfile, b: Body): ToolRequest | null {
  const choice = b.tool_choice;
  if (!Array.isArray(b.tools) || choice === undefined || choice === null || choice === "none") return null;
  if (choice === "auto" && !profile.toolCallParser) {
    throw badRequest('"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set');
  }
  const tools = (b.tools as Body[]).map((t) => {
    const fn = (t?.function ?? {}) as Body;
    return { name: String(fn.name ?? ""), parameters: fn.parameters ?? {} };
  });
  const named = typeof choice === "object" ? { name: String(((choice as Body).function as Body).name) } : null;
  return { choice: named ?? (choice as "auto" | "required"), tools };
}

function chatPrompt(profile: SimProfile, b: Body): { text: string; promptTokens: number } {
  const messages = (b.messages as unknown[]).map((m: unknown, i) => {
    if (typeof m !== "object" || m === null || Array.isArray(m)) {
      const msg = "Input should be a valid dictionary";
      throw requestValidationError([fieldError("dict_type", ["messages", i], msg, m)], "messages");
    }
    const r = m as Body;
    return { role: String(r.role ?? "user"), content: messageText(r.content, i) };
  });
  return { text: messages.map((m) => m.content).join("\n"), promptTokens: chatPromptTokens(profile, messages) };
}

/** A string, a list of strings, a list of token ids, or a list of token-id lists: one prompt each. */
function completionPrompts(b: Body): { text: string; promptTokens: number; ids?: number[] }[] {
  const p = b.prompt;
  const isIds = (v: unknown): v is number[] =>
    Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isInteger(x));
  let items: (string | number[])[];
  if (typeof p === "string") items = [p];
  else if (isIds(p)) items = [p];
  else if (Array.isArray(p) && p.every((x) => typeof x === "string" || isIds(x))) items = p as (string | number[])[];
  else {
    const msg = "Input should be a valid string";
    throw requestValidationError([fieldError("string_type", ["prompt"], msg, p)], "prompt");
  }
  return items.map((item) => {
    if (typeof item === "string") return { text: item, promptTokens: completionPromptTokens(item) };
    const text = outOfVocabulary(item) === undefined ? detokenize(item) : "";
    return { text, promptTokens: item.length, ids: item };
  });
}

/** A token-id prompt must hold tokens, all of the vocabulary (vLLM's input processor). */
function checkTokenPrompt(ids: readonly number[]): void {
  if (ids.length === 0) throw validationError("The decoder prompt cannot be empty");
  const oov = outOfVocabulary(ids);
  if (oov !== undefined) throw validationError(`Token id ${oov} is out of vocabulary`);
}

/** The output limit (vLLM's get_max_tokens), after the renderer's checks against the context. */
function outputLimit(profile: SimProfile, api: Api, maxTokens: number | undefined, promptTokens: number): number {
  const maxModelLen = profile.maxModelLen;
  if (maxTokens !== undefined && maxTokens > maxModelLen) {
    const param = api === "chat" ? "max_completion_tokens" : "max_tokens";
    throw badRequest(`max_tokens (${maxTokens}) cannot be greater than max_model_len (${maxModelLen}).`, param);
  }
  const requested = Math.max(maxTokens ?? 0, 0);
  if (promptTokens > maxModelLen - requested) {
    throw badRequest(
      `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${requested} output tokens and your prompt contains ${promptTokens} input tokens, for a total of ${promptTokens + requested} tokens. Please reduce the length of the input prompt or the number of requested output tokens.`,
      "input_tokens",
    );
  }
  return Math.min(maxModelLen - promptTokens, maxTokens ?? Infinity);
}

/** The JSON Schema the answer must follow (response_format json_schema or json_object), else undefined. */
function responseSchema(b: Body): unknown {
  const rf = b.response_format as Body | undefined;
  if (!rf || typeof rf !== "object") return undefined;
  if (rf.type === "json_schema") return (rf.json_schema as Body).schema ?? {};
  if (rf.type === "json_object") return { type: "object" };
  return undefined;
}

function messageText(content: unknown, i: number): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        typeof part === "object" && part !== null && typeof (part as { text?: unknown }).text === "string"
          ? (part as { text: string }).text
          : "",
      )
      .join("");
  }
  if (content === null || content === undefined) return "";
  const msg = "Input should be a valid string";
  throw requestValidationError([fieldError("string_type", ["messages", i, "content"], msg, content)], "messages");
}
