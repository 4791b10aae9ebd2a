// `tracker report`: the summary the users wrote by hand, generated from the recorded history as
// text and as Markdown. Expected figures come from the stored rates through the formulas.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runReport, type ReportOptions } from "../data-loaders/report-command.ts";
import { historyData } from "../data-loaders/report/comparison.ts";
import { storeView } from "../data-loaders/report/store.ts";
import { summary } from "../data-loaders/report/summary.ts";
import { duration, money, rate } from "../data-loaders/report/text-table.ts";
import { EXPERIMENTS, recordedStore } from "./helpers/recorded-store.ts";
import { tempDir } from "./helpers/temp.ts";

const tmp = tempDir("report");
const results = join(tmp.dir, "results");
const dirs = { results, experiments: EXPERIMENTS };

beforeAll(() => recordedStore(results), 120_000);
afterAll(() => tmp.cleanup());

async function report(ids: string[], over: Partial<ReportOptions> = {}) {
  let out = "";
  let err = "";
  const code = await runReport(
    ids,
    { rankBy: "requests", ...over },
    { out: (s) => (out += s), err: (s) => (err += s), dirs },
  );
  return { code, out, err };
}

describe("tracker report", () => {
  it("writes Markdown: ranking against the slowest run, times, costs, bar charts and selection notes", async () => {
    const { code, out, err } = await report([], { markdown: true });
    expect([code, err]).toEqual([0, ""]);
    const s = summary(historyData(await storeView(dirs)));
    const ranked = s.report.comparison.runs.filter((c) => c.rank !== null);
    const slowest = ranked.at(-1)!;
    expect(s.report.baselineId).toBe(slowest.id);
    expect(out).toMatch(/^## Benchmark summary\n/);
    expect(out).toContain(`Ratios are against ${slowest.id} (the slowest run by requests/s`);
    // Every ranked run is a Markdown table row with its rank and its requests/s as the formula gives it.
    for (const c of ranked) {
      const r = s.report.runs.find((x) => x.id === c.id)!;
      expect(out).toMatch(
        new RegExp(
          `^\\| ${c.rank} \\| ${c.id.replaceAll(".", "\\.")} \\| .*\\| ${rate(r.rates.requests)!.replaceAll(".", "\\.")} \\(d\\) \\|`,
          "m",
        ),
      );
    }
    const fastest = ranked[0]!;
    expect(out).toContain(
      `- ${fastest.id} is the fastest by requests/s (${fastest.ratios.requests!.toFixed(2)}× ${slowest.id}).`,
    );
    // 200K time is requests / rate; the bar chart is fenced so it keeps its alignment.
    const t = fastest.times.find((x) => x.requests === 200_000)!;
    expect(t.seconds).toBeCloseTo(200_000 / fastest.rates.requests!, 6);
    expect(out).toContain(
      `| ${fastest.id} | ${duration(fastest.times.find((x) => x.requests === 50_000)!.seconds)} | ${duration(t.seconds)} |`,
    );
    expect(out).toContain("### Throughput: requests/s\n\n```text\n");
    // The price report 001's $9.31 implies, and the Llama 1B costed at it from its own tokens.
    const llama = s.report.comparison.runs.find((c) => c.id === "recorded-llama-3.2-1b-rtx-4080-5k")!;
    const cost = llama.costs[0]!;
    expect(out).toContain(`| ${llama.id} | ${cost.label} | `);
    expect(out).toContain(money(cost.byCount.find((x) => x.requests === 100_000)!.dollars)!);
    expect(out).toContain("_(rule: the runs serve more than one model)_");
    // The reports' figures that do not hold are listed with their lines, e.g. Llama's "$4.05".
    const differs = s.report.stated.find(
      (f) => f.at.startsWith("001:80") && f.experimentId === llama.id && f.figure === "cost",
    )!;
    expect([differs.written, differs.verdict]).toEqual(["$4.05", "differs"]);
    const recomputed = `$${differs.recomputed!.toFixed(differs.decimals)}`.replaceAll(".", "\\.").replace("$", "\\$");
    expect(out).toMatch(
      new RegExp(
        `^\\| [^|]*001:80[^|]* \\| recorded-llama-3\\.2-1b-rtx-4080-5k \\| cost of 100,000 requests .*"\\$4\\.05" \\| ${recomputed} \\| differs \\|`,
        "m",
      ),
    );
  });

  it("writes aligned text for chosen runs and a given baseline", async () => {
    const ids = ["recorded-gemma-3-1b-rtx-4080-100", "recorded-gemma-3-4b-rtx-4080-100"];
    const { code, out } = await report(ids, { baseline: ids[1] });
    expect(code).toBe(0);
    expect(out).not.toContain("| ---");
    expect(out).toContain(`Ratios are against ${ids[1]} (the baseline given)`);
    expect(out).not.toContain("recorded-gemma-3-12b-rtx-4080-100 ");
    const s = summary(historyData(await storeView(dirs)), { ids, baseline: ids[1] });
    const c = s.report.comparison.runs.find((x) => x.id === ids[0])!;
    expect(c.ratios.requests).toBeCloseTo(
      c.rates.requests! / s.report.runs.find((r) => r.id === ids[1])!.rates.requests!,
      12,
    );
    expect(out).toContain(`${c.ratios.requests!.toFixed(2)}× (d)`);
  });

  it("--date names the day in the header, so the same store gives the same bytes; a bad day is an error", async () => {
    const first = await report([], { markdown: true, date: "2025-10-28" });
    const second = await report([], { markdown: true, date: "2025-10-28" });
    expect([first.code, first.err]).toEqual([0, ""]);
    expect(first.out).toContain("Generated by `npx tracker report` on 2025-10-28 from ");
    expect(second.out).toBe(first.out);
    const today = await report([], { markdown: true });
    expect(today.out).toContain(`on ${new Date().toISOString().slice(0, 10)} from `);
    for (const date of ["2025-02-30", "28/10/2025", "2025-10-28T10:00"]) {
      const bad = await report([], { date });
      expect([bad.code, bad.out, bad.err]).toEqual([
        1,
        "",
        `error: --date: "${date}" is not a day such as 2025-10-28\n`,
      ]);
    }
  });

  it("names a run without figures", async () => {
    const { code, out, err } = await report(["recorded-no-such-run"]);
    expect([code, out]).toEqual([1, ""]);
    expect(err).toBe("error: no run with figures for recorded-no-such-run (see `tracker list`)\n");
  });
});
