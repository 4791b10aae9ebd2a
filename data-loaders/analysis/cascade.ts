// Screen-then-escalate plans replayed from two stored runs on the same prompts: model A (cheap)
// answers every prompt, and a rule decides which prompts are sent again to model B (strong).
//
// Join: by prompt_id (`pairByPrompt`); only prompts present in both runs are replayed, the others
// are counted (onlyA, onlyB). A's answer is usable when its request succeeded and its answer is
// not schema-invalid (schema_valid true, or null when the experiment has no schema).
// Rules:
//   never            A alone (nothing escalated, not even unusable answers)
//   always           B alone (everything escalated)
//   schema-invalid   escalate the prompts where A's answer is not usable
//   field-equals     escalate when A's field equals the value (e.g. recommendation = "maybe")
//   top-percent      escalate A's top p% by a numeric field (the mean of the numbers at the path,
//                    e.g. "analysis.*.score"): k = ⌈p/100 · scored answers⌉, every answer scoring at
//                    least the k-th highest score is escalated (ties included)
//   check-failed     escalate when A's answer failed one of the experiment's checks
//   judge-below      escalate when the judge scored A's answer below the given score (1–5), or
//                    failed it (a pass-fail judge; a score of 4 or more passes); an answer the
//                    judge did not judge is kept
//   field-equals, top-percent, check-failed and judge-below also escalate every prompt whose A
//   answer is not usable: a pipeline cannot keep an answer it cannot read.
// Outputs, for a job of `requests` requests with share s of them escalated:
//   time  = requests / R_A + s · requests / R_B   (R = each run's request throughput)
//   cost  = per request: mean API cost of A's answers + s · mean API cost of B's escalated answers
//           (tokenCost in cost.ts, each row's own token counts); self-hosted: GPU $/hour of each
//           run's time above (gpuCost)
//   agreement with B alone on the categorical field = share of prompts with a B value where the
//           plan's answer (B's when escalated, else A's) has the same value.
//   accuracy against the truth = share of prompts whose plan answer (B's when escalated, else
//           A's) was scored against its expected answer that are correct, with a Wilson 95%
//           interval (prompts without a truth verdict for that answer are left out).
// From aggregates alone (`shareCascade`: recorded runs without rows, or any two runs' means), a
// plan that escalates a given share s of the requests, whichever they are:
//   time  = requests / R_A + s · requests / R_B
//   cost  = requests · (cost of A's mean request + s · cost of B's mean request)
//   saving = 1 − cost / (requests · cost of B's mean request), against B alone
import { mean } from "../metrics/stats.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";
import { gpuCost, tokenCost, type Price } from "./cost.ts";
import { pairByPrompt } from "./by-prompt.ts";
import { wilson, type Proportion } from "./proportion.ts";
import { categoryOf, numbersOf } from "./quality.ts";

/** A run's verdicts on one answer (quality.parquet: run-quality.ts promptQuality); absent before scoring. */
export interface CascadeVerdicts {
  correct?: boolean | null;
  checks_passed?: boolean | null;
  judge_pass?: boolean | null;
  judge_score?: number | null;
}

export type CascadeRow = Pick<
  RequestRow,
  "prompt_id" | "request_index" | "status" | "answer" | "schema_valid" | "prompt_tokens" | "completion_tokens"
> &
  CascadeVerdicts;

export interface CascadeRun {
  runId: string;
  rows: readonly CascadeRow[];
  /** Successful requests per second (e.g. the steady-state rate of the projection basis). */
  requestThroughput: number;
  /** API price for this model (null: no API cost). */
  price: Pick<Price, "inputPerMTok" | "outputPerMTok"> | null;
  /** GPU $/hour when self-hosted (null: no self-hosted cost). */
  gpuDollarsPerHour: number | null;
}

export type CascadeRule =
  | { kind: "never" }
  | { kind: "always" }
  | { kind: "schema-invalid" }
  | { kind: "field-equals"; field: string; value: string }
  | { kind: "top-percent"; field: string; percent: number }
  | { kind: "check-failed" }
  | { kind: "judge-below"; score: number };

export interface CascadeOptions {
  /** Categorical field agreement with B alone is measured on (e.g. "recommendation"); null: none. */
  agreementField: string | null;
  /** Job size the time and total cost are given for (default 200,000). */
  requests?: number;
}

export interface CascadeResult {
  /** Stable key of the rule, e.g. "field-equals:recommendation=maybe" (see `ruleKey`). */
  key: string;
  rule: CascadeRule;
  counts: {
    /** Prompts in both runs (the replay). */
    paired: number;
    onlyA: number;
    onlyB: number;
    escalated: number;
    /** Paired prompts whose A answer is not usable (always escalated except by "never"). */
    unusableA: number;
    /** Prompts where B's answer has the agreement field, and of those where the plan agrees. */
    compared: number;
    agreed: number;
  };
  /** escalated / paired (0..1). */
  shareEscalated: number;
  /** Job of `requests` requests: A's time for all + B's time for the escalated share. */
  requests: number;
  seconds: number;
  /** API dollars per request and for the job (null without both prices or token counts). */
  apiPerRequest: number | null;
  apiTotal: number | null;
  /** Self-hosted dollars for the job (null when a run the plan uses has no GPU $/hour). */
  selfHostedTotal: number | null;
  /** agreed / compared (null without an agreement field or nothing to compare). */
  agreement: number | null;
  /** Correct plan answers / plan answers scored against the truth (null without any). */
  truth: Proportion | null;
}

/** Per-prompt facts the rules read, parsed once (answers are untrusted text). */
interface PreparedPair {
  usableA: boolean;
  /** The agreement field in A's (usable) and B's answers. */
  categoryA: string | null;
  categoryB: string | null;
  /** Fields field-equals rules test, in A's usable answers. */
  fieldsA: Map<string, string | null>;
  scoresA: Map<string, number | null>;
  costA: number | null;
  costB: number | null;
  /** A's and B's answers against the truth (null: not scored). */
  correctA: boolean | null;
  correctB: boolean | null;
  /** A's answer failed a check; the judge failed it / its score (null: not judged). */
  checkFailedA: boolean;
  judgePassA: boolean | null;
  judgeScoreA: number | null;
}

export interface PreparedCascade {
  a: CascadeRun;
  b: CascadeRun;
  agreementField: string | null;
  pairs: PreparedPair[];
  onlyA: number;
  onlyB: number;
  /** For each field-equals field, the values A's usable answers gave, sorted. */
  valuesA: Map<string, string[]>;
}

export interface PrepareOptions {
  /** Categorical field agreement with B alone is measured on; null: none. */
  agreementField: string | null;
  /** Categorical fields field-equals rules may test (the agreement field is always included). */
  equalsFields?: readonly string[];
  /** Numeric fields top-percent rules may rank by. */
  scoreFields?: readonly string[];
}

/** Joins the runs and parses every answer once, for any number of rule replays. */
export function prepareCascade(a: CascadeRun, b: CascadeRun, options: PrepareOptions): PreparedCascade {
  checkRate(a);
  checkRate(b);
  const { agreementField } = options;
  const equalsFields = [
    ...new Set([...(agreementField === null ? [] : [agreementField]), ...(options.equalsFields ?? [])]),
  ];
  const joined = pairByPrompt(a.rows, b.rows);
  const pairs = joined.pairs.map(({ a: rowA, b: rowB }): PreparedPair => {
    const usableA = rowA.status === "ok" && rowA.schema_valid !== false;
    const fieldsA = new Map(equalsFields.map((f) => [f, usableA ? categoryOf(rowA.answer, f) : null]));
    return {
      usableA,
      categoryA: agreementField === null ? null : fieldsA.get(agreementField)!,
      categoryB: rowB.status === "ok" && agreementField !== null ? categoryOf(rowB.answer, agreementField) : null,
      fieldsA,
      scoresA: new Map((options.scoreFields ?? []).map((f) => [f, usableA ? mean(numbersOf(rowA.answer, f)) : null])),
      costA: rowCost(rowA, a.price),
      costB: rowCost(rowB, b.price),
      correctA: rowA.correct ?? null,
      correctB: rowB.correct ?? null,
      checkFailedA: rowA.checks_passed === false,
      judgePassA: rowA.judge_pass ?? null,
      judgeScoreA: rowA.judge_score ?? null,
    };
  });
  const valuesA = new Map(
    equalsFields.map((f) => [f, [...new Set(pairs.map((p) => p.fieldsA.get(f)!).filter((c) => c !== null))].sort()]),
  );
  return { a, b, agreementField, pairs, onlyA: joined.onlyA.length, onlyB: joined.onlyB.length, valuesA };
}

/** Replays one rule over prepared runs. */
export function replayCascade(prepared: PreparedCascade, rule: CascadeRule, requests = 200_000): CascadeResult {
  if (!(Number.isFinite(requests) && requests > 0)) throw new RangeError(`requests must be positive, got ${requests}`);
  const { pairs, a, b } = prepared;
  const escalate = escalation(pairs, rule);
  let escalated = 0;
  let unusableA = 0;
  let compared = 0;
  let agreed = 0;
  let scored = 0;
  let correct = 0;
  const costsA: number[] = [];
  const costsB: number[] = [];
  pairs.forEach((p, i) => {
    if (!p.usableA) unusableA += 1;
    if (escalate[i]) {
      escalated += 1;
      if (p.costB !== null) costsB.push(p.costB);
    }
    if (p.costA !== null) costsA.push(p.costA);
    if (p.categoryB !== null) {
      compared += 1;
      if ((escalate[i] ? p.categoryB : p.categoryA) === p.categoryB) agreed += 1;
    }
    const right = escalate[i] ? p.correctB : p.correctA;
    if (right !== null) {
      scored += 1;
      if (right) correct += 1;
    }
  });
  const share = pairs.length === 0 ? 0 : escalated / pairs.length;
  // B alone never runs A; every other plan screens everything with A first.
  const runsA = rule.kind !== "always";
  const secondsA = runsA ? requests / a.requestThroughput : 0;
  const secondsB = (share * requests) / b.requestThroughput;
  // Mean API cost per request of A's answers, plus the escalated share at the mean cost of B's
  // escalated answers; unknown when a needed price or every needed token count is missing.
  const meanA = !runsA ? 0 : a.price === null ? null : mean(costsA);
  const meanB = escalated === 0 ? 0 : b.price === null ? null : mean(costsB);
  const apiPerRequest = meanA === null || meanB === null ? null : meanA + share * meanB;
  const selfHostedTotal =
    (runsA && a.gpuDollarsPerHour === null) || (escalated > 0 && b.gpuDollarsPerHour === null)
      ? null
      : (runsA ? gpuCost(a.gpuDollarsPerHour!, secondsA) : 0) +
        (escalated > 0 ? gpuCost(b.gpuDollarsPerHour!, secondsB) : 0);
  return {
    key: ruleKey(rule),
    rule,
    counts: {
      paired: pairs.length,
      onlyA: prepared.onlyA,
      onlyB: prepared.onlyB,
      escalated,
      unusableA,
      compared,
      agreed,
    },
    shareEscalated: share,
    requests,
    seconds: secondsA + secondsB,
    apiPerRequest,
    apiTotal: apiPerRequest === null ? null : apiPerRequest * requests,
    selfHostedTotal,
    agreement: prepared.agreementField === null || compared === 0 ? null : agreed / compared,
    truth: scored === 0 ? null : wilson(correct, scored),
  };
}

/** One rule replayed from two runs. */
export function cascade(a: CascadeRun, b: CascadeRun, rule: CascadeRule, options: CascadeOptions): CascadeResult {
  const prepared = prepareCascade(a, b, {
    agreementField: options.agreementField,
    equalsFields: rule.kind === "field-equals" ? [rule.field] : [],
    scoreFields: rule.kind === "top-percent" ? [rule.field] : [],
  });
  return replayCascade(prepared, rule, options.requests);
}

export interface CascadeGridOptions extends CascadeOptions {
  /** Categorical fields for field-equals rules besides the agreement field; none by default. */
  equalsFields?: readonly string[];
  /** Numeric fields for top-percent rules (e.g. ["analysis.*.score"]); none by default. */
  scoreFields?: readonly string[];
  /** Percentages for top-percent rules (default 5, 10, 20, 30, 50). */
  percents?: readonly number[];
}

export interface CascadeGrid {
  aRunId: string;
  bRunId: string;
  agreementField: string | null;
  requests: number;
  /**
   * A alone, B alone, schema-invalid, field-equals for each field × each value A gave,
   * top-percent for each score field × percent, check-failed when A failed a check, judge-below
   * 2–5 when A's answers have judge scores (4 for a pass-fail judge).
   */
  results: CascadeResult[];
}

/**
 * Every rule × parameter value precomputed, so a page can switch rules without recomputing:
 * look a result up by `ruleKey(rule)`.
 */
export function cascadeGrid(a: CascadeRun, b: CascadeRun, options: CascadeGridOptions): CascadeGrid {
  const scoreFields = options.scoreFields ?? [];
  const percents = options.percents ?? [5, 10, 20, 30, 50];
  const requests = options.requests ?? 200_000;
  const prepared = prepareCascade(a, b, {
    agreementField: options.agreementField,
    equalsFields: options.equalsFields,
    scoreFields,
  });
  const rules: CascadeRule[] = [{ kind: "never" }, { kind: "always" }, { kind: "schema-invalid" }];
  for (const [field, values] of prepared.valuesA)
    for (const value of values) rules.push({ kind: "field-equals", field, value });
  for (const field of scoreFields) for (const percent of percents) rules.push({ kind: "top-percent", field, percent });
  if (prepared.pairs.some((p) => p.checkFailedA)) rules.push({ kind: "check-failed" });
  const scores = new Set(prepared.pairs.flatMap((p) => (p.judgeScoreA === null ? [] : [p.judgeScoreA])));
  if (scores.size > 0) for (const score of [2, 3, 4, 5]) rules.push({ kind: "judge-below", score });
  else if (prepared.pairs.some((p) => p.judgePassA !== null)) rules.push({ kind: "judge-below", score: 4 });
  return {
    aRunId: a.runId,
    bRunId: b.runId,
    agreementField: options.agreementField,
    requests,
    results: rules.map((rule) => replayCascade(prepared, rule, requests)),
  };
}

/** A stable string for a rule, e.g. "top-percent:analysis.*.score:10". */
export function ruleKey(rule: CascadeRule): string {
  switch (rule.kind) {
    case "never":
    case "always":
    case "schema-invalid":
      return rule.kind;
    case "field-equals":
      return `field-equals:${rule.field}=${rule.value}`;
    case "check-failed":
      return rule.kind;
    case "judge-below":
      return `judge-below:${rule.score}`;
    case "top-percent":
      return `top-percent:${rule.field}:${rule.percent}`;
  }
}

/** Which prepared pairs the rule escalates. */
function escalation(pairs: readonly PreparedPair[], rule: CascadeRule): boolean[] {
  switch (rule.kind) {
    case "never":
      return pairs.map(() => false);
    case "always":
      return pairs.map(() => true);
    case "schema-invalid":
      return pairs.map((p) => !p.usableA);
    case "field-equals":
      return pairs.map((p) => {
        if (!p.fieldsA.has(rule.field))
          throw new Error(`field "${rule.field}" was not prepared (pass it in equalsFields)`);
        return !p.usableA || p.fieldsA.get(rule.field) === rule.value;
      });
    case "check-failed":
      return pairs.map((p) => !p.usableA || p.checkFailedA);
    case "judge-below":
      return pairs.map(
        (p) => !p.usableA || (p.judgeScoreA !== null ? p.judgeScoreA < rule.score : p.judgePassA === false),
      );
    case "top-percent": {
      if (!(rule.percent >= 0 && rule.percent <= 100))
        throw new RangeError(`top-percent needs a percent in [0, 100], got ${rule.percent}`);
      const scoreOf = (p: PreparedPair) => {
        if (!p.scoresA.has(rule.field))
          throw new Error(`score field "${rule.field}" was not prepared (pass it in scoreFields)`);
        return p.scoresA.get(rule.field)!;
      };
      const scores = pairs
        .map(scoreOf)
        .filter((s): s is number => s !== null)
        .sort((x, y) => y - x);
      const k = Math.ceil((rule.percent / 100) * scores.length);
      const threshold = k === 0 ? Infinity : scores[k - 1]!;
      return pairs.map((p) => {
        const score = scoreOf(p);
        return !p.usableA || (score !== null && score >= threshold);
      });
    }
  }
}

function rowCost(row: CascadeRow, price: CascadeRun["price"]): number | null {
  if (price === null || row.prompt_tokens === null || row.completion_tokens === null) return null;
  return tokenCost(price, row.prompt_tokens, row.completion_tokens);
}

function checkRate(run: CascadeRun): void {
  if (!(run.requestThroughput > 0)) {
    throw new RangeError(`run ${run.runId}: requestThroughput must be positive, got ${run.requestThroughput}`);
  }
}

export interface ShareCascadeRun {
  /** Successful requests per second (null: unknown, so no time). */
  requestThroughput: number | null;
  /** API dollars of a mean request (null: no price or token counts, so no cost). */
  apiPerRequest: number | null;
}

export interface ShareCascade {
  share: number;
  requests: number;
  /** Seconds for A on every request plus B on the escalated share, and for B alone. */
  seconds: number | null;
  secondsBAlone: number | null;
  /** API dollars: A on every request, B on the escalated share, the plan, and B alone. */
  apiScreen: number | null;
  apiEscalated: number | null;
  apiTotal: number | null;
  apiBAlone: number | null;
  /** 1 − plan cost / B alone (0..1; negative when the plan costs more). */
  saving: number | null;
  /** 1 − plan time / B alone. */
  timeSaving: number | null;
}

/** Screen every request with A and send a share of them to B, from the two runs' means (see the header). */
export function shareCascade(a: ShareCascadeRun, b: ShareCascadeRun, share: number, requests: number): ShareCascade {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`share must be in [0, 1], got ${share}`);
  if (!(requests > 0)) throw new RangeError(`requests must be positive, got ${requests}`);
  const time = (run: ShareCascadeRun, n: number) =>
    run.requestThroughput !== null && run.requestThroughput > 0 ? n / run.requestThroughput : null;
  const dollars = (run: ShareCascadeRun, n: number) => (run.apiPerRequest === null ? null : n * run.apiPerRequest);
  const sum = (x: number | null, y: number | null) => (x === null || y === null ? null : x + y);
  const saving = (plan: number | null, alone: number | null) =>
    plan === null || alone === null || alone === 0 ? null : 1 - plan / alone;
  const seconds = sum(time(a, requests), time(b, share * requests));
  const apiScreen = dollars(a, requests);
  const apiEscalated = dollars(b, share * requests);
  const apiTotal = sum(apiScreen, apiEscalated);
  return {
    share,
    requests,
    seconds,
    secondsBAlone: time(b, requests),
    apiScreen,
    apiEscalated,
    apiTotal,
    apiBAlone: dollars(b, requests),
    saving: saving(apiTotal, dollars(b, requests)),
    timeSaving: saving(seconds, time(b, requests)),
  };
}
