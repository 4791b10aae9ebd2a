// The Compare page data over the site's fixture store: the shown runs at the rate each is judged
// at, sweep levels, and every ordered pair with its speedup and (same prompts only) paired differences.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { importFile } from "../../../data-loaders/import/dispatch.ts";
import { shareCascade } from "../../../data-loaders/analysis/cascade.ts";
import { tokenCost } from "../../../data-loaders/analysis/cost.ts";
import { compareWith } from "../../../data-loaders/report/comparison.ts";
import { comparePage, PAIRED_REPLICATES } from "../../../data-loaders/report/pages/compare.ts";
import { PROJECT, tempDir } from "../../helpers/temp.ts";
import { fixtureStore, type FixtureStore } from "./fixture.ts";

let store: FixtureStore;
let data: Awaited<ReturnType<typeof comparePage>>;
beforeAll(async () => {
  store = await fixtureStore();
  data = await comparePage(store.dirs);
});
afterAll(() => store.remove());

describe("comparePage", () => {
  test("compares the run each experiment shows that has figures, recorded ones included", () => {
    expect(data.runs.map((r) => [r.id, r.source, r.runId])).toEqual([
      ["alpha", "simulated", "run-a"],
      ["beta", "measured", "run-b"],
      ["zeta", "recorded", "run-r"],
      ["sweep", "simulated", "run-s4"],
      // The grid's cells are runs like any other; the removed cell keeps its run.
      ["study_model-gemma-3-1b_concurrency-2", "simulated", "run-g2"],
      ["study_model-gemma-3-1b_concurrency-4", "simulated", "run-g4"],
      ["study_model-gemma-3-1b_concurrency-8", "simulated", "run-g8"],
    ]);
    const zeta = data.runs.find((r) => r.id === "zeta")!;
    expect(zeta).toMatchObject({ rate: 46.3, rateMethod: "recorded", latency: null, cdf: null });
    const alpha = data.runs.find((r) => r.id === "alpha")!;
    expect(alpha.rateMethod).toBe("steady-state");
    expect(alpha.latency!.e2elMs.n).toBe(29);
    expect(alpha.cdf!.e2elMs.length).toBeGreaterThan(0);
  });

  test("pairs every ordered pair; speedups invert and paired differences need the same prompts", () => {
    expect(data.pairs).toHaveLength(7 * 6);
    const pair = (a: string, b: string) => data.pairs.find((p) => p.baseline === a && p.candidate === b)!;
    const ab = pair("alpha", "beta");
    const ba = pair("beta", "alpha");
    const rate = (id: string) => data.runs.find((r) => r.id === id)!.rate!;
    expect(ab.speedup!.speedup).toBeCloseTo(rate("beta") / rate("alpha"), 12);
    expect(ab.speedup!.speedup * ba.speedup!.speedup).toBeCloseTo(1, 12);
    // alpha and beta sent the same prompts; the difference one way is minus the other.
    const e2e = (p: typeof ab) => p.paired!.differences.find((d) => d.metric === "e2e_ms")!;
    expect(e2e(ab).n).toBe(5);
    expect(e2e(ba).meanDifference).toBeCloseTo(-e2e(ab).meanDifference!, 9);
    expect(pair("alpha", "sweep").paired).toBeNull();
    expect(pair("alpha", "zeta").paired).toBeNull();
    expect(data.pairedReplicates).toBe(PAIRED_REPLICATES);
  });

  test("the hybrid plans runs with per-request rows as it plans recorded ones, at a price both are costed at", () => {
    const price = { label: "shared", inputPerMTok: 0.1, outputPerMTok: 0.3 };
    const history = {
      ...data.history,
      runs: data.history.runs.map((r) => (r.id === "alpha" || r.id === "beta" ? { ...r, prices: [price] } : r)),
    };
    const run = (id: string) => history.runs.find((r) => r.id === id)!;
    expect([run("alpha").hasRows, run("beta").hasRows]).toEqual([true, true]);
    const alpha = compareWith(history, "beta", { share: 0.2, requests: 100_000 }).runs.find((r) => r.id === "alpha")!;
    const side = (id: string) => ({
      requestThroughput: run(id).rates.requests,
      apiPerRequest: tokenCost(price, run(id).meanPromptTokens!, run(id).meanCompletionTokens!),
    });
    expect(alpha.hybrid).toEqual([{ label: "shared", ...shareCascade(side("alpha"), side("beta"), 0.2, 100_000) }]);
    expect(alpha.hybrid[0]!.apiTotal).toBeGreaterThan(0);
    // Without a price both runs are costed at, there is no plan.
    expect(compareWith(data.history, "beta").runs.find((r) => r.id === "alpha")!.hybrid).toEqual([]);
  });

  test("lists each sweep level, a grid's concurrency axis included", () => {
    expect(data.sweeps.map((s) => [s.id, s.concurrency, s.runId])).toEqual([
      ["study", 2, "run-g2"],
      ["study", 4, "run-g4"],
      ["study", 8, "run-g8"],
      ["sweep", 2, "run-s2"],
      ["sweep", 4, "run-s4"],
    ]);
  });
});

describe("comparePage with imported runs", () => {
  const tmp = tempDir("compare-imported");
  afterAll(() => tmp.cleanup());

  test("names the tool that measured each imported run, beside the fixture's own runs", async () => {
    const experiments = join(tmp.dir, "experiments");
    const results = join(tmp.dir, "results");
    mkdirSync(experiments, { recursive: true });
    const fixtures = join(PROJECT, "test/fixtures");
    await importFile(
      "vllm-bench",
      join(fixtures, "vllm-bench/openai-chat-infqps-concurrency4-Qwen3-4B-20260301-090000.json"),
      {
        experimentsDir: experiments,
        resultsRoot: results,
        experimentId: "from-vllm",
      },
    );
    await importFile("report-v0.2", join(fixtures, "report-v0.2/br-v0.2-guidellm.json"), {
      experimentsDir: experiments,
      resultsRoot: results,
      experimentId: "from-llmd",
    });
    const page = await comparePage({ results, experiments });
    const byId = Object.fromEntries(page.runs.map((r) => [r.id, r]));
    expect(byId["from-vllm"]).toMatchObject({ source: "recorded", tool: "vllm bench serve", hasRows: true });
    // A Benchmark Report names its load generator: the tool is GuideLLM, the figures aggregates only.
    expect(byId["from-llmd"]).toMatchObject({ source: "recorded", tool: "guidellm", hasRows: false });
    // The shown runs of the fixture store carry the same fields (no tool: measured here).
    expect(data.runs.find((r) => r.id === "alpha")).toMatchObject({ tool: null, hasRows: true });
    expect(data.runs.find((r) => r.id === "zeta")).toMatchObject({ tool: null, hasRows: false });
  });
});
