// `tracker compare`: the users' own baseline comparisons (report 000: the 12B against the 1B and
// 4B) reproduced from the recorded history. Expected figures come from the formulas (speedup,
// tokenCost) applied to the stored rates and tokens, or are the reports' stated text; none are typed in.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { speedup } from "../data-loaders/analysis/paired.ts";
import { RATE_LABELS } from "../data-loaders/analysis/comparison.ts";
import { tokenCost } from "../data-loaders/analysis/cost.ts";
import { runCompare, wholeNumber, type CompareOptions } from "../data-loaders/compare-command.ts";
import type { CompareReport } from "../data-loaders/report/compare-text.ts";
import { duration } from "../data-loaders/report/text-table.ts";
import { EXPERIMENTS, recordedStore } from "./helpers/recorded-store.ts";
import { tempDir } from "./helpers/temp.ts";

const tmp = tempDir("compare");
const results = join(tmp.dir, "results");
const B12 = "recorded-gemma-3-12b-rtx-4080-100";
const B1 = "recorded-gemma-3-1b-rtx-4080-100";
const B4 = "recorded-gemma-3-4b-rtx-4080-100";

beforeAll(() => recordedStore(results), 120_000);
afterAll(() => tmp.cleanup());

async function compare(ids: string[], over: Partial<CompareOptions> = {}) {
  let out = "";
  let err = "";
  const opts: CompareOptions = { baseline: B12, requests: 200_000, rankBy: "requests", ...over };
  const io = {
    out: (s: string) => (out += s),
    err: (s: string) => (err += s),
    dirs: { results, experiments: EXPERIMENTS },
  };
  const code = await runCompare(ids, opts, io);
  return { code, out, err };
}

describe("tracker compare", () => {
  it("reproduces report 000's comparison with the 12B baseline, and its stated figures agree", async () => {
    const json = await compare([B1, B4], { json: true });
    expect([json.code, json.err]).toEqual([0, ""]);
    const report = JSON.parse(json.out) as CompareReport;
    expect(report.comparison.runs.map((c) => [c.id, c.rank])).toEqual([
      [B1, 1],
      [B4, 2],
      [B12, 3],
    ]);
    const base = report.runs.find((r) => r.id === B12)!.rates.requests!;
    for (const id of [B1, B4]) {
      const rate = report.runs.find((r) => r.id === id)!.rates.requests!;
      const expected = speedup(base, rate, [200_000]);
      const c = report.comparison.runs.find((x) => x.id === id)!;
      expect(c.ratios.requests).toBeCloseTo(expected.speedup, 12);
      const t = c.times.find((x) => x.requests === 200_000)!;
      expect(t.seconds).toBeCloseTo(200_000 / rate, 6);
      expect(t.savedS).toBeCloseTo(expected.timeSaved[0]!.savedS, 6);
    }
    // The report's "4.07x faster", "2.31x faster", "185.2 hours saved", "139.3 hours saved" hold.
    const against = report.stated.filter((f) => f.other === B12);
    expect(against.map((f) => [f.experimentId, f.written, f.verdict]).sort()).toEqual(
      [
        [B1, "185.2 hours saved", "agrees"],
        [B1, "4.07x faster", "agrees"],
        [B4, "139.3 hours saved", "agrees"],
        [B4, "2.31x faster", "agrees"],
      ].sort(),
    );

    const text = await compare([B1, B4]);
    expect(text.code).toBe(0);
    const lines = text.out.split("\n");
    expect(lines[0]).toBe(`Compared with ${B12} (${report.runs.find((r) => r.id === B12)!.title}).`);
    const c1 = report.comparison.runs.find((x) => x.id === B1)!;
    const row1 = lines.find((l) => l.includes(`  ${B1}  `) && l.includes("×"))!;
    expect(row1).toContain(`${c1.ratios.requests!.toFixed(2)}× (d)`);
    const saved = c1.times.find((x) => x.requests === 200_000)!;
    expect(text.out).toContain(`${duration(saved.savedS)} saved (${saved.savedPct!.toFixed(1)}%)`);
    // The report's "4.07x faster" beside the ratio recomputed, one decimal finer than the report gives it.
    const recomputed = c1.ratios.requests!.toFixed(3).replace(".", "\\.");
    expect(text.out).toMatch(
      new RegExp(
        `000:226 +recorded-gemma-3-1b-rtx-4080-100 +times faster, in requests/s vs .* "4\\.07x faster" +${recomputed}× +agrees`,
      ),
    );
  });

  it("costs the 5K runs at the price report 001's figure implies, from their tokens", async () => {
    const G4 = "recorded-gemma-3-4b-rtx-4080-5k";
    const L1 = "recorded-llama-3.2-1b-rtx-4080-5k";
    const { code, out } = await compare([L1], { baseline: G4, json: true, rankBy: "totalTokens" });
    expect(code).toBe(0);
    const report = JSON.parse(out) as CompareReport;
    expect(report.rankBy).toBe("totalTokens");
    const price = report.prices.find((p) => p.experimentId === G4)!;
    expect(price.from.written).toBe("$9.31");
    for (const id of [G4, L1]) {
      const run = report.runs.find((r) => r.id === id)!;
      const cost = report.comparison.runs.find((c) => c.id === id)!.costs.find((x) => x.label === price.label)!;
      const perRequest = tokenCost(
        { inputPerMTok: price.perMTok, outputPerMTok: price.perMTok },
        run.meanPromptTokens!,
        run.meanCompletionTokens!,
      );
      expect(cost.byCount.find((x) => x.requests === 100_000)!.dollars).toBeCloseTo(perRequest * 100_000, 9);
    }
    // The price comes back to the report's own figure for the run it was derived from.
    const g4 = report.comparison.runs.find((c) => c.id === G4)!.costs.find((x) => x.label === price.label)!;
    expect(g4.byCount.find((x) => x.requests === 100_000)!.dollars).toBeCloseTo(9.31, 9);
    const l1 = report.comparison.runs.find((c) => c.id === L1)!;
    const runs = Object.fromEntries(report.runs.map((r) => [r.id, r]));
    expect(l1.ratios.totalTokens).toBeCloseTo(runs[L1]!.rates.totalTokens! / runs[G4]!.rates.totalTokens!, 12);
    expect(l1.rank).toBe(1);
  });

  it("says which rate it ranks by; answers/s is tokenizer-neutral and a recorded run's is its successes over its time", async () => {
    const byDefault = await compare([B1, B4]);
    expect(byDefault.out).toContain(`Ranked by ${RATE_LABELS.requests}, the rate each run is judged at.`);
    const byTokens = await compare([B1, B4], { rankBy: "totalTokens" });
    expect(byTokens.out).toContain(`Ranked by ${RATE_LABELS.totalTokens}.`);
    const json = await compare([B1, B4], { rankBy: "answers", json: true });
    const report = JSON.parse(json.out) as CompareReport;
    expect(report.rankBy).toBe("answers");
    // Time for 1K to 1M requests at the rate each run is judged at.
    for (const c of report.comparison.runs) {
      const rate = report.runs.find((r) => r.id === c.id)!.rates.requests!;
      expect(c.times.map((t) => t.requests)).toEqual([1000, 5000, 10_000, 50_000, 100_000, 200_000, 1_000_000]);
      for (const t of c.times) expect(t.seconds).toBeCloseTo(t.requests / rate, 6);
    }
    for (const r of report.runs) {
      expect(r.rates.answers).toBeCloseTo(r.rates.requests!, 12);
      expect([r.rates.chars, r.rates.words]).toEqual([null, null]); // the log gives no answer lengths
    }
    expect(report.comparison.runs.map((c) => [c.id, c.rank])).toEqual([
      [B1, 1],
      [B4, 2],
      [B12, 3],
    ]);
  });

  it("names an unknown baseline or run, and rejects a bad job size", async () => {
    const bad = await compare([B1], { baseline: "no-such-run" });
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^error: .*no-such-run/);
    expect(bad.out).toBe("");
    const missing = await compare(["nope"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("nope");
    expect(wholeNumber("200_000")).toBe(200_000);
    expect(wholeNumber("1,000")).toBe(1000);
    expect(() => wholeNumber("0")).toThrow(/whole number/);
    expect(() => wholeNumber("2.5")).toThrow(/whole number/);
  });
});
