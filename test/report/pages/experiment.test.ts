// One experiment page's data over the site's fixture store: measured, recorded, failed and
// pending experiments through one path, answers published as the experiment says.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { errorsByClass, experimentPage, reproduceCommand } from "../../../data-loaders/report/pages/experiment.ts";
import { CSV_ROW_LIMIT } from "../../../data-loaders/site/download-files.ts";
import { HOSTILE_ANSWER } from "../../site/fixture-store.ts";
import { fixtureStore, type FixtureStore } from "./fixture.ts";

let store: FixtureStore;
beforeAll(async () => {
  store = await fixtureStore();
});
afterAll(() => store.remove());
const page = (id: string) => experimentPage(id, store.dirs);

describe("experimentPage", () => {
  test("a simulated run: summary, rate, costs, errors by class, facts and its answers as stored", async () => {
    const alpha = await page("alpha");
    expect(alpha.entry).toMatchObject({ id: "alpha", state: "fresh" });
    expect(alpha.entry!.notesHtml).toContain("<strong>throughput</strong>");
    expect(alpha.digest).toMatchObject({
      source: "simulated",
      hasRows: true,
      summary: { requests: 30, completed: 29 },
    });
    expect(alpha.digest!.rate!.method).toBe("steady-state");
    expect(alpha.digest!.errorsByClass).toEqual([{ errorClass: "http_5xx", requests: 1 }]);
    expect(alpha.digest!.costs.api[0]!.label).toBe("cheap API");
    expect(alpha.manifest).toMatchObject({ runId: "run-a", reproduce: "npx tracker run alpha" });
    expect(alpha.manifest!.interruptions).toHaveLength(1);
    expect(alpha.runs.map((r) => [r.runId, r.downloads, r.rows, r.csv])).toEqual([["run-a", true, 30, true]]);
    expect(alpha.csvRowLimit).toBe(CSV_ROW_LIMIT);
    expect(alpha.answers).toHaveLength(30);
    expect(alpha.answers.map((a) => a.answer)).toContain(HOSTILE_ANSWER);
    // The server's view of TTFT from its histogram: 29 requests, 20 within 50 ms, the rest within 100 ms.
    expect(alpha.digest!.serverLatency).toEqual({
      ttftMs: {
        count: 29,
        meanMs: expect.closeTo(50, 9),
        p50Ms: expect.closeTo(0.05 * (14.5 / 20) * 1000, 9),
        p90Ms: expect.closeTo((0.05 + 0.05 * ((26.1 - 20) / 9)) * 1000, 9),
        p99Ms: expect.closeTo((0.05 + 0.05 * ((28.71 - 20) / 9)) * 1000, 9),
      },
      itlMs: null,
      e2elMs: null,
    });
    expect(alpha.manifest!.loadBreakdown).toEqual([]);
  });

  test("a run published truncated: answers truncated, the reproduce command at its commit", async () => {
    const beta = await page("beta");
    expect(beta.settings.publish).toBe("truncated");
    for (const a of beta.answers) expect(a.answer).toMatch(/… \[truncated, \d+ chars\]$/);
    expect(beta.manifest!.reproduce).toBe(
      "git checkout 0123456789abcdef0123456789abcdef01234567 && npm install && npx tracker run beta",
    );
    expect(beta.manifest!.launch!.kv_cache_tokens).toBe(14_560);
    // Where its 678 s went, from the start-up log's own durations.
    expect(beta.manifest!.loadBreakdown.map((s) => [s.label, Number(s.seconds.toFixed(6))])).toEqual([
      ["weights", 41.2],
      ["model loading, other", 11.3],
      ["torch.compile", 120.4],
      ["CUDA-graph capture", 31],
      ["engine init, other", 408.7],
      ["process start and API server", 64.3],
      ["until /health answered", 1.1],
    ]);
    expect(beta.digest!.serverLatency).toBeNull();
  });

  test("a recorded run fills the same summary, null where nothing was recorded", async () => {
    const zeta = await page("zeta");
    expect(zeta.digest).toMatchObject({
      source: "recorded",
      hasRows: false,
      rate: { requestThroughput: 46.3, method: "recorded" },
      summary: { requests: 5000, totalTokenThroughput: 19_813, missingUsage: null },
      histograms: null,
      errorsByClass: [],
    });
    expect(zeta.digest!.summary!.ttftMs.p50).toBeNull();
    expect(zeta.digest!.figures).toMatchObject({ durationS: 108 });
    expect(zeta.manifest!.recorded!.origin).toBe("hand-written report, RTX 4080");
    expect(zeta.answers).toEqual([]);
    expect(zeta.runs).toEqual([expect.objectContaining({ runId: "run-r", downloads: false, rows: null, csv: false })]);
  });

  test("a failed run has facts but no figures; a pending experiment has neither", async () => {
    const delta = await page("delta");
    expect(delta.digest).toMatchObject({ status: "failed", summary: null, rate: null, projections: [] });
    expect(delta.manifest!.reason).toBe("server never became healthy");
    const gamma = await page("gamma");
    expect(gamma).toMatchObject({ entry: { state: "pending" }, digest: null, manifest: null, runs: [], answers: [] });
    const missing = await page("no-such-experiment");
    expect(missing).toMatchObject({ entry: null, digest: null, manifest: null, answers: [] });
  });

  test("a sweep lists every level's run", async () => {
    const sweep = await page("sweep");
    expect(sweep.runs.map((r) => [r.runId, r.level])).toEqual([
      ["run-s2", 2],
      ["run-s4", 4],
    ]);
  });
});

describe("errorsByClass and reproduceCommand", () => {
  test("count failed requests per class, most first", () => {
    const outcomes = [
      { status: "ok", error_class: null, finish_reason: "stop", count: 9 },
      { status: "error", error_class: "timeout", finish_reason: null, count: 1 },
      { status: "error", error_class: "http_5xx", finish_reason: null, count: 2 },
      { status: "error", error_class: "timeout", finish_reason: "length", count: 2 },
      { status: "error", error_class: null, finish_reason: null, count: 1 },
    ] as Parameters<typeof errorsByClass>[0];
    expect(errorsByClass(outcomes)).toEqual([
      { errorClass: "timeout", requests: 3 },
      { errorClass: "http_5xx", requests: 2 },
      { errorClass: "unknown", requests: 1 },
    ]);
  });

  test("run the experiment again, at the commit when there is one", () => {
    expect(reproduceCommand("a", null)).toBe("npx tracker run a");
    expect(reproduceCommand("a", "abc")).toBe("git checkout abc && npm install && npx tracker run a");
  });
});
