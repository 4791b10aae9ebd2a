// The Quality page data over the site's fixture store: quality of the shown runs with rows, the
// dominant prompt set side by side (answers published as each experiment says), and agreement.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dominantPromptSet, qualityPage } from "../../../data-loaders/report/pages/quality.ts";
import { fixtureStore, type FixtureStore } from "./fixture.ts";

let store: FixtureStore;
let data: Awaited<ReturnType<typeof qualityPage>>;
beforeAll(async () => {
  store = await fixtureStore();
  data = await qualityPage(store.dirs);
});
afterAll(() => store.remove());

const GRID_CELLS = [
  "study_model-gemma-3-1b_concurrency-2",
  "study_model-gemma-3-1b_concurrency-4",
  "study_model-gemma-3-1b_concurrency-8",
];

describe("qualityPage", () => {
  test("summarises the shown runs that have rows, valid answers per GPU-hour at the judged rate", () => {
    // The fixture grid's cells are runs like any other (the removed one keeps its run).
    expect(data.runs.map((r) => r.id)).toEqual(["alpha", "beta", "sweep", ...GRID_CELLS]);
    const alpha = data.runs.find((r) => r.id === "alpha")!;
    expect(alpha.quality!.checked).toBeGreaterThan(0);
    expect(alpha.quality!.validPerGpuHour).toBeCloseTo(
      alpha.requestThroughput! * alpha.quality!.schemaValidRate! * 3600,
      6,
    );
  });

  test("shows the prompt set most runs share side by side, in natural order, published as configured", () => {
    // The grid's cells sent alpha's prompts too.
    expect(data.sideBySideRuns).toEqual(["alpha", "beta", ...GRID_CELLS]);
    expect(data.sideBySide.map((p) => p.promptId)).toEqual(["p0", "p1", "p2", "p3", "p4"]);
    for (const p of data.sideBySide) {
      expect(p.answers.map((a) => a.id)).toEqual(["alpha", "beta", ...GRID_CELLS]);
      expect(p.answers[1]!.answer).toMatch(/… \[truncated, \d+ chars\]$/);
    }
  });

  test("measures agreement between runs on the same prompts that name the same field", () => {
    expect(data.agreements.map((a) => [a.a, a.b, a.field])).toEqual([["alpha", "beta", "recommendation"]]);
    expect(data.agreements[0]!.kappa).toBeGreaterThanOrEqual(-1);
  });
});

describe("dominantPromptSet", () => {
  test("takes the largest group of runs with one prompt hash, the first on a tie", () => {
    const runs = [
      { id: "a", promptHash: "x" },
      { id: "b", promptHash: "y" },
      { id: "c", promptHash: "y" },
    ];
    expect(dominantPromptSet(runs).map((r) => r.id)).toEqual(["b", "c"]);
    expect(dominantPromptSet(runs.slice(0, 2)).map((r) => r.id)).toEqual(["a"]);
    expect(dominantPromptSet([])).toEqual([]);
  });
});
