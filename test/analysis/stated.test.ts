// analysis/stated.ts: the figures a report derived, recomputed from the records with the tracker's
// formulas, their bounds from the rounding of the inputs, and the verdict beside the report's
// figure. Expected values come from the formulas (speedup, blendedPrice, shareCascade) applied to
// the fixture's figures; the shipped history is checked for differences without a reason.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shareCascade } from "../../data-loaders/analysis/cascade.ts";
import { blendedPrice, tokenCost } from "../../data-loaders/analysis/cost.ts";
import { speedup } from "../../data-loaders/analysis/paired.ts";
import { derivedPrices, recomputeStated, unitOf, type StatedRun } from "../../data-loaders/analysis/stated.ts";
import { loadExperiments } from "../../data-loaders/experiment/load.ts";
import { recordedAggregates, storedRecordSchema } from "../../data-loaders/experiment/recorded-schema.ts";
import { recordedSummary } from "../../data-loaders/metrics/recorded.ts";
import { PROJECT } from "../helpers/temp.ts";

const at = "000:1";
const PRICE = "hosted";

/** A recorded run: 100 requests, the given duration and token totals, with what else is given. */
function run(id: string, durationS: number, tokens: [number, number] | null, extra: Record<string, unknown> = {}) {
  const figures = { requests: 100, completed: 100, durationS, ...(tokens && { totalInputTokens: tokens[0] }) };
  const record = storedRecordSchema.parse({
    model: "m",
    hardware: "RTX 4080",
    origin: "o",
    figures: tokens ? { ...figures, totalOutputTokens: tokens[1] } : figures,
    ...extra,
  });
  return { id, record, fixed: null, gpuMemoryGiB: 16 } satisfies StatedRun;
}

// The baseline: 200.0 s for 100 requests, 500 tokens each, and a stated cost the price is derived from.
const baseline = run("base", 200, [30_000, 20_000], {
  sources: { "figures.durationS": { at, written: "200.0 s" } },
  prices: [{ label: PRICE, from: { at, written: "$10.00", requests: 100_000 } }],
});
// The candidate: four times as fast (50.0 s), 400 tokens a request of which 100 output.
const candidate = (stated: unknown[], sources: Record<string, unknown> = {}) =>
  run("cand", 50, [30_000, 10_000], {
    stated,
    sources: { "figures.durationS": { at, written: "50.0 s" }, ...sources },
  });

function one(stated: unknown, sources: Record<string, unknown> = {}) {
  const figures = recomputeStated([candidate([stated], sources), baseline]);
  return figures.find((f) => f.experimentId === "cand" && f.key === "0")!;
}

describe("recomputeStated", () => {
  it("a speedup is the ratio of the judged rates; its bounds move each sourced input by half its last digit", () => {
    const f = one({ figure: "speedup", baseline: "base", at, written: "4.00x faster" });
    const point = speedup(100 / 200, 100 / 50, [1]).speedup;
    expect(f.recomputed).toBeCloseTo(point, 12);
    // The first-order worst case: each duration moved alone by ± 0.05 s, the deviations added up.
    const lo = point + (100 / 50 / (100 / 199.95) - point) + (100 / 50.05 / (100 / 200) - point);
    const hi = point + (100 / 50 / (100 / 200.05) - point) + (100 / 49.95 / (100 / 200) - point);
    expect(f.lo).toBeCloseTo(lo, 12);
    expect(f.hi).toBeCloseTo(hi, 12);
    expect(f).toMatchObject({ value: 4, plusMinus: 0.005, unit: "×", decimals: 3, verdict: "agrees", other: "base" });
    expect(f.why).toBe("agrees at the report's precision");
    expect(f.explained).toBe(false);
  });

  it("agrees within the rounding of its inputs when the point misses the report's figure but the bounds meet it", () => {
    const f = one({ figure: "speedup", baseline: "base", at, written: "4.004x" });
    expect(f.verdict).toBe("agrees");
    expect(f.why).toMatch(/^agrees within the rounding of the figures it comes from \(3\.99\d … 4\.00\d\)$/);
    const off = one({ figure: "speedup", baseline: "base", at, written: "4.2x" });
    expect([off.verdict, off.why, off.explained]).toEqual([
      "differs",
      "differs, and the record gives no reason",
      false,
    ]);
  });

  it("keeps the record's reason for a difference", () => {
    const why = "the report divided output tokens by a total-token rate";
    const f = one({ figure: "speedup", baseline: "base", by: "outputTokens", at, written: "9x", why });
    expect(f.recomputed).toBeCloseTo((100 * 100) / 50 / ((100 * 200) / 200), 12);
    expect([f.verdict, f.why, f.explained, f.params]).toEqual(["differs", why, true, { by: "outputTokens" }]);
  });

  it("time for N requests, and time saved against the baseline, in the report's unit", () => {
    const time = one({ figure: "time", requests: 1000, unit: "min", at, written: "8.3 minutes" });
    expect(time.recomputed).toBeCloseTo(1000 / 2 / 60, 12);
    expect([time.verdict, time.unit, time.params]).toEqual(["agrees", "min", { requests: 1000 }]);
    const saved = one({ figure: "timeSaved", baseline: "base", requests: 1000, unit: "s", at, written: "1,500 s" });
    expect(saved.recomputed).toBeCloseTo(speedup(0.5, 2, [1000]).timeSaved[0]!.savedS, 9);
    expect(saved.verdict).toBe("agrees");
  });

  it("costs at the price the baseline's stated cost implies at its tokens per request", () => {
    const price = blendedPrice(PRICE, 10, 100_000, 500);
    const each = tokenCost(price, 300, 100);
    const cost = one({ figure: "cost", requests: 100_000, price: PRICE, at, written: "$8.00" });
    expect(cost.recomputed).toBeCloseTo(100_000 * each, 12);
    expect([cost.verdict, cost.unit]).toEqual(["agrees", "$"]);
    const cheaper = one({ figure: "cheaper", baseline: "base", requests: 100_000, price: PRICE, at, written: "20%" });
    expect(cheaper.recomputed).toBeCloseTo(100 * (1 - each / tokenCost(price, 300, 200)), 12);
    // The baseline's $10.00 is ± half a cent: the derived price, and so the cost, moves with it.
    expect(cost.hi! - cost.lo!).toBeCloseTo(
      2 * 100_000 * tokenCost(blendedPrice(PRICE, 0.005, 100_000, 500), 300, 100),
    );
    expect(derivedPrices([candidate([]), baseline])).toEqual([{ label: PRICE, experimentId: "base", price }]);
  });

  it("the hybrid: screen all with this run, escalate a share to the other, each part in its unit", () => {
    const price = blendedPrice(PRICE, 10, 100_000, 500);
    const plan = shareCascade(
      { requestThroughput: 2, apiPerRequest: tokenCost(price, 300, 100) },
      { requestThroughput: 0.5, apiPerRequest: tokenCost(price, 300, 200) },
      0.2,
      100_000,
    );
    const hybrid = (part: string, written: string) =>
      one({ figure: "hybrid", escalateTo: "base", share: 0.2, requests: 100_000, price: PRICE, part, at, written });
    expect(hybrid("total", "$10.00").recomputed).toBeCloseTo(plan.apiTotal!, 12);
    expect(hybrid("escalated", "$2.00").recomputed).toBeCloseTo(plan.apiEscalated!, 12);
    const saving = hybrid("saving", "0%");
    expect(saving.recomputed).toBeCloseTo(100 * plan.saving!, 12);
    expect([saving.unit, saving.other, saving.verdict]).toEqual(["%", "base", "agrees"]);
  });

  it("token figures: shares, mean totals, shorter outputs", () => {
    expect(one({ figure: "inputShare", at, written: "75%" }).recomputed).toBeCloseTo(75, 12);
    expect(one({ figure: "meanTotalTokens", at, written: "400" }).recomputed).toBe(400);
    expect(one({ figure: "tokens", requests: 1000, at, written: "400K" }).recomputed).toBe(400_000);
    const shorter = one({ figure: "shorterOutputs", baseline: "base", at, written: "50% shorter" });
    expect([shorter.recomputed, shorter.verdict]).toEqual([50, "agrees"]);
  });

  it("a restated rate is checked against its counts and duration, never against itself", () => {
    const figures = recomputeStated([
      run("r", 50, null, {
        figures: { requests: 100, completed: 100, durationS: 50, requestThroughput: 2.2 },
        workers: [{ worker: 0, requests: 100, completed: 100, durationS: 49, requestThroughput: 2.04 }],
        sources: {
          "figures.requestThroughput": { at, written: "2.2 req/s" },
          "workers.0.requestThroughput": { at, written: "2.04/s" },
        },
      }),
    ]);
    expect(figures.map((f) => [f.key, f.figure, f.recomputed, f.verdict])).toEqual([
      ["figures.requestThroughput", "requestThroughput", 2, "differs"],
      ["workers.0.requestThroughput", "requestThroughput", 100 / 49, "agrees"],
    ]);
  });

  it("unknown when the stored data do not give the figure, or the other run is missing", () => {
    const noTokens = recomputeStated([
      run("n", 50, null, { stated: [{ figure: "tokens", requests: 10, at, written: "4,000" }] }),
    ]);
    expect(noTokens[0]).toMatchObject({ verdict: "unknown", recomputed: null, lo: null, hi: null });
    expect(noTokens[0]!.why).toBe("not recomputable: the stored data lack a figure it needs");
    const alone = recomputeStated([candidate([{ figure: "speedup", baseline: "base", at, written: "4x" }])]);
    expect(alone[0]!.verdict).toBe("unknown");
  });

  it("a run with per-request rows is exact: only the record's inputs move the bounds", () => {
    const exact = recomputeStated([candidate([{ figure: "speedup", baseline: "fixed", at, written: "4x" }])]);
    expect(exact[0]!.verdict).toBe("unknown");
    // A measured run's figures, exact (its summary shaped as a recorded one's, without a record).
    const summary = recordedSummary(
      recordedAggregates({ origin: "", figures: { requests: 100, completed: 100, durationS: 200 } }),
    );
    const fixed: StatedRun = {
      id: "fixed",
      record: null,
      gpuMemoryGiB: null,
      fixed: {
        summary,
        derived: { requestThroughput: 0.5, outputThroughput: null, totalTokenThroughput: null },
        rate: 0.5,
        text: null,
        loadTimeS: null,
        downloadTimeS: null,
        memoryInUseGiB: null,
        progressDone: null,
      },
    };
    const f = recomputeStated([candidate([{ figure: "speedup", baseline: "fixed", at, written: "4x" }]), fixed])[0]!;
    expect(f.recomputed).toBeCloseTo(4, 12);
    expect(f.lo).toBeCloseTo(100 / 50.05 / 0.5, 12);
    expect(f.hi).toBeCloseTo(100 / 49.95 / 0.5, 12);
  });

  it("headroom is the GPU's memory less what the server used once ready", () => {
    const r = run("h", 50, null, {
      launch: { command: "vllm serve m", gpuMemoryAfterMib: 12_288 },
      stated: [{ figure: "headroom", at, written: "4 GB" }],
    });
    expect(recomputeStated([r])[0]).toMatchObject({ recomputed: 4, unit: "GB", verdict: "agrees" });
  });
});

describe("unitOf", () => {
  it("names the unit a report writes each figure in", () => {
    expect(unitOf({ figure: "requestThroughput" })).toBe("req/s");
    expect(unitOf({ figure: "outputThroughput" })).toBe("tok/s");
    expect(unitOf({ figure: "timesSlower" })).toBe("×");
    expect(unitOf({ figure: "hybrid", part: "saving" })).toBe("%");
    expect(unitOf({ figure: "hybrid", part: "total" })).toBe("$");
    expect(unitOf({ figure: "time", unit: "days" })).toBe("days");
    expect(unitOf({ figure: "successRate" })).toBe("%");
  });
});

describe("the shipped history", async () => {
  const load = await loadExperiments(join(PROJECT, "experiments"));
  const runs: StatedRun[] = load.recorded
    .filter((r) => r.recorded.status === "complete" || r.recorded.status === "partial")
    .map((r) => {
      const { title: _title, notes: _notes, ...rest } = r.recorded;
      return { id: r.id, record: storedRecordSchema.parse(rest), fixed: null, gpuMemoryGiB: 16 };
    });
  const figures = recomputeStated(runs);

  it("every figure a report derived either agrees at its precision or says why not", () => {
    expect(figures.length).toBeGreaterThan(250);
    expect(figures.filter((f) => f.verdict === "differs" && !f.explained)).toEqual([]);
    // Unknown without a reason only for a record's own figure that its counts cannot give.
    const unexplained = figures.filter((f) => f.verdict === "unknown" && !f.explained);
    expect(unexplained.every((f) => f.key.startsWith("figures."))).toBe(true);
    const agrees = figures.filter((f) => f.verdict === "agrees").length;
    expect(agrees / figures.length).toBeGreaterThan(0.7);
  });

  it("report 000's speedups against the 12B agree", () => {
    const against12b = figures.filter((f) => f.other === "recorded-gemma-3-12b-rtx-4080-100" && f.figure === "speedup");
    expect(against12b.map((f) => [f.written, f.verdict])).toEqual(
      expect.arrayContaining([
        ["4.07x faster", "agrees"],
        ["2.31x faster", "agrees"],
      ]),
    );
  });
});
