// Scoring answers against the ground truth (`expected`), field by field of quality.schema.
//
// Each field of `expected` is compared with the same field of the answer parsed as JSON (after
// `extractJson`); a field the answer lacks, or an answer that is not JSON, is wrong. Two verdicts
// per field: strict (the value exactly, numbers within the tolerance) and normalised (strings
// compared lower-case, with "_" read as a space and runs of whitespace as one space, so
// "Strong Yes" matches "strong_yes"). By the field's kind in quality.schema:
//   categorical (enum, boolean)  match when equal; also tallied in a confusion matrix
//   string                       match when equal
//   number                       match when |answer − expected| ≤ tolerance (default 0);
//                                normalised also reads a numeric string ("4")
//   list (array)                 score = F1 of the two sets of elements = 2·|A∩E| / (|A| + |E|)
//                                (1 when both are empty); match when the sets are equal
//   object                       match when deeply equal
// An answer is correct overall when every field of its `expected` matches.
//
// Accuracy = matches / scored answers, with a Wilson 95% interval. For categorical fields,
// against the truth (rows: expected, columns: answer): precision_c = matrix[c][c] / column total,
// recall_c = matrix[c][c] / row total, F1_c = 2PR / (P + R) (0 when the class is never answered
// right), macro-F1 = mean F1 over the classes the truth contains, and Cohen's κ of the matrix
// (`cohensKappa`). Answers outside the classes are columns of their own, "(missing)" included.
import { canonicalJson } from "../experiment/hash.ts";
import { cohensKappa, type Kappa } from "./agreement.ts";
import { wilson, type Proportion } from "./proportion.ts";
import { parseAnswer } from "./quality.ts";

export type FieldKind = "categorical" | "string" | "number" | "list" | "object";

export interface FieldSpec {
  kind: FieldKind;
  /** The classes of a categorical field, in the schema's order (e.g. the enum's values). */
  classes: string[];
}

/** Label of a categorical answer that lacks the field (or is not JSON). */
export const MISSING = "(missing)";
/** Label of a categorical answer whose value is not a string, number or boolean. */
export const OTHER = "(other)";

type JsonSchema = Record<string, unknown>;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The kind of one property of a JSON Schema (nullable alternatives are looked through). */
function specOf(schema: JsonSchema): FieldSpec {
  if (Array.isArray(schema.enum)) return { kind: "categorical", classes: schema.enum.map(String) };
  if ("const" in schema) return { kind: "categorical", classes: [String(schema.const)] };
  const alternatives = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(alternatives)) {
    const real = alternatives.filter((a) => isRecord(a) && a.type !== "null") as JsonSchema[];
    if (real.length === 1) return specOf(real[0]!);
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type === "boolean") return { kind: "categorical", classes: ["true", "false"] };
  if (type === "string") return { kind: "string", classes: [] };
  if (type === "number" || type === "integer") return { kind: "number", classes: [] };
  if (type === "array") return { kind: "list", classes: [] };
  return { kind: "object", classes: [] };
}

/** The fields of quality.schema (as JSON Schema) and how each is scored; empty without properties. */
export function fieldSpecs(jsonSchema: JsonSchema): Record<string, FieldSpec> {
  const properties = isRecord(jsonSchema.properties) ? jsonSchema.properties : {};
  return Object.fromEntries(
    Object.entries(properties).map(([field, sub]) => [field, specOf(isRecord(sub) ? sub : {})]),
  );
}

/** How a field the schema does not describe is scored: by the JSON type of its expected value. */
function specOfValue(expected: unknown): FieldSpec {
  if (typeof expected === "boolean") return { kind: "categorical", classes: ["true", "false"] };
  if (typeof expected === "string") return { kind: "string", classes: [] };
  if (typeof expected === "number") return { kind: "number", classes: [] };
  if (Array.isArray(expected)) return { kind: "list", classes: [] };
  return { kind: "object", classes: [] };
}

/** Lower case, "_" as a space, whitespace collapsed and trimmed. */
export function normaliseText(text: string): string {
  return text.toLowerCase().replace(/_/g, " ").replace(/\s+/g, " ").trim();
}

export interface FieldScore {
  kind: FieldKind;
  /** The answer has the field. */
  present: boolean;
  strict: boolean;
  /** Normalised match (implied by a strict one). */
  match: boolean;
  /** 0–1: the F1 of a list field, 1 or 0 for the others. */
  score: number;
  /** |answer − expected| of a number field; null for other kinds or a non-numeric answer. */
  absError: number | null;
  /** Categorical fields: the expected class and the answer's class (MISSING, OTHER or its own spelling). */
  truth: string | null;
  label: string | null;
}

const isScalar = (v: unknown): v is string | number | boolean =>
  typeof v === "string" || typeof v === "number" || typeof v === "boolean";

/** Deep copy with every string normalised, for comparing lists and objects. */
function normalisedJson(value: unknown): string {
  const walk = (v: unknown): unknown =>
    typeof v === "string"
      ? normaliseText(v)
      : Array.isArray(v)
        ? v.map(walk)
        : isRecord(v)
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
          : v;
  return canonicalJson(walk(value));
}

function setF1(answer: Set<string>, expected: Set<string>): number {
  if (answer.size === 0 && expected.size === 0) return 1;
  let common = 0;
  for (const x of answer) if (expected.has(x)) common += 1;
  return (2 * common) / (answer.size + expected.size);
}

const sameSet = (a: Set<string>, b: Set<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));

function categoricalLabel(answer: unknown, spec: FieldSpec): string {
  if (answer === undefined) return MISSING;
  if (!isScalar(answer)) return OTHER;
  const text = String(answer);
  return spec.classes.find((c) => normaliseText(c) === normaliseText(text)) ?? text;
}

/** One field of one answer against its expected value; `answer` is undefined when the field is missing. */
export function scoreField(spec: FieldSpec, answer: unknown, expected: unknown, tolerance = 0): FieldScore {
  const truth = spec.kind === "categorical" ? String(expected) : null;
  const label = spec.kind === "categorical" ? categoricalLabel(answer, spec) : null;
  const base = { kind: spec.kind, present: answer !== undefined, absError: null, truth, label };
  const verdict = (strict: boolean, match: boolean, score = strict || match ? 1 : 0): FieldScore => ({
    ...base,
    strict,
    match: strict || match,
    score,
  });
  if (answer === undefined) return verdict(false, false);
  switch (spec.kind) {
    case "categorical":
    case "string":
      return verdict(
        answer === expected,
        isScalar(answer) && isScalar(expected) && normaliseText(String(answer)) === normaliseText(String(expected)),
      );
    case "number": {
      const read = typeof answer === "string" && answer.trim() !== "" ? Number(answer) : answer;
      if (typeof read !== "number" || !Number.isFinite(read) || typeof expected !== "number")
        return verdict(false, false);
      const absError = Math.abs(read - expected);
      const within = absError <= tolerance;
      return { ...verdict(typeof answer === "number" && within, within), absError };
    }
    case "list": {
      if (!Array.isArray(answer) || !Array.isArray(expected)) return verdict(false, false);
      const a = new Set(answer.map(normalisedJson));
      const e = new Set(expected.map(normalisedJson));
      const strict = sameSet(new Set(answer.map(canonicalJson)), new Set(expected.map(canonicalJson)));
      return verdict(strict, sameSet(a, e), setF1(a, e));
    }
    default:
      return verdict(
        canonicalJson(answer) === canonicalJson(expected),
        normalisedJson(answer) === normalisedJson(expected),
      );
  }
}

export interface AnswerScore {
  /** The answer parsed as JSON. */
  parsed: boolean;
  /** Every expected field matches strictly / after normalisation. */
  strict: boolean;
  match: boolean;
  fields: Record<string, FieldScore>;
}

export interface ScoreOptions {
  /** Absolute tolerance per number field (quality.tolerance). */
  tolerance?: Record<string, number>;
}

/** An answer's text against the prompt's expected fields, with the fields of quality.schema (`fieldSpecs`). */
export function scoreAnswer(
  answer: string | null,
  expected: Record<string, unknown>,
  specs: Record<string, FieldSpec>,
  options: ScoreOptions = {},
): AnswerScore {
  const parsed = parseAnswer(answer);
  const fields: Record<string, FieldScore> = {};
  for (const [field, value] of Object.entries(expected)) {
    const spec = specs[field] ?? specOfValue(value);
    const given = isRecord(parsed) && Object.hasOwn(parsed, field) ? parsed[field] : undefined;
    fields[field] = scoreField(spec, given, value, options.tolerance?.[field] ?? 0);
  }
  const scores = Object.values(fields);
  return {
    parsed: parsed !== undefined,
    strict: scores.every((s) => s.strict),
    match: scores.every((s) => s.match),
    fields,
  };
}

export interface ClassStats {
  label: string;
  /** Answers whose truth is this class (row total) and answers of this class (column total). */
  support: number;
  predicted: number;
  /** Null when the class was never answered / never the truth. */
  precision: number | null;
  recall: number | null;
  /** Null when the class is neither the truth nor answered. */
  f1: number | null;
}

export interface Classification {
  /** Row and column labels: the schema's classes, then other answers, then MISSING and OTHER. */
  labels: string[];
  /** matrix[i][j] = answers whose truth is labels[i] and whose answer is labels[j]. */
  matrix: number[][];
  accuracy: Proportion;
  perClass: ClassStats[];
  /** Mean F1 over the classes present in the truth; null when there are none. */
  macroF1: number | null;
  /** Cohen's κ between the truth (rows) and the answers (columns). */
  kappa: Kappa;
}

/** Accuracy, per-class precision/recall/F1, macro-F1 and κ of a confusion matrix (rows: truth, columns: answer). */
export function classificationStats(labels: readonly string[], matrix: readonly (readonly number[])[]): Classification {
  const k = labels.length;
  if (matrix.length !== k || matrix.some((row) => row.length !== k))
    throw new RangeError(`confusion matrix must be ${k}×${k} for ${k} labels`);
  const rowTotal = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const colTotal = labels.map((_, j) => matrix.reduce((a, row) => a + row[j]!, 0));
  const n = rowTotal.reduce((a, b) => a + b, 0);
  let diagonal = 0;
  const perClass = labels.map((label, i) => {
    const tp = matrix[i]![i]!;
    diagonal += tp;
    const precision = colTotal[i]! > 0 ? tp / colTotal[i]! : null;
    const recall = rowTotal[i]! > 0 ? tp / rowTotal[i]! : null;
    const f1 =
      precision === null && recall === null ? null : tp === 0 ? 0 : (2 * precision! * recall!) / (precision! + recall!);
    return { label, support: rowTotal[i]!, predicted: colTotal[i]!, precision, recall, f1 };
  });
  const inTruth = perClass.filter((c) => c.support > 0);
  return {
    labels: [...labels],
    matrix: matrix.map((row) => [...row]),
    accuracy: wilson(diagonal, n),
    perClass,
    macroF1: inTruth.length > 0 ? inTruth.reduce((a, c) => a + c.f1!, 0) / inTruth.length : null,
    kappa: cohensKappa(matrix),
  };
}

export interface FieldSummary {
  field: string;
  kind: FieldKind;
  /** Scored answers with this field in their expected answer. */
  n: number;
  strict: Proportion;
  match: Proportion;
  /** Mean score (the mean F1 for list fields; the match rate otherwise); null when n = 0. */
  meanScore: number | null;
  /** Mean |answer − expected| of number fields over answers that gave a number; null otherwise. */
  meanAbsError: number | null;
  /** Categorical fields only. */
  classification: Classification | null;
}

export interface ScoreSummary {
  /** Answers scored (each had an expected answer). */
  n: number;
  /** Answers that parsed as JSON. */
  parsed: number;
  /** Every expected field right, strictly and after normalisation. */
  strict: Proportion;
  match: Proportion;
  /** In the order fields were first seen. */
  fields: FieldSummary[];
}

interface FieldTally {
  kind: FieldKind;
  classes: string[];
  n: number;
  strict: number;
  match: number;
  score: number;
  absErrorSum: number;
  absErrorN: number;
  /** truth → answer label → count. */
  cells: Map<string, Map<string, number>>;
}

function tallyOf(
  tallies: Map<string, FieldTally>,
  field: string,
  s: FieldScore,
  spec: FieldSpec | undefined,
): FieldTally {
  let t = tallies.get(field);
  if (!t) {
    t = {
      kind: s.kind,
      classes: spec?.classes ?? [],
      n: 0,
      strict: 0,
      match: 0,
      score: 0,
      absErrorSum: 0,
      absErrorN: 0,
      cells: new Map(),
    };
    tallies.set(field, t);
  }
  return t;
}

function add(t: FieldTally, s: FieldScore): void {
  t.n += 1;
  if (s.strict) t.strict += 1;
  if (s.match) t.match += 1;
  t.score += s.score;
  if (s.absError !== null) {
    t.absErrorSum += s.absError;
    t.absErrorN += 1;
  }
  if (s.truth !== null && s.label !== null) {
    const row = t.cells.get(s.truth) ?? new Map<string, number>();
    row.set(s.label, (row.get(s.label) ?? 0) + 1);
    t.cells.set(s.truth, row);
  }
}

/**
 * The classification of a categorical field from its counts (truth → answer label → count): rows
 * and columns are the schema's classes, then other answers (sorted), then MISSING and OTHER.
 */
export function confusionOf(classes: readonly string[], cells: ReadonlyMap<string, ReadonlyMap<string, number>>) {
  const seen = new Set<string>();
  for (const [truth, row] of cells) {
    seen.add(truth);
    for (const label of row.keys()) seen.add(label);
  }
  const extra = [...seen].filter((l) => !classes.includes(l) && l !== MISSING && l !== OTHER).sort();
  const labels = [...classes, ...extra, ...[MISSING, OTHER].filter((l) => seen.has(l))];
  const matrix = labels.map((truth) => labels.map((label) => cells.get(truth)?.get(label) ?? 0));
  return classificationStats(labels, matrix);
}

const confusion = (t: FieldTally): Classification => confusionOf(t.classes, t.cells);

/**
 * Accuracy per field and overall over scored answers (only counts are kept, so any number of
 * answers can stream through). `specs` gives each categorical field's classes for the matrix.
 */
export function summariseScores(scores: Iterable<AnswerScore>, specs: Record<string, FieldSpec> = {}): ScoreSummary {
  const tallies = new Map<string, FieldTally>();
  let n = 0;
  let parsed = 0;
  let strict = 0;
  let match = 0;
  for (const score of scores) {
    n += 1;
    if (score.parsed) parsed += 1;
    if (score.strict) strict += 1;
    if (score.match) match += 1;
    for (const [field, s] of Object.entries(score.fields)) add(tallyOf(tallies, field, s, specs[field]), s);
  }
  const fields = [...tallies].map(([field, t]) => ({
    field,
    kind: t.kind,
    n: t.n,
    strict: wilson(t.strict, t.n),
    match: wilson(t.match, t.n),
    meanScore: t.n > 0 ? t.score / t.n : null,
    meanAbsError: t.absErrorN > 0 ? t.absErrorSum / t.absErrorN : null,
    classification: t.kind === "categorical" ? confusion(t) : null,
  }));
  return { n, parsed, strict: wilson(strict, n), match: wilson(match, n), fields };
}
