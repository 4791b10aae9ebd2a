// The users' recorded history on the site, in headless Debian Chromium: the shipped recorded
// experiments (experiments/recorded-*.ts) are materialised into a fresh store, the site is built
// from it as `tracker build` builds it, and the Compare page, with the Gemma 3 12B run as the
// baseline, shows the reports' comparison recomputed (4.07× and 2.31× faster, 185.2 h and 139.3 h
// saved on 200K requests) beside what the report says; the 5K runs show their ratios in tokens/s
// and requests/s and the cost at the price report 001's figure implies. Expected figures are the
// formulas' (speedup, requests / rate, tokenCost) on the stored rates, written with the page's own
// formatters; the reports' text is checked to agree with them at the report's precision.
import { cpSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { speedup } from "../../data-loaders/analysis/paired.ts";
import { tokenCost } from "../../data-loaders/analysis/cost.ts";
import { historyData, type HistoryData } from "../../data-loaders/report/comparison.ts";
import { storeView } from "../../data-loaders/report/store.ts";
import { loadExperiments } from "../../data-loaders/experiment/load.ts";
import { materialiseRecorded, recordedIndexEntries } from "../../data-loaders/experiment/recorded.ts";
import { planExperiments, writeExperimentIndex } from "../../data-loaders/run/plan.ts";
import { buildSite } from "../../data-loaders/site/build.ts";
import { PROJECT, projectCopy, scratchDir } from "../site/site-build.ts";
import { serveStatic, type StaticServer } from "../site/static-server.ts";

// The page's own number formatting (plain JS without types, so imported through a typed view).
const FORMAT_JS = "../../src/components/format.js";
const { formatDuration, formatMoney, formatNumber } = (await import(FORMAT_JS)) as {
  formatDuration(seconds: number): string;
  formatMoney(dollars: number): string;
  formatNumber(x: number, digits?: number): string;
};
const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = join(PROJECT, "test-results/screenshots");
const BASELINE = "Gemma 3 12B on the RTX 4080: 100 requests at 4 workers (recorded)";
const B12 = "recorded-gemma-3-12b-rtx-4080-100";
const G4 = "recorded-gemma-3-4b-rtx-4080-5k";
const L1 = "recorded-llama-3.2-1b-rtx-4080-5k";

describe.skipIf(!process.env.CI && !existsSync(CHROMIUM))("Compare with the recorded history, in Chromium", () => {
  const scratch = scratchDir("tracker-compare-site-");
  let server: StaticServer;
  let browser: Browser;
  let data: HistoryData;
  const run = (id: string) => data.runs.find((r) => r.id === id)!;
  const rate = (id: string) => run(id).rates.requests!;

  beforeAll(async () => {
    const root = join(scratch.dir, "project");
    projectCopy(root);
    const experiments = join(root, "experiments");
    mkdirSync(experiments, { recursive: true });
    for (const f of readdirSync(join(PROJECT, "experiments")).filter((f) => f.startsWith("recorded-")))
      cpSync(join(PROJECT, "experiments", f), join(experiments, f));
    const results = join(root, "results");
    const load = await loadExperiments(experiments);
    expect(load.errors).toEqual([]);
    materialiseRecorded(load.recorded, results);
    writeExperimentIndex(results, planExperiments([], results), [], recordedIndexEntries(load.recorded, results));
    let log = "";
    try {
      await buildSite(root, results, { output: (text) => (log += text), jobs: 1 });
    } catch (error) {
      throw new Error(`site build failed: ${(error as Error).message}\n${log}`, { cause: error });
    }
    data = historyData(await storeView({ results, experiments }));
    server = await serveStatic(join(root, "dist"));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    scratch.remove();
  });

  async function open(path: string): Promise<{ page: Page; problems: string[] }> {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (m) => (m.type() === "error" ? problems.push(m.text()) : undefined));
    await page.goto(server.origin + path, { waitUntil: "networkidle" });
    return { page, problems };
  }

  test("with the 12B as baseline, the 1B and 4B speedups and time saved match report 000", async () => {
    const { page, problems } = await open("/compare");
    await page.locator("select").first().selectOption({ label: BASELINE });
    await page.getByText(`${BASELINE} (baseline)`).first().waitFor();
    const speed = page.locator(".compare-speed");
    const row = (size: string) => speed.locator("tr", { hasText: `Gemma 3 ${size} on the RTX 4080: 100` }).first();
    const hours = (x: number) => `${(x / 3600).toFixed(1)} h`;
    for (const [size, id, said] of [
      ["1B", "recorded-gemma-3-1b-rtx-4080-100", ["4.07x faster", "185.2 hours saved"]],
      ["4B", "recorded-gemma-3-4b-rtx-4080-100", ["2.31x faster", "139.3 hours saved"]],
    ] as const) {
      const s = speedup(rate(B12), rate(id), [200_000]);
      const text = `${formatNumber(s.speedup, 2)}×`;
      expect(await row(size).locator("td.speedup").innerText()).toBe(text);
      // Time saved on the default job size, 200K requests, and what the report says beside it.
      expect(await row(size).innerText()).toContain(`${formatDuration(s.timeSaved[0]!.savedS)} saved`);
      expect(await row(size).innerText()).toContain(said[0]);
      // The report's figures agree at its precision (its hours are rounded from its own rounded times).
      expect(said[0]).toBe(`${text.replace("×", "x")} faster`);
      expect(Math.abs(Number.parseFloat(said[1]) - s.timeSaved[0]!.savedS / 3600)).toBeLessThan(0.1);
      const stated = page.locator(".stated-table tr", { hasText: said[1] }).first();
      await stated.waitFor();
      expect(await stated.innerText()).toMatch(/agrees/i);
    }
    // 200K extrapolations of the three runs (the report's 60.4 / 106.3 / 245.6 hours).
    const times = page.locator(".compare-times");
    for (const [size, id] of [
      ["12B", B12],
      ["4B", "recorded-gemma-3-4b-rtx-4080-100"],
    ] as const)
      expect(
        await times
          .locator("tr", { hasText: `Gemma 3 ${size} on the RTX 4080: 100` })
          .first()
          .innerText(),
      ).toContain(formatDuration(200_000 / rate(id)));
    expect(hours(200_000 / rate(B12))).toBe("245.6 h");
    await page.screenshot({ path: join(SCREENSHOTS, "compare-recorded-12b.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  test("the 5K runs: ratios in tokens/s and requests/s, and cost at the derived price", async () => {
    const { page, problems } = await open("/compare");
    const ratio = (unit: "totalTokens" | "requests") => run(L1).rates[unit]! / run(G4).rates[unit]!;
    const llama = (text: string) =>
      page
        .locator(".compare-rates tr", { hasText: "Llama 3.2 1B on the RTX 4080: 5,000" })
        .filter({ hasText: text })
        .first();
    // A choice re-renders the tables after it; on a loaded machine a choice made while the page
    // is still starting can be rendered away. So: choose, wait for the row to show the figure,
    // and choose again if it does not.
    const choose = async (name: string, label: string, shows: string) => {
      for (let attempt = 1; ; attempt++) {
        await page.getByLabel(name).selectOption({ label });
        try {
          return await llama(shows).waitFor({ timeout: 5_000 });
        } catch (error) {
          if (attempt === 4) throw error;
        }
      }
    };
    const tokens = `${formatNumber(ratio("totalTokens"), 2)}×`;
    await choose(
      "Baseline",
      "Gemma 3 4B on the RTX 4080: 5,000 requests (recorded)",
      `${formatNumber(ratio("requests"), 2)}×`,
    );
    await choose("Rank by", "total tokens/s", tokens);
    await choose("Rank by", "requests/s", `${formatNumber(ratio("requests"), 2)}×`);
    const price = data.prices.find((p) => p.experimentId === G4)!;
    const per100K = (id: string) =>
      100_000 *
      tokenCost(
        { inputPerMTok: price.perMTok, outputPerMTok: price.perMTok },
        run(id).meanPromptTokens!,
        run(id).meanCompletionTokens!,
      );
    expect(await page.locator(".compare-costs tr", { hasText: "Llama 3.2 1B" }).first().innerText()).toContain(
      formatMoney(per100K(L1)),
    );
    // The derived price gives back the report's own "$9.31" for the run it came from.
    expect(formatMoney(per100K(G4))).toBe(price.from.written);
    expect(
      await page.locator(".compare-costs tr", { hasText: "Gemma 3 4B on the RTX 4080: 5,000" }).first().innerText(),
    ).toContain(price.from.written);
    expect(await page.getByText("No failed or planned runs").count()).toBe(0);
    expect(await page.locator("body").innerText()).toContain("OOM Expected");
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
