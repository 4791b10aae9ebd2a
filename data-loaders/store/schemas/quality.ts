// The quality files beside a run's requests.parquet, written after the run from its stored
// answers (run/quality.ts) and re-written when what scores them changes:
// - `quality.parquet`: one row per measured request (warm-up left out), keyed by request_index,
//   with the answer scored against its prompt's `expected`, every check's result and the judge's
//   verdict. Exactly the columns of `qualityRowSchema`, in this order; DuckDB types derived like
//   those of requests.parquet (`duckdbColumns`).
// - `pairwise.parquet`: one row per prompt judged against another experiment's run on the same
//   prompts (`quality.judge.pairwise`), asked in both orders (`pairwiseRowSchema`).
// - `quality.json`: what the files were computed from (`qualityManifestSchema`): the scoring hash
//   and spec, the judge and its runs; a build whose hashes differ, or that left answers not
//   judged, writes the files again.
import { z } from "zod";

export const QUALITY_SCHEMA_VERSION = 1;

const int = () => z.number().int();

export const fieldScoreSchema = z.object({
  field: z.string(),
  kind: z.enum(["categorical", "string", "number", "list", "object"]),
  strict: z.boolean(),
  match: z.boolean(),
  score: z.number(),
  abs_error: z.number().nullable(),
  truth: z.string().nullable(),
  label: z.string().nullable(),
});
export type FieldScoreRow = z.infer<typeof fieldScoreSchema>;

export const checkResultSchema = z.object({
  name: z.string(),
  pass: z.boolean(),
  score: z.number().nullable(),
  reason: z.string().nullable(),
});

export const JUDGE_STATUSES = ["judged", "error", "not_judged"] as const;

export const qualityRowSchema = z.object({
  run_id: z.string().meta({ description: "Run folder name (the run whose answers are scored)." }),
  request_index: int().meta({ description: "The request's request_index in requests.parquet (the join key)." }),
  prompt_id: z.string().meta({ description: "Id of the prompt answered." }),
  scored: z.boolean().meta({
    description: "The answer was scored against the truth: the request succeeded and its prompt has an expected.",
  }),
  correct: z
    .boolean()
    .nullable()
    .meta({ description: "Every expected field matches after normalisation (null when not scored)." }),
  correct_strict: z
    .boolean()
    .nullable()
    .meta({ description: "Every expected field matches exactly (null when not scored)." }),
  expected: z.string().nullable().meta({ description: "The prompt's expected answer as JSON (null: none)." }),
  fields: z.array(fieldScoreSchema).nullable().meta({
    description:
      "Per expected field: field, kind, strict, match (normalised), score (0–1; F1 for lists), abs_error (numbers), truth and label (categorical: expected class and the answer's).",
  }),
  checks: z.array(checkResultSchema).nullable().meta({
    description: "Per check of quality.checks: name, pass, score, reason (null when the request failed or no checks).",
  }),
  checks_passed: z
    .boolean()
    .nullable()
    .meta({ description: "Every check passed (null when the request failed or there are no checks)." }),
  judge_status: z
    .enum(JUDGE_STATUSES)
    .nullable()
    .meta({ description: "judged, error (the judge answered no verdict) or not_judged (null without a judge)." }),
  judge_pass: z.boolean().nullable().meta({ description: "The judge passed the answer (a 1–5 score of 4 or more)." }),
  judge_score: int().nullable().meta({ description: "The judge's 1–5 score (null on the pass-fail scale)." }),
  judge_reason: z.string().nullable().meta({ description: "The judge's reason. Untrusted model output." }),
  judge_error: z
    .string()
    .nullable()
    .meta({ description: "Why there is no verdict: the judge's error, or why the answer was not judged." }),
  judge_key: z.string().nullable().meta({
    description: "Cache key of the verdict: a hash of the judge model, its settings and the judge's whole prompt.",
  }),
});
export type QualityRow = z.infer<typeof qualityRowSchema>;
export const QUALITY_COLUMNS = Object.keys(qualityRowSchema.shape) as (keyof QualityRow)[];

export const PAIRWISE_WINNERS = ["A", "B", "tie"] as const;

export const pairwiseRowSchema = z.object({
  run_id: z.string().meta({ description: "This run (the experiment that declares quality.judge.pairwise)." }),
  other_experiment_id: z.string().meta({ description: "The experiment compared with." }),
  other_run_id: z.string().meta({ description: "Its run compared with." }),
  prompt_id: z.string().meta({ description: "The prompt both runs answered." }),
  request_index: int().meta({ description: "This run's request answering it (its first successful one)." }),
  other_request_index: int().meta({ description: "The other run's request answering it." }),
  this_first: z
    .enum(PAIRWISE_WINNERS)
    .nullable()
    .meta({ description: "Verdict with this run's answer shown first (A = this run); null: no verdict." }),
  other_first: z
    .enum(PAIRWISE_WINNERS)
    .nullable()
    .meta({ description: "Verdict with the other run's answer shown first (A = the other run)." }),
  outcome: z.enum(["win", "loss", "tie"]).nullable().meta({
    description: "For this run: win or loss only when both orders agree, else tie (null: a verdict is missing).",
  }),
  this_first_reason: z.string().nullable().meta({ description: "The judge's reason (this run first). Untrusted." }),
  other_first_reason: z.string().nullable().meta({ description: "The judge's reason (other run first). Untrusted." }),
  error: z.string().nullable().meta({ description: "Why a verdict is missing." }),
});
export type PairwiseRow = z.infer<typeof pairwiseRowSchema>;
export const PAIRWISE_COLUMNS = Object.keys(pairwiseRowSchema.shape) as (keyof PairwiseRow)[];

/** A judge's identity: what its verdicts are cached under, besides each prompt it is shown. */
export const judgeIdentitySchema = z.object({
  /** The served model name the judge requests name (the simulator's model for a simulated judge). */
  model: z.string(),
  /** sha256 of the rubric template. */
  rubric_hash: z.string(),
  scale: z.string(),
  max_tokens: int(),
});
export type JudgeIdentity = z.infer<typeof judgeIdentitySchema>;

const judgedSchema = judgeIdentitySchema.extend({
  /** Judge runs (results/.judge/<experiment>/<run>/) whose verdicts the file holds. */
  runs: z.array(z.string()),
  judged: int(),
  errors: int(),
  /** Answers left without a verdict attempt (judge unreachable, run stopped): judged on the next build. */
  not_judged: int(),
  /** Why the last judge run failed or stopped, when it did. */
  reason: z.string().nullable(),
});

export const qualityManifestSchema = z.object({
  quality_schema_version: int(),
  run_id: z.string(),
  experiment_id: z.string(),
  /** Hash of everything the files were computed from: the scoring hash and the judges' identities. */
  inputs_hash: z.string(),
  scoring_hash: z.string(),
  /** The scoring spec as hashed: schema, tolerance, checks (functions by source), truth hash. */
  scoring: z.record(z.string(), z.unknown()),
  written_at: z.string(),
  counts: z.object({ rows: int(), scored: int(), correct: int(), checked: int() }),
  judge: judgedSchema.nullable(),
  pairwise: judgedSchema
    .extend({ inputs_hash: z.string(), other_experiment_id: z.string(), other_run_id: z.string(), prompts: int() })
    .nullable(),
});
export type QualityManifest = z.infer<typeof qualityManifestSchema>;
