// The Projections page data over the site's fixture store: projections and costs of the shown
// runs, backtest partners, and cascades between runs on the same prompts at their judged rates.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { backtestPartners, CASCADE_REQUESTS, projectionsPage } from "../../../data-loaders/report/pages/projections.ts";
import type { RunDigest } from "../../../data-loaders/report/digest.ts";
import { digest } from "../fixture.ts";
import { fixtureStore, type FixtureStore } from "./fixture.ts";

let store: FixtureStore;
let data: Awaited<ReturnType<typeof projectionsPage>>;
beforeAll(async () => {
  store = await fixtureStore();
  data = await projectionsPage(store.dirs);
});
afterAll(() => store.remove());

describe("projectionsPage", () => {
  test("projects every shown run with a rate, a recorded one from its record", () => {
    expect(data.runs.map((r) => [r.id, r.projections[0]!.basis.method])).toEqual([
      ["alpha", "steady-state"],
      ["beta", "steady-state"],
      ["zeta", "recorded"],
      ["sweep", "steady-state"],
      // The fixture grid's cells (the removed one keeps its run).
      ["study_model-gemma-3-1b_concurrency-2", "steady-state"],
      ["study_model-gemma-3-1b_concurrency-4", "steady-state"],
      ["study_model-gemma-3-1b_concurrency-8", "steady-state"],
    ]);
    const alpha = data.runs.find((r) => r.id === "alpha")!;
    expect(alpha.costs.api[0]!.label).toBe("cheap API");
    expect(alpha.costs.projected).toHaveLength(alpha.projections.length);
  });

  test("plans cascades from the faster run to the slower one on the same prompts", () => {
    // The grid's cells sent alpha's prompts too: they pair with alpha and beta, faster first.
    const plain = data.cascades.filter((c) => !c.a.startsWith("study_") && !c.b.startsWith("study_"));
    expect(plain.map((c) => [c.a, c.b, c.priceA, c.priceB])).toEqual([["alpha", "beta", "cheap API", "strong API"]]);
    expect(data.cascades.length).toBeGreaterThan(plain.length);
    expect(plain[0]!.requests).toBe(CASCADE_REQUESTS);
    const kinds = plain[0]!.results.map((r) => r.rule.kind);
    expect(kinds).toContain("never");
    expect(kinds).toContain("always");
  });

  test("has no backtest in a store without two sizes of one model and concurrency", () => {
    expect(data.backtests).toEqual([]);
  });
});

describe("backtestPartners", () => {
  const run = (runId: string, requests: number, fields: Partial<RunDigest>) =>
    digest({
      experimentId: runId,
      runId,
      model: "m",
      ...fields,
      summary: { ...digest({ experimentId: "", runId: "", model: "" }).summary!, requests },
    });

  test("predicts each complete run from the largest smaller run of the same model and concurrency", () => {
    const small = run("small", 100, {});
    const middle = run("middle", 500, {});
    const large = run("large", 2000, {});
    const otherModel = run("other-model", 50, { model: "n" });
    const otherConcurrency = run("other-c", 50, { concurrency: 8 });
    const failed = run("failed", 300, { status: "failed" });
    const recorded = run("recorded", 200, { hasRows: false, source: "recorded" });
    const pairs = backtestPartners([large, small, middle, otherModel, otherConcurrency, failed, recorded]);
    expect(pairs.map((p) => [p.small.runId, p.large.runId])).toEqual([
      ["middle", "large"],
      ["small", "middle"],
    ]);
  });
});
