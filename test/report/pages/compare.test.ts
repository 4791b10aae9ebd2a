// The Compare page data over the site's fixture store: the shown runs at the rate each is judged
// at, sweep levels, and every ordered pair with its speedup and (same prompts only) paired differences.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { comparePage, PAIRED_REPLICATES } from "../../../data-loaders/report/pages/compare.ts";
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
    ]);
    const zeta = data.runs.find((r) => r.id === "zeta")!;
    expect(zeta).toMatchObject({ rate: 46.3, rateMethod: "recorded", latency: null, cdf: null });
    const alpha = data.runs.find((r) => r.id === "alpha")!;
    expect(alpha.rateMethod).toBe("steady-state");
    expect(alpha.latency!.e2elMs.n).toBe(29);
    expect(alpha.cdf!.e2elMs.length).toBeGreaterThan(0);
  });

  test("pairs every ordered pair; speedups invert and paired differences need the same prompts", () => {
    expect(data.pairs).toHaveLength(4 * 3);
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

  test("lists each sweep level", () => {
    expect(data.sweeps.map((s) => [s.id, s.concurrency, s.runId])).toEqual([
      ["sweep", 2, "run-s2"],
      ["sweep", 4, "run-s4"],
    ]);
  });
});
