// The pages' recorded-history data over the shipped recorded experiments: Compare's comparison
// for every baseline (the 12B one reproduces report 000), a recorded experiment page's stated
// figures recomputed, a planned run's record, and the Quality page's quoted answers by prompt.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { speedup } from "../../../data-loaders/analysis/paired.ts";
import { comparePage } from "../../../data-loaders/report/pages/compare.ts";
import { experimentPage } from "../../../data-loaders/report/pages/experiment.ts";
import { qualityPage } from "../../../data-loaders/report/pages/quality.ts";
import { EXPERIMENTS, recordedStore } from "../../helpers/recorded-store.ts";
import { tempDir } from "../../helpers/temp.ts";

const tmp = tempDir("history-pages");
const dirs = { results: join(tmp.dir, "results"), experiments: EXPERIMENTS };
const B12 = "recorded-gemma-3-12b-rtx-4080-100";
const B1 = "recorded-gemma-3-1b-rtx-4080-100";

beforeAll(() => recordedStore(dirs.results), 120_000);
afterAll(() => tmp.cleanup());

describe("recorded history on the pages", () => {
  test("Compare: every run with a rate can be the baseline; the 12B one gives report 000's speedup", async () => {
    const data = await comparePage(dirs);
    const withRate = data.history.runs.filter((r) => r.rates.requests !== null).map((r) => r.id);
    for (const id of withRate) expect(data.comparisons[id]!.baselineId).toBe(id);
    const c = data.comparisons[B12]!;
    const rate = (id: string) => data.history.runs.find((r) => r.id === id)!.rates.requests!;
    const one = c.runs.find((r) => r.id === B1)!;
    expect(one.ratios.requests).toBeCloseTo(speedup(rate(B12), rate(B1)).speedup, 12);
    expect(c.runs.find((r) => r.id === B12)!.isBaseline).toBe(true);
    // Runs that did not run are listed apart, not compared.
    expect(data.history.failed.map((f) => f.id)).toContain("recorded-gpt-oss-20b-rtx-4080");
    expect(data.history.planned.map((p) => p.id)).toContain("recorded-llama-3.2-3b-rtx-4080-5k");
  }, 60_000);

  test("experiment page: a recorded run's stated figures, and a planned run's record without a run", async () => {
    const page = await experimentPage(B1, dirs);
    const saved = page.history!.stated.find((f) => f.written === "185.2 hours saved")!;
    expect([saved.other, saved.verdict]).toEqual([B12, "agrees"]);
    // A figure that does not hold is shown beside the recomputation, with the record's reason.
    const llama = await experimentPage("recorded-llama-3.2-1b-rtx-4080-5k", dirs);
    const cost = llama.history!.stated.find((f) => f.figure === "cost" && f.written === "$4.05")!;
    expect([cost.verdict, cost.explained]).toEqual(["differs", true]);
    expect(cost.why.length).toBeGreaterThan(20);
    expect(cost.recomputedText).toContain(cost.recomputed!.toFixed(cost.decimals));
    const planned = await experimentPage("recorded-llama-3.2-3b-rtx-4080-5k", dirs);
    expect(planned.history!.record.status).toBe("pending");
    expect(planned.history!.stated).toEqual([]);
    expect((await experimentPage("not-recorded", dirs)).history).toBeNull();
  }, 60_000);

  test("Quality: the answers the reports quote, grouped by prompt", async () => {
    const { recordedSideBySide } = await qualityPage(dirs);
    expect(recordedSideBySide.length).toBeGreaterThan(0);
    const ids = recordedSideBySide.flatMap((p) => p.answers.map((a) => a.id));
    expect(ids).toEqual(expect.arrayContaining([B12, B1]));
    for (const p of recordedSideBySide) for (const a of p.answers) expect(typeof a.text).toBe("string");
  }, 60_000);
});
