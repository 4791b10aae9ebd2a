// A run's quality from its quality files (quality.parquet, pairwise.parquet: store/schemas/
// quality.ts), counted in DuckDB so a run of any size is read without bringing its rows into
// JavaScript; the counts go through the same formulas as answers scored in memory:
//   accuracy        = correct answers / scored answers (scored: the request succeeded and its
//                     prompt has an expected answer), strict and normalised (scoring.ts), each
//                     with a Wilson 95% interval (proportion.ts)
//   per field       the same per field of `expected`; the mean score (F1 of lists) and mean
//                     absolute error of numbers; for categorical fields the confusion matrix
//                     against the truth with per-class precision, recall, F1, macro-F1 and κ
//   checks          pass rate of each check over the answers it checked (Wilson 95%), its mean
//                     score, and the most common failure reasons (checks.ts)
//   judge           judged / errors / not judged; pass rate over judged answers (a 1–5 score
//                     passes at 4 or more) with its Wilson interval, the mean score and the count
//                     of each score; against the truth where both exist: agreement, sensitivity,
//                     specificity (Wilson 95%) and κ (judging.ts)
//   pairwise        win, loss and tie shares over prompts judged in both orders (a win only
//                     when both orders prefer the same run), the win rate among decided prompts
//                     and the judge's first-position share, each with a Wilson interval
// `runQualityFromRows` is the same from rows in memory (the tests hold the two equal).
// `runQuality`, `worstAnswers` and `promptQuality` read the run folder; `summariseQualityRows`
// states the figures once for both.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { PairwiseWinner } from "../judge/verdict.ts";
import { query, sqlString } from "../store/duckdb.ts";
import { PAIRWISE_FILE, QUALITY_FILE, readQualityManifest } from "../store/quality.ts";
import type { PairwiseRow, QualityManifest, QualityRow } from "../store/schemas/quality.ts";
import { summariseChecks, type CheckSummary } from "./checks.ts";
import {
  judgeAgreementOf,
  pairwiseSummary,
  pairwiseSummaryOf,
  type JudgeAgreement,
  type PairwiseSummary,
} from "./judging.ts";
import { wilson, type Proportion } from "./proportion.ts";
import { confusionOf, fieldSpecs, type FieldKind, type FieldSummary } from "./scoring.ts";

/** Failure reasons listed per check. */
const TOP_REASONS = 5;

/** A field's figures over a run's quality file: the same shape as scoring.ts computes them from rows. */
export type FieldQuality = FieldSummary;

export interface JudgeQuality {
  judged: number;
  errors: number;
  notJudged: number;
  /** Passed / judged answers. */
  pass: Proportion;
  /** Mean 1–5 score over judged answers (null on the pass-fail scale). */
  meanScore: number | null;
  /** Judged answers per score, 1 to 5 (empty on the pass-fail scale). */
  scores: { score: number; count: number }[];
  /** Against the truth, over answers both judged and scored (null when there are none). */
  agreement: JudgeAgreement | null;
  /** The most common reasons answers have no verdict. */
  topErrors: { reason: string; count: number }[];
}

export interface RunQuality {
  /** Measured requests (rows of quality.parquet). */
  rows: number;
  /** Correct / scored answers, after normalisation and strictly. */
  accuracy: { match: Proportion; strict: Proportion };
  fields: FieldQuality[];
  checks: CheckSummary[];
  judge: JudgeQuality | null;
  pairwise: { otherExperimentId: string; otherRunId: string; summary: PairwiseSummary } | null;
  /** What the files were computed from (scoring hash, judge, counts). */
  manifest: QualityManifest;
}

/** What the figures are computed from: counts, however they were counted. */
export interface QualityCounts {
  rows: number;
  scored: number;
  correct: number;
  strict: number;
  /** Per field, in the order first seen. */
  fields: {
    field: string;
    kind: FieldKind;
    n: number;
    strict: number;
    match: number;
    score: number;
    absErrorSum: number;
    absErrorN: number;
  }[];
  /** Categorical cells: field, truth, label, count. */
  cells: { field: string; truth: string; label: string; count: number }[];
  checks: { name: string; n: number; pass: number; scoreSum: number; scored: number }[];
  /** Failure reasons per check, most frequent first (at most TOP_REASONS per check). */
  reasons: { name: string; reason: string; count: number }[];
  judge: {
    judged: number;
    errors: number;
    notJudged: number;
    pass: number;
    scoreSum: number;
    scored: number;
    scores: { score: number; count: number }[];
    /** [[correct & passed, correct & failed], [wrong & passed, wrong & failed]]. */
    matrix: [[number, number], [number, number]];
    topErrors: { reason: string; count: number }[];
  } | null;
}

/** The figures from the counts, with the schema's classes for the confusion matrices. */
export function summariseQualityCounts(counts: QualityCounts, classes: Record<string, string[]>) {
  const fields = counts.fields.map((f): FieldQuality => {
    const cells = new Map<string, Map<string, number>>();
    for (const c of counts.cells.filter((c) => c.field === f.field)) {
      const row = cells.get(c.truth) ?? new Map<string, number>();
      row.set(c.label, (row.get(c.label) ?? 0) + c.count);
      cells.set(c.truth, row);
    }
    return {
      field: f.field,
      kind: f.kind,
      n: f.n,
      strict: wilson(f.strict, f.n),
      match: wilson(f.match, f.n),
      meanScore: f.n > 0 ? f.score / f.n : null,
      meanAbsError: f.absErrorN > 0 ? f.absErrorSum / f.absErrorN : null,
      classification: f.kind === "categorical" ? confusionOf(classes[f.field] ?? [], cells) : null,
    };
  });
  const checks = counts.checks.map((c): CheckSummary => ({
    name: c.name,
    pass: wilson(c.pass, c.n),
    meanScore: c.scored > 0 ? c.scoreSum / c.scored : null,
    topReasons: counts.reasons.filter((r) => r.name === c.name).map(({ reason, count }) => ({ reason, count })),
  }));
  const j = counts.judge;
  const agreed = j ? j.matrix[0][0] + j.matrix[0][1] + j.matrix[1][0] + j.matrix[1][1] : 0;
  const judge: JudgeQuality | null = j && {
    judged: j.judged,
    errors: j.errors,
    notJudged: j.notJudged,
    pass: wilson(j.pass, j.judged),
    meanScore: j.scored > 0 ? j.scoreSum / j.scored : null,
    scores: j.scores,
    agreement: agreed > 0 ? judgeAgreementOf(j.matrix) : null,
    topErrors: j.topErrors,
  };
  const accuracy = { match: wilson(counts.correct, counts.scored), strict: wilson(counts.strict, counts.scored) };
  return { rows: counts.rows, accuracy, fields, checks, judge };
}

/** The classes of each categorical field of the scoring spec's schema. */
function classesOf(manifest: QualityManifest): Record<string, string[]> {
  const specs = fieldSpecs((manifest.scoring.schema ?? {}) as Record<string, unknown>);
  return Object.fromEntries(Object.entries(specs).map(([field, spec]) => [field, spec.classes]));
}

/** The run's quality, or null when its quality files are not written (yet). */
export async function runQuality(runDir: string): Promise<RunQuality | null> {
  const manifest = readQualityManifest(runDir);
  const path = join(runDir, QUALITY_FILE);
  if (!manifest || !existsSync(path)) return null;
  const counts = await countQuality(path, manifest.judge !== null);
  const pairwisePath = join(runDir, PAIRWISE_FILE);
  const pairwise =
    manifest.pairwise && existsSync(pairwisePath)
      ? {
          otherExperimentId: manifest.pairwise.other_experiment_id,
          otherRunId: manifest.pairwise.other_run_id,
          summary: await countPairwise(pairwisePath),
        }
      : null;
  return { ...summariseQualityCounts(counts, classesOf(manifest)), pairwise, manifest };
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** The counts of quality.parquet at `path`, in DuckDB. */
async function countQuality(path: string, judged: boolean): Promise<QualityCounts> {
  const q = (sql: string) => query(sql.replaceAll("$q", `read_parquet(${sqlString(path)})`), {});
  const [overall] = await q(
    `SELECT count(*) AS rows, count(*) FILTER (scored) AS scored, count(*) FILTER (correct) AS correct,
            count(*) FILTER (correct_strict) AS strict FROM $q`,
  );
  const fields = await q(
    `SELECT f.field, any_value(f.kind) AS kind, count(*) AS n, count(*) FILTER (f.strict) AS strict,
            count(*) FILTER (f.match) AS match, sum(f.score) AS score, coalesce(sum(f.abs_error), 0) AS abs_sum,
            count(f.abs_error) AS abs_n
     FROM (SELECT request_index, unnest(fields) AS f, generate_subscripts(fields, 1) AS pos FROM $q WHERE scored)
     GROUP BY f.field ORDER BY min(request_index * 100000 + pos)`,
  );
  const cells = await q(
    `SELECT f.field, f.truth, f.label, count(*) AS count
     FROM (SELECT unnest(fields) AS f FROM $q WHERE scored) WHERE f.kind = 'categorical' GROUP BY ALL`,
  );
  const checks = await q(
    `SELECT c.name, count(*) AS n, count(*) FILTER (c.pass) AS pass, coalesce(sum(c.score), 0) AS score_sum,
            count(c.score) AS scored
     FROM (SELECT request_index, unnest(checks) AS c, generate_subscripts(checks, 1) AS pos FROM $q WHERE checks IS NOT NULL)
     GROUP BY c.name ORDER BY min(request_index * 100000 + pos)`,
  );
  const reasons = await q(
    `SELECT name, reason, count(*) AS count FROM (SELECT unnest(checks, recursive := true) FROM $q)
     WHERE NOT pass AND reason IS NOT NULL GROUP BY name, reason
     QUALIFY row_number() OVER (PARTITION BY name ORDER BY count(*) DESC, reason) <= ${TOP_REASONS}
     ORDER BY name, count DESC, reason`,
  );
  return {
    rows: num(overall!.rows),
    scored: num(overall!.scored),
    correct: num(overall!.correct),
    strict: num(overall!.strict),
    fields: fields.map((f) => ({
      field: String(f.field),
      kind: f.kind as FieldKind,
      n: num(f.n),
      strict: num(f.strict),
      match: num(f.match),
      score: num(f.score),
      absErrorSum: num(f.abs_sum),
      absErrorN: num(f.abs_n),
    })),
    cells: cells.map((c) => ({
      field: String(c.field),
      truth: String(c.truth),
      label: String(c.label),
      count: num(c.count),
    })),
    checks: checks.map((c) => ({
      name: String(c.name),
      n: num(c.n),
      pass: num(c.pass),
      scoreSum: num(c.score_sum),
      scored: num(c.scored),
    })),
    reasons: reasons.map((r) => ({ name: String(r.name), reason: String(r.reason), count: num(r.count) })),
    judge: judged ? await countJudge(q) : null,
  };
}

async function countJudge(q: (sql: string) => Promise<Record<string, unknown>[]>): Promise<QualityCounts["judge"]> {
  const [j] = await q(
    `SELECT count(*) FILTER (judge_status = 'judged') AS judged, count(*) FILTER (judge_status = 'error') AS errors,
            count(*) FILTER (judge_status = 'not_judged') AS not_judged,
            count(*) FILTER (judge_status = 'judged' AND judge_pass) AS pass,
            coalesce(sum(judge_score) FILTER (judge_status = 'judged'), 0) AS score_sum,
            count(judge_score) FILTER (judge_status = 'judged') AS scored,
            count(*) FILTER (judge_status = 'judged' AND scored AND correct AND judge_pass) AS cp,
            count(*) FILTER (judge_status = 'judged' AND scored AND correct AND NOT judge_pass) AS cf,
            count(*) FILTER (judge_status = 'judged' AND scored AND NOT correct AND judge_pass) AS wp,
            count(*) FILTER (judge_status = 'judged' AND scored AND NOT correct AND NOT judge_pass) AS wf
     FROM $q`,
  );
  const scores = await q(
    `SELECT judge_score AS score, count(*) AS count FROM $q
     WHERE judge_status = 'judged' AND judge_score IS NOT NULL GROUP BY 1 ORDER BY 1`,
  );
  const errors = await q(
    `SELECT judge_error AS reason, count(*) AS count FROM $q WHERE judge_status <> 'judged' AND judge_error IS NOT NULL
     GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${TOP_REASONS}`,
  );
  return {
    judged: num(j!.judged),
    errors: num(j!.errors),
    notJudged: num(j!.not_judged),
    pass: num(j!.pass),
    scoreSum: num(j!.score_sum),
    scored: num(j!.scored),
    scores: scores.map((s) => ({ score: num(s.score), count: num(s.count) })),
    matrix: [
      [num(j!.cp), num(j!.cf)],
      [num(j!.wp), num(j!.wf)],
    ],
    topErrors: errors.map((e) => ({ reason: String(e.reason), count: num(e.count) })),
  };
}

/** Win rates from pairwise.parquet: this run is X, the other run Y. */
async function countPairwise(path: string): Promise<PairwiseSummary> {
  const rows = await query(
    `SELECT this_first, other_first, count(*) AS count FROM read_parquet(${sqlString(path)}) GROUP BY ALL`,
    {},
  );
  return pairwiseSummaryOf(
    rows.map((r) => ({
      xFirst: (r.this_first as PairwiseWinner | null) ?? null,
      yFirst: (r.other_first as PairwiseWinner | null) ?? null,
      count: num(r.count),
    })),
  );
}

/** The same figures from rows in memory (the twin of `runQuality`, for tests and small inputs). */
export function runQualityFromRows(
  rows: readonly QualityRow[],
  classes: Record<string, string[]>,
  pairs: readonly PairwiseRow[] = [],
) {
  const counts: QualityCounts = {
    rows: rows.length,
    scored: 0,
    correct: 0,
    strict: 0,
    fields: [],
    cells: [],
    checks: [],
    reasons: [],
    judge: null,
  };
  const fieldsSeen = new Map<string, QualityCounts["fields"][number]>();
  const cells = new Map<string, QualityCounts["cells"][number]>();
  for (const row of rows) {
    if (!row.scored) continue;
    counts.scored += 1;
    if (row.correct) counts.correct += 1;
    if (row.correct_strict) counts.strict += 1;
    for (const f of row.fields ?? []) {
      const empty = { field: f.field, kind: f.kind, n: 0, strict: 0, match: 0, score: 0, absErrorSum: 0, absErrorN: 0 };
      const t = fieldsSeen.get(f.field) ?? empty;
      fieldsSeen.set(f.field, t);
      t.n += 1;
      t.strict += f.strict ? 1 : 0;
      t.match += f.match ? 1 : 0;
      t.score += f.score;
      if (f.abs_error !== null) {
        t.absErrorSum += f.abs_error;
        t.absErrorN += 1;
      }
      if (f.kind === "categorical" && f.truth !== null && f.label !== null) {
        const id = `${f.field}\u0000${f.truth}\u0000${f.label}`;
        const c = cells.get(id) ?? { field: f.field, truth: f.truth, label: f.label, count: 0 };
        c.count += 1;
        cells.set(id, c);
      }
    }
  }
  counts.fields = [...fieldsSeen.values()];
  counts.cells = [...cells.values()];
  const checkSummaries = summariseChecks(
    rows.flatMap((r) => (r.checks ? [r.checks] : [])),
    TOP_REASONS,
  );
  const summary = summariseQualityCounts(counts, classes);
  const judged = rows.some((r) => r.judge_status !== null) ? judgeFromRows(rows) : null;
  const pairwise = pairs.length
    ? {
        otherExperimentId: pairs[0]!.other_experiment_id,
        otherRunId: pairs[0]!.other_run_id,
        summary: pairwiseSummary(pairs.map((p) => ({ xFirst: p.this_first, yFirst: p.other_first }))),
      }
    : null;
  return { ...summary, checks: checkSummaries, judge: judged, pairwise };
}

function judgeFromRows(rows: readonly QualityRow[]): JudgeQuality {
  const judged = rows.filter((r) => r.judge_status === "judged");
  const scores = new Map<number, number>();
  for (const r of judged) if (r.judge_score !== null) scores.set(r.judge_score, (scores.get(r.judge_score) ?? 0) + 1);
  const matrix: [[number, number], [number, number]] = [
    [0, 0],
    [0, 0],
  ];
  for (const r of judged) if (r.scored) matrix[r.correct ? 0 : 1][r.judge_pass ? 0 : 1] += 1;
  const errors = new Map<string, number>();
  for (const r of rows)
    if (r.judge_status !== null && r.judge_status !== "judged" && r.judge_error !== null)
      errors.set(r.judge_error, (errors.get(r.judge_error) ?? 0) + 1);
  const scored = judged.filter((r) => r.judge_score !== null);
  const agreed = matrix[0][0] + matrix[0][1] + matrix[1][0] + matrix[1][1];
  return {
    judged: judged.length,
    errors: rows.filter((r) => r.judge_status === "error").length,
    notJudged: rows.filter((r) => r.judge_status === "not_judged").length,
    pass: wilson(judged.filter((r) => r.judge_pass).length, judged.length),
    meanScore: scored.length ? scored.reduce((a, r) => a + r.judge_score!, 0) / scored.length : null,
    scores: [...scores].sort((a, b) => a[0] - b[0]).map(([score, count]) => ({ score, count })),
    agreement: agreed > 0 ? judgeAgreementOf(matrix) : null,
    topErrors: [...errors]
      .sort(([ra, ca], [rb, cb]) => cb - ca || (ra < rb ? -1 : ra > rb ? 1 : 0))
      .slice(0, TOP_REASONS)
      .map(([reason, count]) => ({ reason, count })),
  };
}

/** The rows of quality.parquet and requests.parquet of one run, joined on request_index (SQL). */
const joinedSql = (runDir: string, requestsPath: string) =>
  `SELECT q.*, r.answer, r.status, r.finish_reason FROM read_parquet(${sqlString(join(runDir, QUALITY_FILE))}) q
   JOIN read_parquet(${sqlString(requestsPath)}) r USING (request_index)`;

/** How bad an answer is, worst first: wrong against the truth, then failed checks, then the judge's lowest verdicts. */
const SEVERITY = `coalesce(NOT correct, false) DESC, len(list_filter(coalesce(checks, []), c -> NOT c.pass)) DESC,
  coalesce(judge_score, 6) ASC, coalesce(NOT judge_pass, false) DESC, request_index`;

export interface WorstAnswer {
  request_index: number;
  prompt_id: string;
  answer: string | null;
  expected: string | null;
  correct: boolean | null;
  /** Fields that did not match: the field, the expected class (categorical) and the answer's. */
  wrongFields: { field: string; truth: string | null; label: string | null }[];
  failedChecks: { name: string; reason: string | null }[];
  judge_status: string | null;
  judge_pass: boolean | null;
  judge_score: number | null;
  judge_reason: string | null;
}

/**
 * The run's worst answers, one per prompt: answers wrong against the truth first, then those that
 * failed the most checks, then those the judge scored lowest or failed; `limit` of them. With
 * `only: "checks"`, the answers that failed a check, most checks failed first.
 */
export async function worstAnswers(
  runDir: string,
  requestsPath: string,
  limit = 20,
  only: "all" | "checks" = "all",
): Promise<WorstAnswer[]> {
  if (!existsSync(join(runDir, QUALITY_FILE))) return [];
  const bad =
    only === "checks" ? "checks_passed = false" : "correct = false OR checks_passed = false OR judge_pass = false";
  const severity = only === "checks" ? `len(list_filter(checks, c -> NOT c.pass)) DESC, request_index` : SEVERITY;
  const rows = await query(
    `SELECT request_index::DOUBLE AS request_index, prompt_id, answer, expected, correct,
            list_transform(list_filter(coalesce(fields, []), f -> NOT f.match),
              f -> {'field': f.field, 'truth': f.truth, 'label': f.label}) AS wrong_fields,
            list_transform(list_filter(coalesce(checks, []), c -> NOT c.pass), c -> {'name': c.name, 'reason': c.reason}) AS failed,
            judge_status, judge_pass, judge_score::DOUBLE AS judge_score, judge_reason
     FROM (${joinedSql(runDir, requestsPath)})
     WHERE ${bad}
     QUALIFY row_number() OVER (PARTITION BY prompt_id ORDER BY ${severity}) = 1
     ORDER BY ${severity} LIMIT $limit`,
    { limit },
  );
  return rows.map((r) => ({
    request_index: num(r.request_index),
    prompt_id: String(r.prompt_id),
    answer: (r.answer as string | null) ?? null,
    expected: (r.expected as string | null) ?? null,
    correct: (r.correct as boolean | null) ?? null,
    wrongFields: (r.wrong_fields as WorstAnswer["wrongFields"]) ?? [],
    failedChecks: (r.failed as WorstAnswer["failedChecks"]) ?? [],
    judge_status: (r.judge_status as string | null) ?? null,
    judge_pass: (r.judge_pass as boolean | null) ?? null,
    judge_score: r.judge_score === null ? null : num(r.judge_score),
    judge_reason: (r.judge_reason as string | null) ?? null,
  }));
}

/** One prompt's quality in a run: the row `rowPerPrompt` (analysis/by-prompt.ts) picks, with its verdicts. */
export interface PromptQuality {
  prompt_id: string;
  request_index: number;
  correct: boolean | null;
  checks_passed: boolean | null;
  judge_pass: boolean | null;
  judge_score: number | null;
  /** The answer's class of the first categorical field scored (e.g. its recommendation), when scored. */
  label: string | null;
}

const PER_PROMPT = `QUALIFY row_number() OVER (PARTITION BY prompt_id ORDER BY status <> 'ok', request_index) = 1`;

/** Every prompt's quality in the run (one row per prompt, so bounded by the prompt set). */
export async function promptQuality(runDir: string, requestsPath: string): Promise<PromptQuality[]> {
  if (!existsSync(join(runDir, QUALITY_FILE))) return [];
  const rows = await query(
    `SELECT prompt_id, request_index::DOUBLE AS request_index, correct, checks_passed, judge_pass,
            judge_score::DOUBLE AS judge_score, list_filter(coalesce(fields, []), f -> f.kind = 'categorical')[1].label AS label
     FROM (${joinedSql(runDir, requestsPath)}) ${PER_PROMPT} ORDER BY prompt_id`,
    {},
  );
  return rows.map((r) => ({
    prompt_id: String(r.prompt_id),
    request_index: num(r.request_index),
    correct: (r.correct as boolean | null) ?? null,
    checks_passed: (r.checks_passed as boolean | null) ?? null,
    judge_pass: (r.judge_pass as boolean | null) ?? null,
    judge_score: r.judge_score === null ? null : num(r.judge_score),
    label: (r.label as string | null) ?? null,
  }));
}

export interface RunFiles {
  path: string;
  requestsPath: string;
}

/** One side of a disagreement: a run's answer to the prompt and its verdicts. */
export interface DisagreementSide {
  answer: string | null;
  label: string | null;
  correct: boolean | null;
  judge_score: number | null;
  judge_pass: boolean | null;
}

export interface Disagreements {
  /** Prompts both runs answered, and of those where they disagree. */
  paired: number;
  disagreeing: number;
  /** The first `limit` disagreements, by prompt id. */
  prompts: { prompt_id: string; expected: string | null; a: DisagreementSide; b: DisagreementSide }[];
}

/**
 * The prompts two runs on the same prompts answered differently: a different class of the first
 * categorical field (e.g. the recommendation), or one right and the other wrong against the truth.
 */
export async function disagreements(a: RunFiles, b: RunFiles, limit = 50): Promise<Disagreements | null> {
  if (!existsSync(join(a.path, QUALITY_FILE)) || !existsSync(join(b.path, QUALITY_FILE))) return null;
  const side = (run: RunFiles) =>
    `SELECT prompt_id, expected, answer, correct, judge_score::DOUBLE AS judge_score, judge_pass,
            list_filter(coalesce(fields, []), f -> f.kind = 'categorical')[1].label AS label
     FROM (${joinedSql(run.path, run.requestsPath)}) ${PER_PROMPT}`;
  const differ = `a.label IS DISTINCT FROM b.label OR a.correct IS DISTINCT FROM b.correct`;
  const pairs = `(${side(a)}) a JOIN (${side(b)}) b USING (prompt_id)`;
  const [counts] = await query(
    `SELECT count(*) AS paired, count(*) FILTER (${differ}) AS disagreeing FROM ${pairs}`,
    {},
  );
  const rows = await query(
    `SELECT prompt_id, coalesce(a.expected, b.expected) AS expected,
            a.answer AS a_answer, a.label AS a_label, a.correct AS a_correct, a.judge_score AS a_score, a.judge_pass AS a_pass,
            b.answer AS b_answer, b.label AS b_label, b.correct AS b_correct, b.judge_score AS b_score, b.judge_pass AS b_pass
     FROM ${pairs} WHERE ${differ} ORDER BY prompt_id LIMIT $limit`,
    { limit },
  );
  const sideOf = (r: Record<string, unknown>, p: "a" | "b"): DisagreementSide => ({
    answer: (r[`${p}_answer`] as string | null) ?? null,
    label: (r[`${p}_label`] as string | null) ?? null,
    correct: (r[`${p}_correct`] as boolean | null) ?? null,
    judge_score: r[`${p}_score`] === null ? null : num(r[`${p}_score`]),
    judge_pass: (r[`${p}_pass`] as boolean | null) ?? null,
  });
  return {
    paired: num(counts!.paired),
    disagreeing: num(counts!.disagreeing),
    prompts: rows.map((r) => ({
      prompt_id: String(r.prompt_id),
      expected: (r.expected as string | null) ?? null,
      a: sideOf(r, "a"),
      b: sideOf(r, "b"),
    })),
  };
}
