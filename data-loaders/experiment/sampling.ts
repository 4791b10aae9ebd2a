// Sampling parameters and vLLM's request extras in the workload: the fields a user may add to
// `workload`, the checks that need several of them, and the request body fields they become.
//
// Bounds are vLLM's own (its sampling parameters answer 400 outside them): top_p in (0, 1],
// top_k 0 or −1 (off) or more, min_p in [0, 1], repetition_penalty > 0, presence and frequency penalties
// in [−2, 2], min_tokens ≤ max_tokens, top_logprobs only with logprobs. `extraBody` carries
// anything else vLLM accepts (e.g. `chat_template_kwargs`, `priority`), as JSON; it may not set a
// field the tracker sets itself or one these fields name. Omitted fields are left out of the
// request and of the spec hash, so adding them here re-runs no existing experiment.
import { z } from "zod";

const toolSchema = z.strictObject({
  type: z.literal("function"),
  function: z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "a function name: letters, digits, _ and -, at most 64"),
    description: z.string().optional(),
    /** JSON Schema of the arguments. */
    parameters: z.record(z.string(), z.json()).optional(),
    strict: z.boolean().optional(),
  }),
});

const toolChoiceSchema = z.union(
  [
    z.enum(["none", "auto", "required"]),
    z.strictObject({ type: z.literal("function"), function: z.strictObject({ name: z.string().min(1) }) }),
  ],
  { error: () => '"none", "auto", "required" or { type: "function", function: { name } }' },
);

/** The workload fields of this module (spread into workloadSchema). */
export const samplingFields = {
  /** Nucleus sampling: keep the smallest set of tokens whose probability reaches topP, in (0, 1]. */
  topP: z.number().gt(0).max(1).optional(),
  /** Keep the topK most likely tokens (0 turns it off; vLLM also takes −1 for off, as older releases wrote it). */
  topK: z.number().int().min(-1).optional(),
  /** Drop tokens less likely than minP × the most likely one, in [0, 1]. */
  minP: z.number().min(0).max(1).optional(),
  /** > 1 discourages repeating tokens of the prompt and the answer so far (vLLM's extension; 1 = off). */
  repetitionPenalty: z.number().positive().optional(),
  /** In [−2, 2]: penalises tokens that appeared at all. */
  presencePenalty: z.number().min(-2).max(2).optional(),
  /** In [−2, 2]: penalises tokens by how often they appeared. */
  frequencyPenalty: z.number().min(-2).max(2).optional(),
  /** Stop strings: generation ends at the first one (vLLM applies them even with ignoreEos). */
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** Keep generating past the end-of-sequence token (with minTokens: fixed-length outputs). */
  ignoreEos: z.boolean().optional(),
  /** Generate at least this many tokens before an end-of-sequence token or stop string may end the answer. */
  minTokens: z.number().int().min(0).optional(),
  /** Return the log probability of each generated token. */
  logprobs: z.boolean().optional(),
  /** With logprobs: also the topLogprobs most likely alternatives per token (the server caps it, 20 by default). */
  topLogprobs: z.number().int().min(0).optional(),
  /** Tools the model may call (chat only); the server needs its tool-calling flags for "auto". */
  tools: z.array(toolSchema).min(1).optional(),
  toolChoice: toolChoiceSchema.optional(),
  /** Further request fields vLLM accepts, sent as given (JSON only). */
  extraBody: z.record(z.string(), z.json()).optional(),
};

type Sampling = { [K in keyof typeof samplingFields]?: z.output<(typeof samplingFields)[K]> };
type Workload = Sampling & { api: "chat" | "completions"; maxTokens: number };

/** Request fields the tracker sets itself (or that would change what one request is): never from extraBody. */
const TRACKER_FIELDS: Record<string, string> = {
  model: "server.model",
  messages: "the prompts",
  prompt: "the prompts",
  max_tokens: "workload.maxTokens",
  max_completion_tokens: "workload.maxTokens",
  temperature: "workload.temperature",
  seed: "workload.seed",
  stream: "workload.stream",
  stream_options: "the tracker (it always asks for usage)",
  response_format: "workload.structuredOutput",
  n: "the tracker (one answer per request)",
  best_of: "the tracker (one answer per request)",
};

/** Each sampling field's request name. */
const WIRE: Record<string, string> = {
  topP: "top_p",
  topK: "top_k",
  minP: "min_p",
  repetitionPenalty: "repetition_penalty",
  presencePenalty: "presence_penalty",
  frequencyPenalty: "frequency_penalty",
  stop: "stop",
  ignoreEos: "ignore_eos",
  minTokens: "min_tokens",
  logprobs: "logprobs",
  topLogprobs: "top_logprobs",
  tools: "tools",
  toolChoice: "tool_choice",
};

/**
 * Problems between fields of a workload: [path inside workload, message]. The workload may hold
 * fields that failed their own check (zod runs refinements anyway): only well-typed ones are compared.
 */
export function samplingProblems(w: Workload): [string[], string][] {
  const problems: [string[], string][] = [];
  if (typeof w.minTokens === "number" && w.minTokens > w.maxTokens)
    problems.push([["minTokens"], `must not exceed maxTokens (${w.maxTokens}): vLLM refuses min_tokens > max_tokens`]);
  if (w.topLogprobs !== undefined && w.logprobs !== true)
    problems.push([["topLogprobs"], "needs logprobs: true (vLLM refuses top_logprobs without logprobs)"]);
  for (const field of ["tools", "toolChoice"] as const)
    if (w[field] !== undefined && w.api !== "chat")
      problems.push([[field], 'needs api: "chat" (tools are a chat feature)']);
  if (w.toolChoice !== undefined && w.toolChoice !== "none" && w.tools === undefined)
    problems.push([["toolChoice"], "needs tools to choose from"]);
  const byWire = Object.fromEntries(Object.entries(WIRE).map(([field, wire]) => [wire, `workload.${field}`]));
  const extra = typeof w.extraBody === "object" && w.extraBody !== null ? w.extraBody : {};
  for (const key of Object.keys(extra)) {
    const owner = TRACKER_FIELDS[key] ?? byWire[key];
    if (owner) problems.push([["extraBody", key], `is set by ${owner}: give it there, not in extraBody`]);
  }
  return problems;
}

/**
 * The request body fields of the workload's sampling parameters and extras, in vLLM's names.
 * Logprobs are asked the way each API takes them: chat `logprobs: true` with `top_logprobs`,
 * completions `logprobs: <number of alternatives>`.
 */
export function samplingParams(w: Workload): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [field, wire] of Object.entries(WIRE)) {
    const value = w[field as keyof Sampling];
    if (value !== undefined && field !== "logprobs" && field !== "topLogprobs") body[wire] = value;
  }
  if (w.logprobs) {
    if (w.api === "chat") {
      body.logprobs = true;
      if (w.topLogprobs !== undefined) body.top_logprobs = w.topLogprobs;
    } else body.logprobs = w.topLogprobs ?? 0;
  }
  return { ...body, ...w.extraBody };
}
