// The experiment page's request explorer in headless Chromium over the fixture site: dots for the
// run's requests from the Arrow file, a brushed region lists its requests, a hostile answer shows
// as text and runs nothing, and the page's data stays within 2 MB.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { tableFromIPC } from "apache-arrow";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { pageDataBytes } from "../../data-loaders/bench/site.ts";
import { HOSTILE_ANSWER } from "../site/fixture-store.ts";
import { buildFixtureSite, type BuiltSite } from "../site/site-build.ts";
import { serveStatic, type StaticServer } from "../site/static-server.ts";

const CHROMIUM = "/usr/bin/chromium";
const runs = existsSync(CHROMIUM) || Boolean(process.env.CI);

describe.skipIf(!runs)("request explorer in Chromium", () => {
  let site: BuiltSite;
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    site = await buildFixtureSite();
    server = await serveStatic(site.outDir);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"],
    });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test("the loader's Arrow file holds alpha's requests", () => {
    const dir = join(site.outDir, "_file/data/requests");
    const file = readdirSync(dir).find((f) => f.startsWith("alpha.") && f.endsWith(".arrow"))!;
    const table = tableFromIPC(readFileSync(join(dir, file)));
    expect(table.numRows).toBe(30);
    expect(JSON.parse(table.schema.metadata.get("request-sample")!)).toMatchObject({ total: 30, sampled: 30 });
  });

  test("renders the run's requests, lists a brushed region, shows a hostile answer as text", async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (m) => (m.type() === "error" ? problems.push(m.text()) : undefined));
    await page.goto(`${server.origin}/experiments/alpha`, { waitUntil: "networkidle" });
    const explorer = page.locator(".request-explorer");
    await explorer.locator("svg circle").first().waitFor({ timeout: 20_000 });
    // 29 requests with prompt tokens (the failed one has none); by send time all 30.
    expect(await explorer.locator(".request-explorer-chart svg circle").count()).toBe(29);
    await explorer.locator('select[name="x"]').selectOption("sent_s");
    await page.waitForFunction(
      () => document.querySelectorAll(".request-explorer-chart svg circle").length === 30,
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.locator("body").innerText()).toContain("All 30 requests of the run are shown");

    // Drag over the whole frame: every request is listed.
    const overlay = explorer.locator(".request-explorer-brush .overlay");
    await overlay.scrollIntoViewIfNeeded();
    const box = (await overlay.boundingBox())!;
    await page.mouse.move(box.x + 1, box.y + 1);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width - 1, box.y + box.height - 1, { steps: 5 });
    await page.mouse.up();
    const rows = explorer.locator(".request-explorer-table tbody tr");
    await rows.first().waitFor({ timeout: 10_000 });
    expect(await rows.count()).toBe(30);
    expect(await explorer.locator(".request-explorer-count").innerText()).toContain("30 requests in the region");
    const answers = await explorer.locator(".request-explorer-answer").allTextContents();
    expect(answers).toContain(HOSTILE_ANSWER);
    expect(await explorer.locator(".request-explorer-listing").locator("img, script, h1, a").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await rows.filter({ hasText: "http_5xx" }).count()).toBe(1);

    // A smaller region (the left half, the first half of the run by send time) lists fewer; a new
    // axis first clears the region (a drag inside a region would move it).
    await explorer.locator('select[name="x"]').selectOption("prompt_tokens");
    await explorer.locator('select[name="x"]').selectOption("sent_s");
    await explorer.getByText("Drag over the chart to list the requests in a region.").waitFor({ timeout: 10_000 });
    await page.mouse.move(box.x + 1, box.y + 1);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height - 1, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(
      () => document.querySelectorAll(".request-explorer-table tbody tr").length < 30,
      undefined,
      { timeout: 10_000 },
    );
    const half = await rows.count();
    expect(half).toBeGreaterThan(5);
    expect(half).toBeLessThan(25);
    expect(await rows.first().innerText()).toContain("#0");
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);

  test("the page's data stays within 2 MB", () => {
    const sizes = pageDataBytes(site.outDir);
    const bytes = sizes.get(join("experiments", "alpha.html"))!;
    expect(bytes).toBeGreaterThan(0);
    for (const [page, size] of sizes) expect(size, page).toBeLessThanOrEqual(2_000_000);
  });
});
