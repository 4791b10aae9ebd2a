import { describe, expect, it } from "vitest";
import {
  cascade,
  cascadeGrid,
  prepareCascade,
  replayCascade,
  ruleKey,
  type CascadeRow,
  type CascadeRule,
  type CascadeRun,
} from "../../data-loaders/analysis/cascade.ts";

function answer(recommendation: string, scores: number[]): string {
  const analysis = Object.fromEntries(scores.map((score, i) => [`dim${i}`, { score, comment: "…" }]));
  return JSON.stringify({ recommendation, reasoning: "…", analysis });
}

function row(prompt: string, fields: Partial<CascadeRow>): CascadeRow {
  return {
    prompt_id: prompt,
    request_index: 0,
    status: "ok",
    answer: null,
    schema_valid: true,
    prompt_tokens: 100,
    completion_tokens: 50,
    ...fields,
  };
}

// Run A (cheap): p1..p10; p4 schema-invalid, p9 failed, p10 only in A.
//   prompt  p1   p2     p3  p4      p5   p6     p7  p8          p9
//   A       yes  maybe  no  invalid yes  maybe  no  strong_yes  failed
//   score   5    3      1   –       4    3      2   4.5         –
//   B       yes  no     no  yes     maybe yes   no  strong_yes  no
const rowsA: CascadeRow[] = [
  row("p1", { answer: answer("yes", [5, 5]) }),
  row("p2", { answer: answer("maybe", [3, 3]) }),
  row("p3", { answer: answer("no", [1, 1]) }),
  row("p4", { answer: "oops", schema_valid: false }),
  row("p5", { answer: answer("yes", [4, 4]) }),
  row("p6", { answer: answer("maybe", [2, 4]) }),
  row("p7", { answer: answer("no", [2, 2]) }),
  row("p8", { answer: answer("strong_yes", [5, 4]) }),
  row("p9", { status: "error", schema_valid: null, prompt_tokens: null, completion_tokens: null }),
  row("p10", { answer: answer("yes", [5, 5]) }),
];
// B: 100 prompt / 100 completion tokens, except p4 (200 completion tokens); p11 only in B.
const bRec: Record<string, string> = {
  p1: "yes",
  p2: "no",
  p3: "no",
  p4: "yes",
  p5: "maybe",
  p6: "yes",
  p7: "no",
  p8: "strong_yes",
  p9: "no",
  p11: "yes",
};
const rowsB = Object.entries(bRec).map(([p, r]) =>
  row(p, { answer: answer(r, [3]), completion_tokens: p === "p4" ? 200 : 100 }),
);

// A: 10 req/s, $1 / $2 per 1M tokens → (100 + 2 · 50) / 1e6 = $0.0002 per request, GPU $1/h.
// B: 2 req/s, $10 / $20 per 1M → $0.003 per request ($0.005 for p4), GPU $3/h.
const A: CascadeRun = {
  runId: "a",
  rows: rowsA,
  requestThroughput: 10,
  price: { inputPerMTok: 1, outputPerMTok: 2 },
  gpuDollarsPerHour: 1,
};
const B: CascadeRun = {
  runId: "b",
  rows: rowsB,
  requestThroughput: 2,
  price: { inputPerMTok: 10, outputPerMTok: 20 },
  gpuDollarsPerHour: 3,
};
const OPTIONS = { agreementField: "recommendation", requests: 1000 };
const SCORE = "analysis.*.score";

function run(rule: CascadeRule) {
  return cascade(A, B, rule, OPTIONS);
}

describe("cascade replay", () => {
  it("joins by prompt and counts prompts present in one run only", () => {
    const r = run({ kind: "never" });
    expect(r.counts).toMatchObject({ paired: 9, onlyA: 1, onlyB: 1, unusableA: 2, compared: 9 });
  });

  it("A alone and B alone", () => {
    const never = run({ kind: "never" });
    // A agrees with B on p1, p3, p7, p8.
    expect([never.counts.escalated, never.counts.agreed, never.shareEscalated]).toEqual([0, 4, 0]);
    expect(never.agreement).toBeCloseTo(4 / 9, 12);
    expect(never.seconds).toBeCloseTo(100, 9); // 1000 / 10
    expect(never.apiPerRequest).toBeCloseTo(0.0002, 12);
    expect(never.selfHostedTotal).toBeCloseTo(100 / 3600, 12);
    const always = run({ kind: "always" });
    expect([always.counts.escalated, always.agreement, always.shareEscalated]).toEqual([9, 1, 1]);
    expect(always.seconds).toBeCloseTo(500, 9); // 1000 / 2, A never runs
    expect(always.apiPerRequest).toBeCloseTo((8 * 0.003 + 0.005) / 9, 12);
    expect(always.selfHostedTotal).toBeCloseTo((3 * 500) / 3600, 12);
  });

  it("schema-invalid escalates A's unusable answers", () => {
    const r = run({ kind: "schema-invalid" });
    expect(r.counts.escalated).toBe(2); // p4, p9
    expect(r.shareEscalated).toBeCloseTo(2 / 9, 12);
    expect(r.counts.agreed).toBe(6);
    // time = 1000 / 10 + (2/9) · 1000 / 2 = 100 + 111.11 s
    expect(r.seconds).toBeCloseTo(100 + 1000 / 9, 9);
    // cost = 0.0002 + (2/9) · mean(B cost of p4, p9) = 0.0002 + (2/9) · 0.004
    expect(r.apiPerRequest).toBeCloseTo(0.0002 + (2 / 9) * 0.004, 12);
    expect(r.apiTotal).toBeCloseTo(1000 * (0.0002 + (2 / 9) * 0.004), 9);
    expect(r.selfHostedTotal).toBeCloseTo(100 / 3600 + (3 * 1000) / 9 / 3600, 12);
    expect(r.key).toBe("schema-invalid");
  });

  it("field-equals escalates A's 'maybe' answers and its unusable ones", () => {
    const r = run({ kind: "field-equals", field: "recommendation", value: "maybe" });
    expect(r.counts.escalated).toBe(4); // p2, p6 + p4, p9
    expect(r.counts.agreed).toBe(8); // only p5 (A yes, B maybe) differs
    expect(r.seconds).toBeCloseTo(100 + ((4 / 9) * 1000) / 2, 9);
    expect(r.key).toBe("field-equals:recommendation=maybe");
  });

  it("field-equals works on a field other than the agreement field", () => {
    // A's analysis.dim0.score as a category: "3" on p2 only (p6 has 2).
    const r = run({ kind: "field-equals", field: "analysis.dim0.score", value: "3" });
    expect(r.counts.escalated).toBe(3); // p2 + p4, p9
    expect(r.counts.agreed).toBe(7); // p5 and p6 still differ
  });

  it("top-percent escalates A's highest scores, ties included", () => {
    // 7 scored answers: 5, 4.5, 4, 3, 3, 2, 1.
    const top30 = run({ kind: "top-percent", field: SCORE, percent: 30 }); // k = ⌈2.1⌉ = 3 → ≥ 4: p1, p8, p5
    expect(top30.counts.escalated).toBe(5); // + p4, p9
    expect(top30.counts.agreed).toBe(7); // p2 and p6 differ
    const top50 = run({ kind: "top-percent", field: SCORE, percent: 50 }); // k = 4 → ≥ 3: adds p2 and p6 (a tie)
    expect(top50.counts.escalated).toBe(7);
    expect(top50.counts.agreed).toBe(9);
    expect(run({ kind: "top-percent", field: SCORE, percent: 0 }).counts.escalated).toBe(2);
    expect(run({ kind: "top-percent", field: SCORE, percent: 100 }).counts.escalated).toBe(9);
    expect(() => run({ kind: "top-percent", field: SCORE, percent: 120 })).toThrow(/percent/);
  });

  it("reports unknowns as null rather than 0", () => {
    const noPrices = { ...OPTIONS };
    const r = cascade({ ...A, price: null, gpuDollarsPerHour: null }, B, { kind: "schema-invalid" }, noPrices);
    expect(r.apiPerRequest).toBeNull();
    expect(r.selfHostedTotal).toBeNull();
    // B alone does not need A's price.
    expect(cascade({ ...A, price: null }, B, { kind: "always" }, noPrices).apiPerRequest).not.toBeNull();
    expect(cascade(A, B, { kind: "never" }, { agreementField: null }).agreement).toBeNull();
  });

  it("rejects a run without a positive throughput, naming it", () => {
    expect(() => cascade(A, { ...B, requestThroughput: 0 }, { kind: "never" }, OPTIONS)).toThrow(
      /run b: requestThroughput/,
    );
    const prepared = prepareCascade(A, B, { agreementField: "recommendation" });
    expect(() => replayCascade(prepared, { kind: "top-percent", field: SCORE, percent: 10 })).toThrow(/not prepared/);
    expect(() => replayCascade(prepared, { kind: "field-equals", field: "seniority", value: "x" })).toThrow(
      /not prepared/,
    );
  });
});

describe("cascadeGrid", () => {
  const grid = cascadeGrid(A, B, {
    ...OPTIONS,
    equalsFields: ["analysis.dim1.score"],
    scoreFields: [SCORE],
    percents: [30, 50],
  });

  it("precomputes every rule × parameter value", () => {
    expect(grid.results.map((r) => r.key)).toEqual([
      "never",
      "always",
      "schema-invalid",
      "field-equals:recommendation=maybe",
      "field-equals:recommendation=no",
      "field-equals:recommendation=strong_yes",
      "field-equals:recommendation=yes",
      // dim1 scores of A's usable answers: p1 5, p2 3, p3 1, p5 4, p6 4, p7 2, p8 4
      "field-equals:analysis.dim1.score=1",
      "field-equals:analysis.dim1.score=2",
      "field-equals:analysis.dim1.score=3",
      "field-equals:analysis.dim1.score=4",
      "field-equals:analysis.dim1.score=5",
      `top-percent:${SCORE}:30`,
      `top-percent:${SCORE}:50`,
    ]);
    expect([grid.aRunId, grid.bRunId, grid.requests]).toEqual(["a", "b", 1000]);
  });

  it("gives the same figures as replaying each rule alone", () => {
    for (const result of grid.results) {
      expect(result).toEqual(run(result.rule));
      expect(result.key).toBe(ruleKey(result.rule));
    }
  });
});

describe("cascade rules on checks, the judge and the truth", () => {
  // Truth per prompt: B is right on every prompt but p5, A on p1, p3, p5, p7, p8.
  const truth: Record<string, string> = {
    p1: "yes",
    p2: "no",
    p3: "no",
    p4: "yes",
    p5: "yes",
    p6: "yes",
    p7: "no",
    p8: "strong_yes",
    p9: "no",
  };
  // A's judge scores and failed checks (p2 and p6 fail a check).
  const judge: Record<string, number> = { p1: 5, p2: 2, p3: 4, p5: 3, p6: 3, p7: 5, p8: 4 };
  const withVerdicts = (rows: CascadeRow[], side: "a" | "b"): CascadeRow[] =>
    rows.map((r) => {
      const said = r.status === "ok" && r.schema_valid !== false ? JSON.parse(r.answer!).recommendation : null;
      const correct = r.prompt_id in truth && said !== null ? said === truth[r.prompt_id] : null;
      return side === "b"
        ? { ...r, correct }
        : {
            ...r,
            correct,
            checks_passed: said === null ? null : !["p2", "p6"].includes(r.prompt_id),
            judge_score: judge[r.prompt_id] ?? null,
            judge_pass: r.prompt_id in judge ? judge[r.prompt_id]! >= 4 : null,
          };
    });
  const a = { ...A, rows: withVerdicts(rowsA, "a") };
  const b = { ...B, rows: withVerdicts(rowsB, "b") };
  const replay = (rule: CascadeRule) => cascade(a, b, rule, OPTIONS);

  it("reports each plan's accuracy against the truth with its Wilson interval", () => {
    // A alone: scored p1, p2, p3, p5, p6, p7, p8 (p4 not JSON, p9 failed): right on p1, p3, p5, p7, p8.
    expect(replay({ kind: "never" }).truth).toMatchObject({ k: 5, n: 7 });
    // B alone: right on all nine but p5 (B says maybe).
    expect(replay({ kind: "always" }).truth).toMatchObject({ k: 8, n: 9 });
    expect(run({ kind: "never" }).truth).toBeNull();
  });

  it("check-failed escalates answers that failed a check (and unusable ones)", () => {
    const r = replay({ kind: "check-failed" });
    expect(r.counts.escalated).toBe(4); // p2, p6, p4, p9
    // Plan answers: A on p1 p3 p5 p7 p8, B on p2 p4 p6 p9: all right.
    expect(r.truth).toMatchObject({ k: 9, n: 9 });
  });

  it("judge-below escalates answers scored below the threshold; an unjudged answer is kept", () => {
    const r = replay({ kind: "judge-below", score: 4 });
    expect(r.counts.escalated).toBe(5); // p2 (2), p5 (3), p6 (3), p4 and p9 unusable
    expect(r.truth).toMatchObject({ k: 8, n: 9 }); // p5 escalated to B, which is wrong there
    expect(replay({ kind: "judge-below", score: 3 }).counts.escalated).toBe(3); // p2, p4, p9
    expect(ruleKey({ kind: "judge-below", score: 3 })).toBe("judge-below:3");
  });

  it("the grid lists the new rules when A's answers have checks and judge scores", () => {
    const keys = cascadeGrid(a, b, OPTIONS).results.map((r) => r.key);
    expect(keys).toEqual(expect.arrayContaining(["check-failed", "judge-below:2", "judge-below:5"]));
    expect(cascadeGrid(A, B, OPTIONS).results.map((r) => r.key)).not.toContain("check-failed");
  });
});
