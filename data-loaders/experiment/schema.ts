// The experiment file format: the single source of truth for what a user may write in
// `experiments/<id>.ts`. Types are inferred from these schemas; nothing else restates them.
import { z } from "zod";
import { PROFILE_NAMES } from "../sim/profiles.ts";

/** A safe experiment id: the file name without `.ts`. */
export const EXPERIMENT_ID = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{0,62}$/;

/** An environment variable name (API keys are read from here, never written in the file). */
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name such as VLLM_API_KEY");

const faultsSchema = z
  .strictObject({
    /** Share of requests answered with an HTTP error, by status code, e.g. `{ 500: 0.05 }`. */
    httpErrors: z.record(z.string().regex(/^[45]\d\d$/, "an HTTP status code 400–599"), z.number().min(0).max(1)).optional(),
    /** Share of requests whose connection is reset before the response starts. */
    resetBeforeResponse: z.number().min(0).max(1).optional(),
    /** Share of streamed requests whose connection is reset mid-stream. */
    resetMidStream: z.number().min(0).max(1).optional(),
    /** Share of streamed requests that stall mid-stream for `stallMs`. */
    stall: z.number().min(0).max(1).optional(),
    stallMs: z.number().int().min(0).max(600_000).optional(),
    /** Share of streamed requests with one malformed (non-JSON) chunk. */
    malformedChunk: z.number().min(0).max(1).optional(),
    /** Share of streamed requests that end with an in-band `{"error":…}` event. */
    inBandError: z.number().min(0).max(1).optional(),
    /** Extra delay before the first token, in ms, applied to `slowFirstToken` of requests. */
    slowFirstToken: z.number().min(0).max(1).optional(),
    slowFirstTokenMs: z.number().int().min(0).max(600_000).optional(),
  })
  .describe("fault injection for the simulator");

export const simulatedServerSchema = z.strictObject({
  /** A simulator profile, e.g. `"gemma-3-4b@rtx-4080"`. */
  simulate: z.enum(PROFILE_NAMES as [string, ...string[]], {
    error: () => `one of the simulator profiles: ${PROFILE_NAMES.join(", ")}`,
  }),
  /** Simulated model load time in ms before /health answers (default 0). */
  loadTimeMs: z.number().int().min(0).max(3_600_000).optional(),
  /** Speed multiplier: 1 is real time; 10 makes the simulated GPU ten times faster (tests). */
  speedup: z.number().positive().max(10_000).optional(),
  faults: faultsSchema.optional(),
});

export const urlServerSchema = z.strictObject({
  /** Base URL of an OpenAI-compatible server, e.g. `http://gpu-box:8000` (with or without `/v1`). */
  url: z.url({ protocol: /^https?$/, error: "an http:// or https:// URL" }),
  /** The served model name (`--served-model-name`, or the model path vLLM was started with). */
  model: z.string().min(1),
  /** Name of the environment variable that holds the API key. The key itself never goes in the file. */
  apiKeyEnv: envName.optional(),
});

export const serverSchema = z.union([simulatedServerSchema, urlServerSchema], {
  error: () => "either { simulate: \"<profile>\" } or { url, model, apiKeyEnv? }",
});

const messageSchema = z.strictObject({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string(),
});

/** One prompt as written inline or on a JSONL line. */
export const promptSchema = z.union([
  z.string().min(1),
  z.strictObject({
    id: z.string().min(1).max(200).optional(),
    /** The user message (chat) or the completion prompt. */
    prompt: z.string().min(1).optional(),
    /** Full chat messages instead of `prompt`. */
    messages: z.array(messageSchema).min(1).optional(),
  }).refine((p) => (p.prompt === undefined) !== (p.messages === undefined), {
    message: "give exactly one of `prompt` or `messages`",
  }),
]);

export const GENERATORS = ["candidate-profiles", "candidate-profiles-detailed"] as const;

export const promptSourceSchema = z.union(
  [
    z.strictObject({ inline: z.array(promptSchema).min(1) }),
    /** Path relative to the experiment file; one JSON object per line ({id?, prompt} or {id?, messages}). */
    z.strictObject({ jsonl: z.string().min(1) }),
    z.strictObject({
      generate: z.enum(GENERATORS),
      /** How many distinct prompts to generate (requests cycle through them). */
      count: z.number().int().min(1).max(1_000_000),
    }),
  ],
  { error: () => "one of { inline: [...] }, { jsonl: \"file.jsonl\" } or { generate: \"candidate-profiles\", count }" },
);

export const workloadSchema = z.strictObject({
  prompts: promptSourceSchema,
  /** A system message sent before every prompt (chat only). */
  system: z.string().optional(),
  /** `chat` → /v1/chat/completions, `completions` → /v1/completions. */
  api: z.enum(["chat", "completions"]).default("chat"),
  /** Stream with SSE (needed for TTFT and inter-token latency). */
  stream: z.boolean().default(true),
  /** Output limit per request (sent as max_completion_tokens / max_tokens). */
  maxTokens: z.number().int().min(1).max(1_000_000),
  temperature: z.number().min(0).max(2),
  /** Seeds the prompt generator and the per-request sampling seeds. */
  seed: z.number().int().min(0).max(2 ** 31 - 1),
  /** Ask the server to constrain the answer to `quality.schema` (response_format json_schema). */
  structuredOutput: z.boolean().default(false),
});

export const loadSchema = z.strictObject({
  /** Number of workers, each sending its next request when its previous one finishes. */
  concurrency: z.number().int().min(1).max(100_000),
});

export const qualitySchema = z.strictObject({
  /** A zod schema the answer should satisfy when parsed as JSON. */
  schema: z.custom<z.ZodType>((v) => v instanceof z.ZodType, {
    message: "a zod schema, e.g. z.object({ recommendation: z.enum([...]) })",
  }),
  /** A categorical top-level field of the answer used to compare models (e.g. "recommendation"). */
  agreementField: z.string().min(1).optional(),
});

export const priceSchema = z.strictObject({
  /** Provider and model this price is for, e.g. "together / gemma-3-4b". */
  label: z.string().min(1),
  inputPerMTok: z.number().min(0),
  outputPerMTok: z.number().min(0),
});

export const experimentSchema = z.strictObject({
  title: z.string().min(1).max(200),
  /** Markdown prose shown on the report: the hypothesis and context. */
  notes: z.string().default(""),
  server: serverSchema,
  workload: workloadSchema,
  /** Number of requests to send. Requests cycle through the prompts. */
  requests: z.number().int().min(1).max(10_000_000),
  load: loadSchema,
  quality: qualitySchema.optional(),
  /** Prices to compare against (not part of the spec hash: changing them re-runs nothing). */
  prices: z.array(priceSchema).optional(),
  /** Self-hosting cost of the GPU in $/hour (not part of the spec hash). */
  gpuDollarsPerHour: z.number().min(0).optional(),
});

/** What a user writes (defaults may be omitted). */
export type ExperimentInput = z.input<typeof experimentSchema>;
/** What the tracker works with after validation (defaults filled in). */
export type Experiment = z.output<typeof experimentSchema>;
export type ServerSpec = Experiment["server"];
export type SimulatedServer = z.output<typeof simulatedServerSchema>;
export type UrlServer = z.output<typeof urlServerSchema>;
export type Workload = Experiment["workload"];
export type PromptInput = z.input<typeof promptSchema>;
export type Faults = z.output<typeof faultsSchema>;

export function isSimulated(server: ServerSpec): server is SimulatedServer {
  return "simulate" in server;
}

/**
 * Declares an experiment. Used as `export default defineExperiment({...})` in
 * `experiments/<id>.ts`; the argument is type-checked in the editor and validated when loaded.
 */
export function defineExperiment(spec: ExperimentInput): ExperimentInput {
  return spec;
}
