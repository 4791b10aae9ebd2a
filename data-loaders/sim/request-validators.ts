// The model validators of vLLM's ChatCompletionRequest and CompletionRequest: the checks that
// look at a raw request body before its fields are read, each raising the wording and parameter
// vLLM's raises (answered as a "Bad Request", see http-error.ts). Pydantic runs a model's
// "before" validators from the last defined to the first, so the lists below are in that order.
// Values are tested the way the Python code tests them: `if data.get(x)` is Python truthiness.
import { refusedByModel } from "./http-error.ts";
import { pyRepr } from "./py-repr.ts";

type Body = Record<string, unknown>;
type Check = (b: Body) => void;

/** Python's truthiness of a JSON value. */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

const isNumber = (v: unknown): v is number | boolean => typeof v === "number" || typeof v === "boolean";
const num = (v: number | boolean): number => (typeof v === "boolean" ? Number(v) : v);

function fail(b: Body, message: string, param: string | null): never {
  throw refusedByModel(message, param, b);
}

const responseFormat: Check = (b) => {
  const rf = b.response_format;
  if (typeof rf !== "object" || rf === null) return;
  const r = rf as Body;
  if (r.type === "json_schema" && (r.json_schema === undefined || r.json_schema === null)) {
    fail(b, "When response_format type is 'json_schema', the 'json_schema' field must be provided.", "response_format");
  }
};

const streamOptions: Check = (b) => {
  if (truthy(b.stream_options) && !truthy(b.stream))
    fail(b, "Stream options can only be defined when `stream=True`.", "stream_options");
};

/** prompt_logprobs (both APIs) and the API's own top-k field: chat `top_logprobs`, completions `logprobs`. */
function logprobsCheck(api: "chat" | "completions"): Check {
  const topField = api === "chat" ? "top_logprobs" : "logprobs";
  return (b) => {
    for (const field of ["prompt_logprobs", topField]) {
      const v = b[field];
      if (v !== undefined && v !== null && !isNumber(v)) fail(b, `\`${field}\` must be an integer.`, field);
    }
    const prompt = b.prompt_logprobs as number | boolean | null | undefined;
    if (prompt !== undefined && prompt !== null) {
      const p = num(prompt);
      if (truthy(b.stream) && (p > 0 || p === -1))
        fail(b, "`prompt_logprobs` are not available when `stream=True`.", "prompt_logprobs");
      if (p < 0 && p !== -1) fail(b, "`prompt_logprobs` must be a positive value or -1.", "prompt_logprobs");
    }
    const top = b[topField] as number | boolean | null | undefined;
    if (top === undefined || top === null) return;
    const t = num(top);
    if (t < 0 && t !== -1) fail(b, `\`${topField}\` must be a positive value or -1.`, topField);
    if (api === "chat" && (t === -1 || t > 0) && !truthy(b.logprobs))
      fail(b, "when using `top_logprobs`, `logprobs` must be set to true.", "top_logprobs");
  };
}

const CORRECT_USAGE = 'Correct usage: `{"type": "function", "function": {"name": "my_function"}}`';

/** ChatCompletionRequest.check_tool_usage (it also fills in tool_choice "auto" when tools are given). */
const toolUsage: Check = (b) => {
  if (Array.isArray(b.tools) && b.tools.length === 0)
    fail(
      b,
      "`tools` must not be an empty array. Either provide at least one tool or omit the field entirely.",
      "tools",
    );
  if (!("tool_choice" in b) && truthy(b.tools)) b.tool_choice = "auto";
  const choice = b.tool_choice;
  if (choice === "none" || choice === undefined || choice === null) return;
  if (b.tools === undefined || b.tools === null)
    fail(b, "When using `tool_choice`, `tools` must be set.", "tool_choice");
  if (choice !== "auto" && choice !== "required" && (typeof choice !== "object" || Array.isArray(choice))) {
    const shown = typeof choice === "string" ? choice : pyRepr(choice);
    const only = 'Only named tools, "none", "auto" or "required" are supported.';
    fail(b, `Invalid value for \`tool_choice\`: ${shown}! ${only}`, "tool_choice");
  }
  if (typeof choice !== "object") return;
  const fn = (choice as Body).function;
  if (typeof fn !== "object" || fn === null || Array.isArray(fn))
    fail(
      b,
      `Invalid value for \`function\`: \`${pyRepr(fn)}\` in \`tool_choice\`! ${CORRECT_USAGE}`,
      "tool_choice.function",
    );
  const f = fn as Body;
  if (!("name" in f))
    fail(
      b,
      `Expected field \`name\` in \`function\` in \`tool_choice\`! ${CORRECT_USAGE}`,
      "tool_choice.function.name",
    );
  if (typeof f.name !== "string" || f.name.length === 0) {
    const shown = typeof f.name === "string" ? f.name : pyRepr(f.name);
    fail(
      b,
      `Invalid \`name\` in \`function\`: \`${shown}\` in \`tool_choice\`! ${CORRECT_USAGE}`,
      "tool_choice.function.name",
    );
  }
  const tools = Array.isArray(b.tools) ? (b.tools as Body[]) : [];
  if (!tools.some((t) => (t?.function as Body | undefined)?.name === f.name))
    fail(b, "The tool specified in `tool_choice` does not match any of the specified `tools`", "tool_choice");
};

const generationPrompt: Check = (b) => {
  if (truthy(b.continue_final_message) && truthy(b.add_generation_prompt))
    fail(b, "Cannot set both `continue_final_message` and `add_generation_prompt` to True.", null);
};

const promptGiven: Check = (b) => {
  if (b.prompt === undefined || b.prompt === null || b.prompt === "") {
    const embeds = b.prompt_embeds;
    if (embeds === undefined || embeds === null || (Array.isArray(embeds) && embeds.length === 0))
      fail(b, "Either prompt or prompt_embeds must be provided and non-empty.", "prompt");
  }
};

const CHECKS: Record<"chat" | "completions", Check[]> = {
  chat: [generationPrompt, toolUsage, logprobsCheck("chat"), streamOptions, responseFormat],
  completions: [promptGiven, streamOptions, logprobsCheck("completions"), responseFormat],
};

/** Runs the request model's validators on a body (an object); throws the first refusal. */
export function checkRequestModel(api: "chat" | "completions", body: Body): void {
  for (const check of CHECKS[api]) check(body);
}
