import { describe, expect, it } from "vitest";
import { agreement, cohensKappa, type AgreementRow } from "../../data-loaders/analysis/agreement.ts";

function row(prompt: string, answer: string | null, extra: Partial<AgreementRow> = {}): AgreementRow {
  return { prompt_id: prompt, request_index: 0, status: "ok", answer, ...extra };
}
const rec = (value: string) => JSON.stringify({ recommendation: value, reasoning: "…" });

describe("cohensKappa", () => {
  it("matches the textbook 2×2 example: po = 0.7, pe = 0.5 → κ = 0.4", () => {
    // Rows: rater A yes/no; columns: rater B yes/no. n = 50.
    // po = (20 + 15) / 50 = 0.7; pe = (25/50)(30/50) + (25/50)(20/50) = 0.3 + 0.2 = 0.5
    const k = cohensKappa([
      [20, 5],
      [10, 15],
    ]);
    expect(k.n).toBe(50);
    expect(k.po).toBeCloseTo(0.7, 12);
    expect(k.pe).toBeCloseTo(0.5, 12);
    expect(k.kappa).toBeCloseTo(0.4, 12);
    // SE = √(0.7 · 0.3 / (50 · 0.5²)) = √0.0168 = 0.129615; CI = 0.4 ± 1.96 · SE
    expect(k.se).toBeCloseTo(0.1296148, 6);
    expect(k.lo).toBeCloseTo(0.4 - 1.959964 * 0.1296148, 5);
    expect(k.hi).toBeCloseTo(0.4 + 1.959964 * 0.1296148, 5);
  });

  it("handles perfect, chance-level and degenerate agreement", () => {
    const perfect = cohensKappa([
      [3, 0],
      [0, 7],
    ]);
    expect(perfect.kappa).toBe(1);
    expect(perfect.se).toBe(0);
    // Independent raters: every cell is the product of the margins → κ = 0.
    expect(
      cohensKappa([
        [4, 4],
        [4, 4],
      ]).kappa,
    ).toBeCloseTo(0, 12);
    // Both raters always say the same single category: pe = 1, κ undefined.
    const single = cohensKappa([[9]]);
    expect([single.po, single.pe, single.kappa]).toEqual([1, 1, null]);
    expect(cohensKappa([]).kappa).toBeNull();
    expect(() => cohensKappa([[1, 2], [3]])).toThrow(/square/);
  });

  it("clips the interval to [−1, 1]", () => {
    const k = cohensKappa([
      [1, 0],
      [0, 1],
    ]);
    expect(k.hi).toBeLessThanOrEqual(1);
    const worst = cohensKappa([
      [0, 2],
      [1, 0],
    ]);
    expect(worst.lo).toBeGreaterThanOrEqual(-1);
  });
});

describe("agreement", () => {
  // The same 2×2 as above, built from answers: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no.
  const cells: [string, string, number][] = [
    ["yes", "yes", 20],
    ["yes", "no", 5],
    ["no", "yes", 10],
    ["no", "no", 15],
  ];
  const rowsA: AgreementRow[] = [];
  const rowsB: AgreementRow[] = [];
  let p = 0;
  for (const [a, b, count] of cells) {
    for (let i = 0; i < count; i++, p++) {
      // A wraps some answers the way models do: a think block, a code fence.
      const answerA = p % 3 === 0 ? "<think>hmm</think>\n```json\n" + rec(a) + "\n```" : rec(a);
      rowsA.push(row(`p${p}`, answerA, { request_index: p }));
      rowsB.push(row(`p${p}`, rec(b), { request_index: p }));
    }
  }
  // Left out of the matrix: A not JSON, B failed, B missing the field, a prompt only in A / only in B.
  rowsA.push(
    row("bad-a", "not json"),
    row("failed-b", rec("yes")),
    row("no-field", rec("yes")),
    row("only-a", rec("no")),
  );
  rowsB.push(
    row("bad-a", rec("no")),
    row("failed-b", null, { status: "error" }),
    row("no-field", "{}"),
    row("only-b", rec("no")),
  );
  // A later repeat of a prompt does not count twice (the first successful row is used).
  rowsA.push(row("p0", rec("no"), { request_index: 999 }));

  it("builds the confusion matrix from parsed answers and computes κ", () => {
    const result = agreement(rowsA, rowsB, "recommendation");
    expect(result.categories).toEqual(["no", "yes"]);
    expect(result.matrix).toEqual([
      [15, 10],
      [5, 20],
    ]);
    expect(result.n).toBe(50);
    expect(result.po).toBeCloseTo(0.7, 12);
    expect(result.kappa).toBeCloseTo(0.4, 12);
    expect(result.counts).toEqual({ paired: 53, missingA: 1, missingB: 2, onlyA: 1, onlyB: 1 });
  });

  it("reads only the answer's own fields (model output is untrusted)", () => {
    const hostile = [row("x", '{"__proto__": {"recommendation": "yes"}}'), row("y", "{}")];
    const other = [row("x", rec("yes")), row("y", rec("yes"))];
    expect(agreement(hostile, other, "recommendation").n).toBe(0);
    expect(agreement(hostile, other, "constructor").n).toBe(0);
  });
});
