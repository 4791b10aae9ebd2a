// A run's quality counted in DuckDB over its quality files equals the same figures from the rows
// in memory (the JS formulas), on a seeded fixture with every kind of field, check and verdict;
// and a small case against hand-computed values.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  disagreements,
  runQuality,
  runQualityFromRows,
  worstAnswers,
} from "../../data-loaders/analysis/run-quality.ts";
import { rngFor } from "../../data-loaders/random.ts";
import { runDuckdb, readJsonSql } from "../../data-loaders/store/parquet.ts";
import {
  PAIRWISE_COLUMNS,
  pairwiseRowSchema,
  QUALITY_COLUMNS,
  qualityRowSchema,
  type PairwiseRow,
  type QualityManifest,
  type QualityRow,
} from "../../data-loaders/store/schemas/quality.ts";
import { duckdbColumns } from "../../data-loaders/store/schemas/request-row.ts";
import { tempDir } from "../helpers/temp.ts";

const CLASSES = ["strong_yes", "yes", "maybe", "no"];

async function writeParquet(path: string, rows: object[], types: Record<string, string>, columns: string[]) {
  writeFileSync(path + ".jsonl", rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  await runDuckdb({ threads: "1" }, [
    `COPY (SELECT ${columns.map((c) => `"${c}"`).join(", ")} FROM ${readJsonSql(path + ".jsonl", types)}) TO '${path}' (FORMAT parquet)`,
  ]);
}

/** A seeded run's quality rows: categorical, number and list fields, three checks, a 1–5 judge. */
function fixtureRows(n: number): QualityRow[] {
  const rng = rngFor("run-quality-fixture");
  return Array.from({ length: n }, (_, i): QualityRow => {
    const failed = rng.chance(0.08);
    const hasTruth = !failed && rng.chance(0.9);
    const truth = rng.pick(CLASSES);
    const label = rng.chance(0.7) ? truth : rng.pick([...CLASSES, "(missing)", "Strong Yes", "(other)"]);
    const years = rng.int(0, 10);
    const overlap = rng.int(0, 3) / 3;
    const fields = hasTruth
      ? [
          {
            field: "recommendation",
            kind: "categorical" as const,
            strict: label === truth,
            match: label === truth,
            score: label === truth ? 1 : 0,
            abs_error: null,
            truth,
            label,
          },
          {
            field: "years",
            kind: "number" as const,
            strict: years < 3,
            match: years < 5,
            score: years < 5 ? 1 : 0,
            abs_error: rng.chance(0.2) ? null : years / 2,
            truth: null,
            label: null,
          },
          ...(i % 3 === 0
            ? []
            : [
                {
                  field: "skills",
                  kind: "list" as const,
                  strict: overlap === 1,
                  match: overlap === 1,
                  score: overlap,
                  abs_error: null,
                  truth: null,
                  label: null,
                },
              ]),
        ]
      : null;
    const checks = failed
      ? null
      : [
          { name: "names the candidate", pass: rng.chance(0.8), score: null, reason: null as string | null },
          { name: "a known class", pass: rng.chance(0.9), score: null, reason: null as string | null },
          { name: "scored", pass: rng.chance(0.6), score: rng.int(0, 10) / 10, reason: null as string | null },
        ].map((c) => ({
          ...c,
          reason: c.pass
            ? null
            : rng.pick(["reason a", "reason b", "Reason c", "reason d", "reason e", "reason f", "ä"]),
        }));
    const status = failed
      ? "not_judged"
      : rng.pick(["judged", "judged", "judged", "judged", "error", "not_judged"] as const);
    const score = status === "judged" ? rng.int(1, 5) : null;
    return {
      run_id: "r",
      request_index: i,
      prompt_id: `p${i % 37}`,
      scored: hasTruth,
      correct: hasTruth ? fields!.every((f) => f.match) : null,
      correct_strict: hasTruth ? fields!.every((f) => f.strict) : null,
      expected: hasTruth ? JSON.stringify({ recommendation: truth }) : null,
      fields,
      checks,
      checks_passed: checks ? checks.every((c) => c.pass) : null,
      judge_status: status,
      judge_pass: score === null ? null : score >= 4,
      judge_score: score,
      judge_reason: score === null ? null : `score ${score}`,
      judge_error:
        status === "judged"
          ? null
          : rng.pick(["the judge's answer is not JSON", "not judged: server down", "the request failed"]),
      judge_key: failed ? null : `k${i}`,
    };
  });
}

function fixturePairs(n: number): PairwiseRow[] {
  const rng = rngFor("run-quality-pairs");
  const verdict = () => (rng.chance(0.1) ? null : rng.pick(["A", "B", "tie"] as const));
  return Array.from({ length: n }, (_, i) => {
    const thisFirst = verdict();
    const otherFirst = verdict();
    return {
      run_id: "r",
      other_experiment_id: "other",
      other_run_id: "o",
      prompt_id: `p${i}`,
      request_index: i,
      other_request_index: i,
      this_first: thisFirst,
      other_first: otherFirst,
      outcome: null,
      this_first_reason: null,
      other_first_reason: null,
      error: thisFirst && otherFirst ? null : "no verdict",
    };
  });
}

function manifest(judge: boolean, pairwise: boolean): QualityManifest {
  const identity = { model: "m", rubric_hash: "h", scale: "1-5", max_tokens: 512 };
  const counts = { runs: [], judged: 0, errors: 0, not_judged: 0, reason: null };
  return {
    quality_schema_version: 1,
    run_id: "r",
    experiment_id: "e",
    inputs_hash: "i",
    scoring_hash: "s",
    scoring: { schema: { type: "object", properties: { recommendation: { type: "string", enum: CLASSES } } } },
    written_at: "2026-01-01T00:00:00Z",
    counts: { rows: 0, scored: 0, correct: 0, checked: 0 },
    judge: judge ? { ...identity, ...counts } : null,
    pairwise: pairwise
      ? {
          ...identity,
          ...counts,
          scale: "pairwise",
          inputs_hash: "p",
          other_experiment_id: "other",
          other_run_id: "o",
          prompts: 0,
        }
      : null,
  };
}

async function writeRun(dir: string, rows: QualityRow[], pairs: PairwiseRow[], judge = true) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "quality.json"), JSON.stringify(manifest(judge, pairs.length > 0)));
  await writeParquet(join(dir, "quality.parquet"), rows, duckdbColumns(qualityRowSchema), QUALITY_COLUMNS);
  if (pairs.length)
    await writeParquet(join(dir, "pairwise.parquet"), pairs, duckdbColumns(pairwiseRowSchema), PAIRWISE_COLUMNS);
}

/** Every number rounded to 1e-9, so float sums in a different order compare equal. */
const rounded = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_, v: unknown) => (typeof v === "number" ? Math.round(v * 1e9) / 1e9 : v)));

describe("a run's quality from its quality files", () => {
  const tmp = tempDir("run-quality");
  afterAll(() => tmp.cleanup());
  const rows = fixtureRows(1500);
  const pairs = fixturePairs(200);
  beforeAll(async () => {
    await writeRun(join(tmp.dir, "big"), rows, pairs);
  });

  it("counted in DuckDB equals the JS formulas over the rows, to 1e-9", async () => {
    const stored = await runQuality(join(tmp.dir, "big"));
    const { manifest: _m, ...sql } = stored!;
    const js = runQualityFromRows(rows, { recommendation: CLASSES }, pairs);
    expect(rounded(sql)).toEqual(rounded(js));
    // The fixture exercises what it should.
    expect(sql.fields.map((f) => f.field)).toEqual(["recommendation", "years", "skills"]);
    expect(sql.fields[0]!.classification!.labels).toEqual([...CLASSES, "Strong Yes", "(missing)", "(other)"]);
    expect(sql.checks.map((c) => c.topReasons.length)).toEqual([5, 5, 5]);
    expect(sql.judge!.errors).toBeGreaterThan(0);
    expect(sql.pairwise!.summary.notJudged).toBeGreaterThan(0);
  });

  it("gives hand-computed figures on a small run", async () => {
    const small = fixtureRows(8).map((r, i) => ({
      ...r,
      scored: i < 4,
      correct: i < 4 ? i !== 3 : null,
      correct_strict: i < 4 ? i === 0 : null,
      fields: null,
      checks: [{ name: "c", pass: i % 2 === 0, score: null, reason: i % 2 === 0 ? null : "odd" }],
      judge_status: "judged" as const,
      judge_pass: i < 2,
      judge_score: i < 2 ? 5 : 2,
    }));
    await writeRun(join(tmp.dir, "small"), small, []);
    const q = (await runQuality(join(tmp.dir, "small")))!;
    // 3 of 4 correct: p = 0.75, Wilson 95% (0.30064, 0.95441).
    expect(q.accuracy.match.p).toBe(0.75);
    expect(q.accuracy.match.lo).toBeCloseTo(0.30064, 4);
    expect(q.accuracy.match.hi).toBeCloseTo(0.95441, 4);
    expect(q.accuracy.strict.k).toBe(1);
    expect(q.checks).toEqual([
      {
        name: "c",
        pass: expect.objectContaining({ k: 4, n: 8 }),
        meanScore: null,
        topReasons: [{ reason: "odd", count: 4 }],
      },
    ]);
    // Judge against the truth: correct = 0, 1, 2 (passed 0, 1; failed 2); wrong = 3 (failed).
    expect(q.judge!.agreement!.matrix).toEqual([
      [2, 1],
      [0, 1],
    ]);
    expect(q.judge!.meanScore).toBe((2 * 5 + 6 * 2) / 8);
    expect(q.judge!.scores).toEqual([
      { score: 2, count: 6 },
      { score: 5, count: 2 },
    ]);
  });

  it("is null for a run whose quality files are not written", async () => {
    expect(await runQuality(join(tmp.dir, "none"))).toBeNull();
    expect(await worstAnswers(join(tmp.dir, "none"), join(tmp.dir, "none/requests.parquet"))).toEqual([]);
  });

  it("lists the worst answers, one per prompt: wrong first, then failed checks, then the judge's lowest", async () => {
    const check = (name: string, pass: boolean) => ({
      name,
      pass,
      score: null,
      reason: pass ? null : `${name} failed`,
    });
    const wrong = {
      field: "recommendation",
      kind: "categorical" as const,
      strict: false,
      match: false,
      score: 0,
      abs_error: null,
      truth: "yes",
      label: "no",
    };
    // [prompt, correct, checks failed of two, judge score]
    const cases: [string, boolean | null, number, number][] = [
      ["p0", true, 0, 5], // nothing wrong: never listed
      ["p1", false, 0, 4],
      ["p2", true, 2, 5], // p2's other answer is wrong, so that one is p2's worst
      ["p3", true, 1, 2],
      ["p4", true, 0, 1],
      ["p5", null, 0, 3], // not scored, failed by the judge
      ["p2", false, 0, 5],
      ["p1", false, 0, 2], // wrong and scored lower than p1's other wrong answer
    ];
    const rows = cases.map(([prompt, correct, failed, score], i): QualityRow => {
      const checks = [check("c1", failed < 2), check("c2", failed < 1)];
      return {
        ...fixtureRows(1)[0]!,
        request_index: i,
        prompt_id: prompt,
        scored: correct !== null,
        correct,
        correct_strict: correct,
        expected: correct === null ? null : JSON.stringify({ recommendation: "yes" }),
        fields: correct === false ? [wrong] : null,
        checks,
        checks_passed: failed === 0,
        judge_status: "judged",
        judge_pass: score >= 4,
        judge_score: score,
        judge_reason: `score ${score}`,
        judge_error: null,
      };
    });
    const dir = join(tmp.dir, "worst");
    await writeRun(dir, rows, []);
    // The columns of requests.parquet the join reads.
    const requests = rows.map((r) => ({
      request_index: r.request_index,
      answer: `answer ${r.request_index}`,
      status: "ok",
      finish_reason: "stop",
    }));
    const types = { request_index: "BIGINT", answer: "VARCHAR", status: "VARCHAR", finish_reason: "VARCHAR" };
    await writeParquet(join(dir, "requests.parquet"), requests, types, Object.keys(types));
    const worst = await worstAnswers(dir, join(dir, "requests.parquet"));
    expect(worst.map((w) => [w.prompt_id, w.request_index])).toEqual([
      ["p1", 7],
      ["p2", 6],
      ["p3", 3],
      ["p4", 4],
      ["p5", 5],
    ]);
    expect(worst[0]).toMatchObject({
      answer: "answer 7",
      expected: '{"recommendation":"yes"}',
      correct: false,
      wrongFields: [{ field: "recommendation", truth: "yes", label: "no" }],
      failedChecks: [],
      judge_score: 2,
      judge_pass: false,
    });
    expect(worst[2]!.failedChecks).toEqual([{ name: "c2", reason: "c2 failed" }]);
    expect((await worstAnswers(dir, join(dir, "requests.parquet"), 2)).map((w) => w.prompt_id)).toEqual(["p1", "p2"]);
    const failedChecks = await worstAnswers(dir, join(dir, "requests.parquet"), 20, "checks");
    expect(failedChecks.map((w) => [w.prompt_id, w.failedChecks.length])).toEqual([
      ["p2", 2],
      ["p3", 1],
    ]);
  });

  it("pairs two runs by prompt and lists the prompts whose label or correctness differ", async () => {
    const field = (truth: string, label: string) => ({
      field: "recommendation",
      kind: "categorical" as const,
      strict: label === truth,
      match: label === truth,
      score: label === truth ? 1 : 0,
      abs_error: null,
      truth,
      label,
    });
    // One run's answers: [prompt, label]; every prompt's truth is "yes".
    const runOf = async (name: string, answers: [string, string][]) => {
      const rows = answers.map(([prompt, label], i): QualityRow => ({
        ...fixtureRows(1)[0]!,
        request_index: i,
        prompt_id: prompt,
        scored: true,
        correct: label === "yes",
        correct_strict: label === "yes",
        expected: JSON.stringify({ recommendation: "yes" }),
        fields: [field("yes", label)],
        judge_status: "judged",
        judge_score: label === "yes" ? 5 : 2,
        judge_pass: label === "yes",
      }));
      const dir = join(tmp.dir, `disagree-${name}`);
      await writeRun(dir, rows, []);
      const requests = rows.map((r) => ({
        request_index: r.request_index,
        answer: `${name} says ${r.prompt_id}`,
        status: "ok",
        finish_reason: "stop",
      }));
      const types = { request_index: "BIGINT", answer: "VARCHAR", status: "VARCHAR", finish_reason: "VARCHAR" };
      await writeParquet(join(dir, "requests.parquet"), requests, types, Object.keys(types));
      return { path: dir, requestsPath: join(dir, "requests.parquet") };
    };
    const a = await runOf("a", [
      ["p0", "yes"],
      ["p1", "no"],
      ["p2", "yes"],
      ["p3", "maybe"],
      ["p4", "yes"],
    ]);
    const b = await runOf("b", [
      ["p0", "yes"],
      ["p1", "yes"],
      ["p2", "yes"],
      ["p3", "no"],
    ]);
    const found = (await disagreements(a, b))!;
    // p4 has no answer in b: four prompts paired, two of them answered differently.
    expect([found.paired, found.disagreeing]).toEqual([4, 2]);
    expect(found.prompts.map((p) => [p.prompt_id, p.a.label, p.b.label, p.a.correct, p.b.correct])).toEqual([
      ["p1", "no", "yes", false, true],
      ["p3", "maybe", "no", false, false],
    ]);
    expect(found.prompts[0]).toMatchObject({
      expected: '{"recommendation":"yes"}',
      a: { answer: "a says p1", judge_score: 2, judge_pass: false },
      b: { answer: "b says p1", judge_score: 5, judge_pass: true },
    });
    expect((await disagreements(a, b, 1))!.prompts.map((p) => p.prompt_id)).toEqual(["p1"]);
    expect(await disagreements(a, { path: join(tmp.dir, "nowhere"), requestsPath: b.requestsPath })).toBeNull();
  });
});
