// The experiment file format: the single source of truth for what a user may write in
// `experiments/<id>.ts`. Types are inferred from these schemas; nothing else restates them.
import { z } from "zod";
import type { ChatMessage } from "../client/outcome.ts";
import { rubricProblems } from "../judge/rubric.ts";
import { JUDGE_SCALES } from "../judge/verdict.ts";
import { serverUrlProblem, trimBaseUrl } from "../server/url.ts";
import { samplingFields, samplingProblems } from "./sampling.ts";
import { profileProblem } from "../sim/derived-profiles.ts";

/** A safe experiment id: the file name without `.ts`. */
export const EXPERIMENT_ID = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{0,62}$/;

/** An environment variable name (API keys are read from here, never written in the file). */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name such as VLLM_API_KEY");

export const faultsSchema = z
  .strictObject({
    /** Share of requests answered with an HTTP error, by status code, e.g. `{ 500: 0.05 }`. */
    httpErrors: z
      .record(z.string().regex(/^[45]\d\d$/, "an HTTP status code 400–599"), z.number().min(0).max(1))
      .optional(),
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
  /**
   * A simulator profile, e.g. `"gemma-3-4b@rtx-4080"`, or `"<model>[:<weights>]@<gpu>"` for any
   * catalog model and GPU (a profile derived from the fit and speed models: sim/derived-profiles.ts).
   */
  simulate: z.string().superRefine((name, ctx) => {
    const problem = profileProblem(name);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  /** Simulated model load time in ms before /health answers (default 0). */
  loadTimeMs: z.number().int().min(0).max(3_600_000).optional(),
  /** Speed multiplier: 1 is real time; 10 makes the simulated GPU ten times faster (tests). */
  speedup: z.number().positive().max(10_000).optional(),
  faults: faultsSchema.optional(),
});

/** A server's base URL: http(s), no credentials (see `apiKeyEnv`), no endpoint path (server/url.ts). */
const serverUrl = z.url({ protocol: /^https?$/, error: "an http:// or https:// URL" }).superRefine((url, ctx) => {
  const problem = serverUrlProblem(url);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export const urlServerSchema = z.strictObject({
  /** Base URL of an OpenAI-compatible server, e.g. `http://gpu-box:8000` (with or without `/v1`). */
  url: serverUrl,
  /** The served model name (`--served-model-name`, or the model path vLLM was started with). */
  model: z.string().min(1),
  /** Name of the environment variable that holds the API key. The key itself never goes in the file. */
  apiKeyEnv: envName.optional(),
});

/** Several replicas of one model (data-parallel, no router): requests are spread round-robin. */
export const replicasServerSchema = z.strictObject({
  /** Base URLs of the replicas, e.g. `["http://gpu-a:8000", "http://gpu-b:8000"]`. */
  urls: z
    .array(serverUrl)
    .min(2, "at least two URLs (for one server write `url`)")
    .refine((urls) => new Set(urls.map(trimBaseUrl)).size === urls.length, "each replica once"),
  /** The served model name; every replica must serve it. */
  model: z.string().min(1),
  apiKeyEnv: envName.optional(),
});

/** Flag names that the tracker sets itself or that would put a secret in the file. */
const RESERVED_FLAGS = ["--host", "--port", "--api-key", "--served-model-name"];
/** Environment variable names that look like secrets: they are inherited, never written in the file. */
export const SECRET_ENV = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH/i;

export const launchSchema = z.strictObject({
  /** The vLLM executable: `"vllm"` on the PATH, or a path. Started as `<command> serve <model> …`. */
  command: z.string().min(1).default("vllm"),
  /** Model to serve (Hugging Face id or local path); also the name requests use. */
  model: z.string().min(1),
  /** Engine flags, e.g. `{ "--gpu-memory-utilization": 0.9, "--max-model-len": 4096, "--enforce-eager": true }`. */
  args: z
    .record(
      z.string().regex(/^--[a-z0-9][a-z0-9-]*$/, "a long flag such as --max-model-len"),
      z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]),
    )
    .default({})
    .superRefine((args, ctx) => {
      for (const flag of Object.keys(args)) {
        if (RESERVED_FLAGS.includes(flag)) {
          ctx.addIssue({
            code: "custom",
            path: [flag],
            message: `${flag} is set by the tracker (use launch.port, launch.apiKeyEnv)`,
          });
        }
      }
    }),
  /** Extra environment variables for the server. Secrets are inherited from the tracker's environment, never written here. */
  env: z
    .record(envName, z.string())
    .default({})
    .superRefine((env, ctx) => {
      for (const name of Object.keys(env)) {
        if (SECRET_ENV.test(name)) {
          ctx.addIssue({
            code: "custom",
            path: [name],
            message: `${name} looks like a secret: set it in the environment of \`tracker\`, the server inherits it`,
          });
        }
      }
    }),
  /** Port on 127.0.0.1 (default: a free port). */
  port: z.number().int().min(1).max(65_535).optional(),
  /** How long to wait for GET /health to answer 200 (default 1200 s: cold starts take minutes). */
  readyTimeoutS: z.number().positive().max(86_400).default(1200),
  /** Environment variable holding an API key: given to the server as VLLM_API_KEY and used by the client. */
  apiKeyEnv: envName.optional(),
  /** Send the requests to this LoRA adapter (a name given in args `--lora-modules name=path`) instead of the base model. */
  adapter: z.string().min(1).optional(),
});

export const launchServerSchema = z.strictObject({
  /** Start `vllm serve` for this experiment and stop it afterwards. */
  launch: launchSchema,
});

export const serverSchema = z.union(
  [simulatedServerSchema, urlServerSchema, replicasServerSchema, launchServerSchema],
  {
    error: () =>
      'one of { simulate: "<profile>" }, { url, model, apiKeyEnv? }, { urls: [...], model } or { launch: { command, model, args } }',
  },
);

const messageSchema = z.strictObject({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string(),
});

/** What a prompt may be, for messages (inline lists and JSONL lines). */
const PROMPT_SHAPE =
  'a prompt: a string, or an object {"id"?, "prompt", "expected"?} or {"id"?, "messages": [...], "expected"?}';

/**
 * The ground truth of a prompt: some or all fields of the answer, e.g. `{ recommendation: "yes" }`.
 * Each field is checked against quality.schema when there is one; the values are part of the
 * prompt hash (they change what is scored).
 */
export const expectedSchema = z
  .record(z.string(), z.json())
  .refine((e) => Object.keys(e).length > 0, "give at least one field of the answer");

/** One prompt as written inline or on a JSONL line. */
export const promptSchema = z.union(
  [
    z.string().min(1),
    z
      .strictObject({
        id: z.string().min(1).max(200).optional(),
        /** The user message (chat) or the completion prompt. */
        prompt: z.string().min(1).optional(),
        /** Full chat messages instead of `prompt`. */
        messages: z.array(messageSchema).min(1).optional(),
        /** The answer's expected fields (ground truth), scored against quality.schema's fields. */
        expected: expectedSchema.optional(),
      })
      .refine((p) => (p.prompt === undefined) !== (p.messages === undefined), {
        message: "give exactly one of `prompt` or `messages`",
      }),
  ],
  { error: () => PROMPT_SHAPE },
);

export const GENERATORS = ["candidate-profiles", "candidate-profiles-detailed"] as const;

export const promptSourceSchema = z.union(
  [
    z.strictObject({ inline: z.array(promptSchema).min(1) }),
    /** Path relative to the experiment file; one JSON object per line ({id?, prompt} or {id?, messages}). */
    z.strictObject({ jsonl: z.string().min(1) }),
    /** An OpenAI batch input file (relative to the experiment file): lines {custom_id, method, url, body: {messages, …}}; custom_id becomes the prompt id. */
    z.strictObject({ batch: z.string().min(1) }),
    z.strictObject({
      generate: z.enum(GENERATORS),
      /** How many distinct prompts to generate (requests cycle through them). */
      count: z.number().int().min(1).max(1_000_000),
    }),
  ],
  {
    error: () =>
      'one of { inline: [...] }, { jsonl: "file.jsonl" }, { batch: "batch-input.jsonl" } or { generate: "candidate-profiles", count }',
  },
);

export const workloadSchema = z.strictObject({
  prompts: promptSourceSchema,
  /** A system message sent before every prompt (chat only). */
  system: z.string().optional(),
  /**
   * In-context examples sent before every prompt, after the system message: user/assistant
   * message pairs (few-shot prompting). For the completions API they are part of the prompt text.
   */
  fewShot: z.array(messageSchema).min(1).optional(),
  /** Each prompt's text is put into this template at `{{prompt}}`, e.g. "Evaluate:\n{{prompt}}\nAnswer in JSON." */
  template: z
    .string()
    .refine((t) => t.split("{{prompt}}").length === 2, "must hold {{prompt}} exactly once (where the prompt goes)")
    .optional(),
  /** `chat` → /v1/chat/completions, `completions` → /v1/completions. */
  api: z.enum(["chat", "completions"]).default("chat"),
  /** Stream with SSE (needed for TTFT and inter-token latency). */
  stream: z.boolean().default(true),
  /** Output limit per request (sent as max_completion_tokens / max_tokens). */
  maxTokens: z.number().int().min(1).max(1_000_000),
  temperature: z.number().min(0).max(2),
  /** Seeds the prompt generator and the per-request sampling seeds. */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  /** Ask the server to constrain the answer to `quality.schema` (response_format json_schema). */
  structuredOutput: z.boolean().default(false),
  /** Sampling parameters and vLLM extras (topP, topK, …, ignoreEos, minTokens, logprobs, tools, extraBody): experiment/sampling.ts. */
  ...samplingFields,
});

const concurrencyLevel = z.number().int().min(1).max(100_000);
/** Most client threads a load may ask for: a fixed cap, so a file valid on one machine is valid on every one. */
export const MAX_CLIENTS = 64;
const CLIENTS_RANGE = `a whole number of client threads from 1 to ${MAX_CLIENTS}`;
const requestRate = z.number().positive().max(1_000_000);

/**
 * How requests are sent. Exactly one of `concurrency` (closed loop), `rate` (open loop) or
 * `rampUp` (open loop with a linearly growing rate). Omitted optional fields keep their default
 * out of the spec hash, so adding a field here never re-runs existing experiments.
 */
export const loadSchema = z
  .strictObject({
    /**
     * Closed loop: N workers, each sending its next request when its previous one finishes.
     * A list is a sweep, shorthand for `grid: { concurrency: [...] }`: one cell (run) per level.
     */
    concurrency: z
      .union(
        [
          concurrencyLevel,
          z
            .array(concurrencyLevel)
            .min(1)
            .max(64)
            .superRefine((levels, ctx) => {
              const twice = levels.filter((level, i) => levels.indexOf(level) !== i);
              if (twice.length)
                ctx.addIssue({
                  code: "custom",
                  message: `each level once (${[...new Set(twice)].join(", ")} listed more than once): a sweep runs every level once; use repeats for more runs of a level`,
                });
            }),
        ],
        { error: () => "a number of workers, or a list of levels for a sweep, e.g. [1, 4, 16]" },
      )
      .optional(),
    /** Open loop: requests per second, like `vllm bench serve --request-rate`. */
    rate: requestRate.optional(),
    /** Gamma shape of the gaps between open-loop arrivals: 1 (default) is Poisson, < 1 burstier, > 1 more regular. */
    burstiness: z.number().positive().max(1_000).optional(),
    /** Open loop: at most this many requests in flight; later arrivals wait for a free slot. */
    maxConcurrency: concurrencyLevel.optional(),
    /** Open loop with a rate that grows linearly per request from startRps to endRps (vLLM's linear ramp-up; no rescaling). */
    rampUp: z
      .strictObject({ startRps: requestRate, endRps: requestRate })
      .refine((r) => r.startRps <= r.endRps, {
        path: ["startRps"],
        message: "must not be above rampUp.endRps: the rate ramps up (vLLM's ramp-up rejects a start above the end)",
      })
      .optional(),
    /** Requests sent before the measured ones, stored with `warmup = true` and left out of every statistic (default 0). */
    warmup: z.number().int().min(0).max(100_000).optional(),
    /** Runs per level, for confidence intervals (default 1). */
    repeats: z.number().int().min(1).max(100).optional(),
    /**
     * Stop sending after this many seconds; requests in flight finish. The run is complete with
     * fewer requests than asked (its reason says so), and is not resumed.
     */
    maxDurationS: z
      .number()
      .positive()
      .max(30 * 86_400)
      .optional(),
    /**
     * Client processes sending the load: worker threads, each with its own connection pool and
     * share of the requests (run/clients.ts); default 1 (no thread). Part of the spec hash when given.
     */
    clients: z
      .number({ error: () => CLIENTS_RANGE })
      .int(CLIENTS_RANGE)
      .min(1, CLIENTS_RANGE)
      .max(MAX_CLIENTS, `${CLIENTS_RANGE} (more threads than cores only share the same cores)`)
      .optional(),
  })
  .superRefine((load, ctx) => {
    const shapes = (["concurrency", "rate", "rampUp"] as const).filter((k) => load[k] !== undefined);
    if (shapes.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: shapes.length === 0 ? ["concurrency"] : [shapes[1]!],
        message:
          shapes.length === 0
            ? "give one of concurrency (closed loop), rate or rampUp (open loop)"
            : `give only one of concurrency, rate or rampUp (found ${shapes.join(" and ")})`,
      });
    }
    for (const k of ["burstiness", "maxConcurrency"] as const) {
      if (load[k] !== undefined && load.concurrency !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [k],
          message: "applies to open-loop loads only (rate or rampUp), not to concurrency",
        });
      }
    }
  });

/** Retries of failed requests and the wait for a server that went away. */
export const retrySchema = z.strictObject({
  /** Attempts per request for retryable failures (connect, reset, 5xx, in-band error, timeout); default 1 = no retry. */
  attempts: z.number().int().min(1).max(20).optional(),
  /** First backoff in ms (default 500); doubles per attempt, with jitter. */
  backoffMs: z.number().int().min(0).max(600_000).optional(),
  /** Longest backoff in ms (default 30 000). */
  maxBackoffMs: z.number().int().min(0).max(3_600_000).optional(),
  /** When requests cannot connect, pause and poll /health for up to this many seconds (default 60), then end the run as failed and resumable. */
  serverGoneS: z
    .number()
    .min(0)
    .max(7 * 86_400)
    .optional(),
});

/** Time limits per request. */
export const timeoutsSchema = z.strictObject({
  /** Total time for one attempt, in seconds (default none). */
  requestS: z.number().positive().max(86_400).optional(),
  /** Longest silence on a streamed response (no bytes), in seconds (default none). */
  idleS: z.number().positive().max(86_400).optional(),
});

/** What a check function receives besides the answer. */
export interface CheckPrompt {
  id: string;
  text: string;
  messages: ChatMessage[];
  expected?: Record<string, unknown>;
}
/** A check function's result: pass or fail, or that with a score and a reason. */
export type CheckOutcome = boolean | { pass: boolean; score?: number; reason?: string };
/** `answer` is the answer parsed as JSON (undefined when it is not JSON); `text` is the answer as sent. */
export type CheckFunction = (answer: unknown, prompt: CheckPrompt, text: string) => CheckOutcome;

/** The kinds of check: exactly one of these fields is given per check. */
export const CHECK_KINDS = ["equals", "oneOf", "matches", "contains", "length", "range", "mentionsFact", "fn"] as const;
/** Check kinds that test the values at `path` (which they require). */
const VALUE_KINDS = ["equals", "oneOf", "matches", "contains", "length", "range"];

const boundsSchema = z
  .strictObject({ min: z.number().optional(), max: z.number().optional() })
  .refine((b) => b.min !== undefined || b.max !== undefined, "give min, max or both")
  .refine((b) => b.min === undefined || b.max === undefined || b.min <= b.max, "min must not exceed max");

const compiles = (source: string): boolean => {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
};

/** One named check of every answer; see the README's "Checks" section for what each kind tests. */
export const checkSchema = z
  .strictObject({
    name: z.string().min(1).max(100),
    /** Dotted path into the answer parsed as JSON, `*` for every key or element: "analysis.*.score". */
    path: z
      .string()
      .regex(/^[^.\s]+(\.[^.\s]+)*$/, 'a dotted path such as "recommendation" or "analysis.*.score"')
      .optional(),
    /** Every value at `path` equals this JSON value. */
    equals: z.json().optional(),
    /** Every value at `path` equals one of these. */
    oneOf: z.array(z.json()).min(1).optional(),
    /** Every value at `path` is a string matching this regular expression (JavaScript syntax). */
    matches: z.string().min(1).refine(compiles, "not a valid regular expression").optional(),
    /** Flags for `matches`, e.g. "i". */
    flags: z
      .string()
      .regex(/^[imsu]*$/, "regular expression flags from i, m, s, u")
      .optional(),
    /** Every value at `path` is a string containing this text, or a list with this element. */
    contains: z.union([z.string().min(1), z.number(), z.boolean()]).optional(),
    /** Every value at `path` is a string or list whose length is within the bounds. */
    length: boundsSchema.optional(),
    /** Every value at `path` is a number within the bounds. */
    range: boundsSchema.optional(),
    /** The answer (or the values at `path`) mentions the value of the prompt's "<label>: value" line. */
    mentionsFact: z.string().min(1).optional(),
    /** A function `(answer, prompt, text) => boolean | { pass, score?, reason? }`; its source text is hashed. */
    fn: z.custom<CheckFunction>((v) => typeof v === "function", "a function (answer, prompt) => boolean").optional(),
  })
  .superRefine((check, ctx) => {
    const kinds = CHECK_KINDS.filter((k) => check[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: kinds.length === 0 ? [] : [kinds[1]!],
        message:
          kinds.length === 0
            ? `give one of ${CHECK_KINDS.join(", ")}`
            : `give only one of ${CHECK_KINDS.join(", ")} (found ${kinds.join(" and ")})`,
      });
      return;
    }
    const kind = kinds[0]!;
    if (VALUE_KINDS.includes(kind) && check.path === undefined)
      ctx.addIssue({ code: "custom", path: ["path"], message: `a ${kind} check needs the path of the value it tests` });
    if (kind === "fn" && check.path !== undefined)
      ctx.addIssue({ code: "custom", path: ["path"], message: "a function check receives the whole answer: no path" });
    if (check.flags !== undefined && kind !== "matches")
      ctx.addIssue({ code: "custom", path: ["flags"], message: "flags apply to matches checks only" });
  });

/** An LLM judge that grades every answer (judged in a run of its own; not part of the spec hash). */
export const judgeSchema = z.strictObject({
  /** The judge's server: any server spec, the simulator's `judge@rtx-4080` profile included. */
  server: serverSchema,
  /** The judge's prompt with {{answer}} and optionally {{prompt}} and {{expected}}. */
  rubric: z
    .string()
    .min(1)
    .superRefine((rubric, ctx) => {
      for (const message of rubricProblems(rubric)) ctx.addIssue({ code: "custom", message });
    }),
  /** "pass-fail", or "1-5" (5 best). */
  scale: z.enum(JUDGE_SCALES),
  /** Longest judge answer, in tokens (default 512). */
  maxTokens: z.number().int().min(1).max(100_000).optional(),
  /** Judge requests in flight at once (default 8). */
  concurrency: z.number().int().min(1).max(1024).optional(),
  /** Judge at most this many answers per run, the first in request order (default: every answer). */
  sample: z.number().int().min(1).max(10_000_000).optional(),
  /** Compare this experiment's answers with another experiment's on the same prompts, asked in both orders. */
  pairwise: z
    .strictObject({
      /** The other experiment's id (its file name without .ts); it must send the same prompts. */
      with: z.string().regex(EXPERIMENT_ID, "an experiment id: the other experiment's file name without .ts"),
      /** The judge's prompt with {{answer_a}} and {{answer_b}}, optionally {{prompt}} and {{expected}}. */
      rubric: z
        .string()
        .min(1)
        .superRefine((rubric, ctx) => {
          for (const message of rubricProblems(rubric, "pairwise")) ctx.addIssue({ code: "custom", message });
        }),
    })
    .optional(),
});

/**
 * Why `field` (a dotted path, `*` for every key or element) names nothing in `schema`, or null
 * when it names a field (or the schema leaves that part open). A schema JSON Schema cannot
 * express is reported by the loader; nothing is checked here then.
 */
function fieldProblem(schema: z.ZodType, field: string): string | null {
  let json: unknown;
  try {
    json = z.toJSONSchema(schema);
  } catch {
    return null;
  }
  /** Null when one of the candidates holds the rest of the path, else the first one's problem. */
  const anyHolds = (candidates: unknown[], keys: string[], at: string[]): string | null => {
    const problems = candidates.map((c) => missing(c, keys, at));
    return problems.length === 0 || problems.includes(null) ? null : problems[0]!;
  };
  const missing = (node: unknown, keys: string[], at: string[]): string | null => {
    if (keys.length === 0 || typeof node !== "object" || node === null) return null;
    const s = node as { anyOf?: unknown[]; oneOf?: unknown[]; properties?: Record<string, unknown>; items?: unknown };
    const alternatives = [...(s.anyOf ?? []), ...(s.oneOf ?? [])];
    if (alternatives.length) return anyHolds(alternatives, keys, at);
    const [key, ...rest] = keys as [string, ...string[]];
    if (key === "*")
      return anyHolds([...Object.values(s.properties ?? {}), ...(s.items ? [s.items] : [])], rest, [...at, key]);
    if (!s.properties) return null; // not an object with named fields (a record, any): open
    if (Object.hasOwn(s.properties, key)) return missing(s.properties[key], rest, [...at, key]);
    const fields = Object.keys(s.properties).join(", ") || "none";
    return `"${field}" is not a field of quality.schema (${at.length ? `${at.join(".")} has` : "its fields"}: ${fields})`;
  };
  return missing(json, field.split("."), []);
}

export const qualitySchema = z
  .strictObject({
    /** A zod schema the answer should satisfy when parsed as JSON. */
    schema: z.custom<z.ZodType>((v) => v instanceof z.ZodType, {
      message: "a zod schema, e.g. z.object({ recommendation: z.enum([...]) })",
    }),
    /** A categorical top-level field of the answer used to compare models (e.g. "recommendation"). */
    agreementField: z.string().min(1).optional(),
    /** Absolute tolerance per numeric field of the schema when scoring against `expected` (default 0). */
    tolerance: z.record(z.string().min(1), z.number().min(0)).optional(),
    /** Named checks of every answer. */
    checks: z
      .array(checkSchema)
      .superRefine((checks, ctx) => {
        const seen = new Set<string>();
        checks.forEach((c, i) => {
          if (seen.has(c.name))
            ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate check name "${c.name}"` });
          seen.add(c.name);
        });
      })
      .optional(),
    judge: judgeSchema.optional(),
  })
  .superRefine((quality, ctx) => {
    // Refinements also run when a field failed: check only what is well-formed.
    const problem =
      typeof quality.agreementField === "string" && quality.agreementField
        ? fieldProblem(quality.schema, quality.agreementField)
        : null;
    if (problem) ctx.addIssue({ code: "custom", path: ["agreementField"], message: problem });
    const fields = quality.schema instanceof z.ZodObject ? Object.keys(quality.schema.shape) : null;
    for (const field of Object.keys(quality.tolerance ?? {})) {
      if (fields !== null && !fields.includes(field))
        ctx.addIssue({
          code: "custom",
          path: ["tolerance", field],
          message: `not a field of quality.schema (${fields.join(", ")})`,
        });
    }
  });

/**
 * Run until precise: keep sending until the 95% interval of the projected time for `projection`
 * requests is within ±`relativeError` of it, or `max` requests were sent (analysis/precision.ts).
 */
export const untilPreciseSchema = z.strictObject({
  until: z.strictObject({
    /** The job size whose projected time must be precise, e.g. 200000. */
    projection: z.number().int().min(1).max(1_000_000_000),
    /** Half-width of the 95% interval relative to the projected time: 0.05 for ±5%. */
    relativeError: z.number().gt(0).max(0.5),
  }),
  /** The most requests to send when the projection is not precise before. */
  max: z.number().int().min(1).max(10_000_000),
  /** Requests between two precision checks (default 100; never more often than every 5% of what is done). */
  checkEvery: z.number().int().min(1).max(1_000_000).optional(),
});

/** `requests`: a number, or run until precise. */
export const requestsSchema = z.union([z.number().int().min(1).max(10_000_000), untilPreciseSchema], {
  error: () =>
    "a number of requests, or { until: { projection, relativeError }, max } to run until the projection is precise",
});

export type UntilPrecise = z.output<typeof untilPreciseSchema>;

/** The most requests an experiment sends: `requests`, or its `max` when it runs until precise. */
export function plannedRequests(requests: number | UntilPrecise): number {
  return typeof requests === "number" ? requests : requests.max;
}

export const priceSchema = z.strictObject({
  /** Provider and model this price is for, e.g. "together / gemma-3-4b". */
  label: z.string().min(1),
  inputPerMTok: z.number().min(0),
  outputPerMTok: z.number().min(0),
});

export const experimentSchema = z
  .strictObject({
    title: z.string().min(1).max(200),
    /** Markdown prose shown on the report: the hypothesis and context. */
    notes: z.string().default(""),
    server: serverSchema,
    workload: workloadSchema,
    /** Number of requests to send (requests cycle through the prompts), or `{ until, max }`: until precise. */
    requests: requestsSchema,
    load: loadSchema,
    retry: retrySchema.optional(),
    timeouts: timeoutsSchema.optional(),
    quality: qualitySchema.optional(),
    /** Prices to compare against (not part of the spec hash: changing them re-runs nothing). */
    prices: z.array(priceSchema).optional(),
    /** Self-hosting cost of the GPU in $/hour (not part of the spec hash). */
    gpuDollarsPerHour: z.number().min(0).optional(),
    /** Electricity price in $/kWh, for the energy cost of runs with GPU power samples (not part of the spec hash). */
    electricityPerKWh: z.number().min(0).optional(),
    /** How the report publishes answers: full text, truncated, or hashed (not part of the spec hash). */
    publish: z.strictObject({ answers: z.enum(["full", "truncated", "hashed"]) }).optional(),
  })
  .superRefine((spec, ctx) => {
    // Refinements also run when a field failed: check the workload's fields together only when it is well-formed.
    if (typeof spec.workload?.maxTokens === "number")
      for (const [path, message] of samplingProblems(spec.workload))
        ctx.addIssue({ code: "custom", path: ["workload", ...path], message });
    const launch = (spec.server as { launch?: { adapter?: unknown; args?: unknown } } | undefined)?.launch;
    if (typeof launch?.adapter === "string" && !Object.hasOwn(Object(launch.args), "--lora-modules"))
      ctx.addIssue({
        code: "custom",
        path: ["server", "launch", "adapter"],
        message: 'needs the adapter in launch.args: "--enable-lora": true and "--lora-modules": "<name>=<path>"',
      });
    if (typeof spec.requests === "object" && spec.load && spec.load.concurrency === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["requests", "until"],
        message:
          "needs load.concurrency: a projection is judged at the steady state of a closed-loop run (rate and rampUp have none)",
      });
    if (spec.workload?.structuredOutput === true && spec.quality === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["workload", "structuredOutput"],
        message: "needs quality.schema: structured output asks the server to answer in that schema",
      });
  });

/** What a user writes (defaults may be omitted). */
export type ExperimentInput = z.input<typeof experimentSchema>;
/** What the tracker works with after validation (defaults filled in). */
export type Experiment = z.output<typeof experimentSchema>;
export type ServerSpec = Experiment["server"];
export type SimulatedServer = z.output<typeof simulatedServerSchema>;
export type UrlServer = z.output<typeof urlServerSchema>;
export type ReplicasServer = z.output<typeof replicasServerSchema>;
export type LaunchServer = z.output<typeof launchServerSchema>;
export type LaunchSpec = z.output<typeof launchSchema>;
export type Workload = Experiment["workload"];
export type PromptInput = z.input<typeof promptSchema>;
export type Faults = z.output<typeof faultsSchema>;
export type Quality = z.output<typeof qualitySchema>;
export type Check = z.output<typeof checkSchema>;
export type CheckInput = z.input<typeof checkSchema>;
export type JudgeSpec = z.output<typeof judgeSchema>;

export function isSimulated(server: ServerSpec): server is SimulatedServer {
  return "simulate" in server;
}

export function isLaunched(server: ServerSpec): server is LaunchServer {
  return "launch" in server;
}

// ---- Grids: one file, many runs ----
//
// `grid` declares axes; every combination of one value per axis is a cell, and each cell is a
// run of its own (spec hash, run folder, site page). A cell's spec is the file's spec (the base)
// with each of its values applied: a list axis sets the field it is named after, a named variant
// is merged in field by field (experiment/grid.ts). Each cell is validated by experimentSchema.

/** Axes given as a list of values, and the field of the spec each value sets. */
export const VALUE_AXES = {
  requests: ["requests"],
  concurrency: ["load", "concurrency"],
  rate: ["load", "rate"],
  maxTokens: ["workload", "maxTokens"],
  temperature: ["workload", "temperature"],
  seed: ["workload", "seed"],
} as const satisfies Record<string, readonly string[]>;

/** The most cells one grid may have: each cell is a run (× load.repeats) and a page of the site. */
export const GRID_MAX_CELLS = 256;

/** Fields the same for every cell (prose, report settings outside the spec hash, the grid itself). */
export const GRID_FIXED_FIELDS = ["title", "notes", "prices", "gpuDollarsPerHour", "publish", "grid"] as const;

/** Axis names: they name the cell (`model=gemma-3-1b,concurrency=16`) and its page. */
const AXIS_NAME = /^[a-z][a-zA-Z0-9]{0,31}$/;
/** Variant names, the same safe characters as experiment ids. */
export const VARIANT_NAME = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{0,39}$/;

type DeepPartial<T> = T extends z.ZodType | ((...args: never[]) => unknown) | readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** What a named variant may change: any field of the spec but the fixed ones, given in part. */
export type VariantInput = DeepPartial<Omit<ExperimentInput, (typeof GRID_FIXED_FIELDS)[number]>>;

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" &&
  v !== null &&
  (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

const variantSchema = z
  .custom<VariantInput>(
    isPlainObject,
    'the fields this variant changes, e.g. { server: { simulate: "gemma-3-1b@rtx-4080" } }',
  )
  .superRefine((variant, ctx) => {
    for (const field of GRID_FIXED_FIELDS)
      if (isPlainObject(variant) && Object.hasOwn(variant, field))
        ctx.addIssue({
          code: "custom",
          path: [field],
          message: "the same for every cell of a grid: set it once, at the top level of the file",
        });
  });

const EMPTY_AXIS = "an empty axis makes no cells: give at least one value";

export const gridSchema = z
  .record(
    z.string(),
    z.union([z.array(z.number()), z.record(z.string(), variantSchema)], {
      error: () =>
        'a list of values, e.g. concurrency: [4, 16], or named variants, e.g. model: { "gemma-3-1b": { … } }',
    }),
  )
  .superRefine((grid, ctx) => {
    const axes = Object.entries(grid);
    if (axes.length === 0)
      ctx.addIssue({ code: "custom", message: "give at least one axis, e.g. concurrency: [4, 16]" });
    for (const [name, axis] of axes) {
      const at = (message: string, ...path: string[]) =>
        ctx.addIssue({ code: "custom", path: [name, ...path], message });
      if (!AXIS_NAME.test(name)) at(`axis name "${name}": a letter, then letters and digits (e.g. model, maxTokens)`);
      if (Array.isArray(axis)) {
        if (!Object.hasOwn(VALUE_AXES, name))
          at(
            `a list of values needs an axis named after the field it sets (${Object.keys(VALUE_AXES).join(", ")}); ` +
              `for anything else name each variant: ${name}: { "<name>": { …fields } }`,
          );
        if (axis.length === 0) at(EMPTY_AXIS);
        const twice = axis.filter((v, i) => axis.indexOf(v) !== i);
        if (twice.length) at(`each value once (${[...new Set(twice)].join(", ")} listed more than once)`);
      } else if (isPlainObject(axis)) {
        if (Object.keys(axis).length === 0) at(EMPTY_AXIS);
        for (const variant of Object.keys(axis))
          if (!VARIANT_NAME.test(variant))
            at(`variant name "${variant}": lower-case letters, digits, "." and "-" (it names the cell)`, variant);
      }
    }
    const sizes = axes.map(([, axis]) => (Array.isArray(axis) ? axis.length : Object.keys(axis ?? {}).length));
    const cells = sizes.reduce((n, size) => n * size, 1);
    if (cells > GRID_MAX_CELLS)
      ctx.addIssue({
        code: "custom",
        message: `${cells} cells (${sizes.join(" × ")}), more than the limit of ${GRID_MAX_CELLS}: each cell is a run and a page of the site; split the study over several files`,
      });
  });

export type GridInput = z.input<typeof gridSchema>;
export type Grid = z.output<typeof gridSchema>;

/** What an experiment file's default export is: an experiment, optionally with a grid of cells. */
export type ExperimentFileInput = ExperimentInput & {
  /** Axes of a grid: every combination of one value per axis is a run of its own (a cell). */
  grid?: GridInput;
};

/**
 * Declares an experiment. Used as `export default defineExperiment({...})` in
 * `experiments/<id>.ts`; the argument is type-checked in the editor and validated when loaded.
 */
export function defineExperiment(spec: ExperimentFileInput): ExperimentFileInput {
  return spec;
}
