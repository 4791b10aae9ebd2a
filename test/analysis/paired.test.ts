import { describe, expect, it } from "vitest";
import { pairedComparison, reversePaired, speedup, type PairedRow } from "../../data-loaders/analysis/paired.ts";

function row(prompt: string, fields: Partial<PairedRow>): PairedRow {
  return {
    prompt_id: prompt,
    request_index: 0,
    status: "ok",
    ttft_ms: 50,
    e2e_ms: 1000,
    completion_tokens: 100,
    schema_valid: true,
    ...fields,
  };
}

// 400 prompts. Candidate − baseline per prompt:
//   e2e_ms:            −100 ± 20 (alternating), so mean −100, sd 20, SE = 20 / √400 = 1
//   completion_tokens: +5 on every prompt (no spread)
//   schema_valid:      the candidate is invalid on every 10th prompt → mean −0.1
//   ttft_ms:           equal
const N = 400;
const baseline: PairedRow[] = [];
const candidate: PairedRow[] = [];
for (let i = 0; i < N; i++) {
  const e2e = 1000 + 10 * i;
  baseline.push(row(`p${i}`, { request_index: i, e2e_ms: e2e, completion_tokens: 100 + i }));
  candidate.push(
    row(`p${i}`, {
      request_index: i,
      e2e_ms: e2e - 100 + (i % 2 ? 20 : -20),
      completion_tokens: 105 + i,
      schema_valid: i % 10 !== 0,
    }),
  );
}
// Failed requests leave the latency and token pairs but keep a known validity; one prompt per side is unpaired.
baseline.push(
  row("failed", { request_index: N, status: "error", e2e_ms: 5, completion_tokens: null, schema_valid: false }),
  row("only-base", {}),
);
candidate.push(row("failed", { request_index: N, e2e_ms: 900, schema_valid: true }), row("only-cand", {}));

describe("pairedComparison", () => {
  const result = pairedComparison({ runId: "base", rows: baseline }, { runId: "cand", rows: candidate }, { seed: 4 });
  const diff = (metric: string) => result.differences.find((d) => d.metric === metric)!;

  it("pairs prompts and counts the unpaired ones", () => {
    expect(result.counts).toEqual({ paired: N + 1, onlyBaseline: 1, onlyCandidate: 1 });
    expect([result.baselineRunId, result.candidateRunId, result.level]).toEqual(["base", "cand", 0.95]);
  });

  it("gives the mean latency difference with the normal-theory 95% interval on known data", () => {
    const e2e = diff("e2e_ms");
    expect(e2e.n).toBe(N); // the failed prompt is left out
    expect(e2e.meanDifference).toBeCloseTo(-100, 9);
    expect(e2e.meanBaseline! - e2e.meanCandidate!).toBeCloseTo(100, 9);
    // −100 ± 1.96 · 1
    expect(e2e.lo!).toBeGreaterThan(-102.3);
    expect(e2e.lo!).toBeLessThan(-101.6);
    expect(e2e.hi!).toBeGreaterThan(-98.4);
    expect(e2e.hi!).toBeLessThan(-97.7);
  });

  it("gives a zero-width interval for a constant difference", () => {
    const tokens = diff("completion_tokens");
    expect([tokens.n, tokens.meanDifference, tokens.lo, tokens.hi]).toEqual([N, 5, 5, 5]);
    expect(diff("ttft_ms").meanDifference).toBe(0);
  });

  it("compares validity as 1/0, failed requests included when judged", () => {
    const valid = diff("schema_valid");
    expect(valid.n).toBe(N + 1);
    // Candidate invalid on 40 of 400; on "failed" baseline false, candidate true: (−40 + 1) / 401.
    expect(valid.meanDifference).toBeCloseTo(-39 / 401, 12);
    expect(valid.lo!).toBeLessThan(valid.meanDifference!);
    expect(valid.hi!).toBeGreaterThan(valid.meanDifference!);
  });

  it("is deterministic for a seed", () => {
    expect(
      pairedComparison({ runId: "base", rows: baseline }, { runId: "cand", rows: candidate }, { seed: 4 }),
    ).toEqual(result);
    const other = pairedComparison({ runId: "base", rows: baseline }, { runId: "cand", rows: candidate }, { seed: 5 });
    expect(other.differences[0]!.lo).not.toBe(result.differences[0]!.lo);
  });

  it("has no difference without common prompts", () => {
    const none = pairedComparison({ runId: "a", rows: [row("x", {})] }, { runId: "b", rows: [row("y", {})] });
    expect(none.differences.every((d) => d.n === 0 && d.meanDifference === null && d.lo === null)).toBe(true);
  });
});

describe("reversePaired", () => {
  it("equals comparing the other way round (same seed)", () => {
    const forward = pairedComparison(
      { runId: "base", rows: baseline },
      { runId: "cand", rows: candidate },
      { seed: 4, replicates: 300 },
    );
    const backward = pairedComparison(
      { runId: "cand", rows: candidate },
      { runId: "base", rows: baseline },
      { seed: 4, replicates: 300 },
    );
    const reversed = reversePaired(forward);
    expect({ ...reversed, differences: [] }).toEqual({ ...backward, differences: [] });
    reversed.differences.forEach((d, i) => {
      const b = backward.differences[i]!;
      expect([d.metric, d.n]).toEqual([b.metric, b.n]);
      for (const key of ["meanBaseline", "meanCandidate", "meanDifference", "lo", "hi"] as const)
        expect(d[key]!).toBeCloseTo(b[key]!, 6);
    });
  });
});

describe("speedup", () => {
  it("gives the throughput ratio and the time saved", () => {
    // 2 → 5 requests/s: 1000 requests take 500 s instead of 200 s.
    const s = speedup(2, 5, [1000]);
    expect(s.speedup).toBe(2.5);
    expect(s.timeSaved).toEqual([{ requests: 1000, baselineS: 500, candidateS: 200, savedS: 300, savedPct: 60 }]);
    expect(speedup(5, 2, [1000]).timeSaved[0]!.savedS).toBe(-300);
    expect(() => speedup(0, 1)).toThrow(/positive/);
  });
});
