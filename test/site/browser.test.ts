// Opens every page of a site built over the fixture store in headless Debian Chromium and checks
// it renders without errors, stays on 127.0.0.1, marks simulated figures, and shows untrusted
// answers as text. Screenshots go to test-results/screenshots/.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HOSTILE_ANSWER } from "./fixture-store.ts";
import { PROJECT, buildFixtureSite, type BuiltSite } from "./site-build.ts";
import { serveStatic, type StaticServer } from "./static-server.ts";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = join(PROJECT, "test-results/screenshots");
const runs = existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!runs) console.warn(`browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium); it always runs in CI`);

/** Text each page must show once rendered. */
const EXPECTED: Record<string, string[]> = {
  "/": ["vLLM benchmark tracker", "Alpha on the simulator", "Beta on a real GPU", "Gamma not run yet", "server never became healthy", "Throughput"],
  "/experiments/alpha": ["Alpha on the simulator", "Throughput", "Output tokens per second over time", "run-a", "spec-alpha", "Sample answers", "Page 1 of 3"],
  "/experiments/beta": ["Beta on a real GPU", "measured", "The experiment file changed after this run", "run-b", "Sample answers"],
  "/experiments/gamma": ["Gamma not run yet", "pending", "No runs yet for this experiment."],
  "/experiments/delta": ["Delta failed", "server never became healthy", "run-d"],
  "/experiments/epsilon": ["Epsilon invalid", "workload.maxTokens: expected a number"],
};

interface Visit {
  page: Page;
  problems: string[];
  requests: string[];
}

describe.skipIf(!runs)("site in Chromium", () => {
  let site: BuiltSite;
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    site = await buildFixtureSite();
    server = await serveStatic(site.outDir);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    site?.remove();
  });

  async function visit(path: string, colorScheme: "light" | "dark" = "light"): Promise<Visit> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme });
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("request", (request) => requests.push(request.url()));
    page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
    page.on("response", (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    await page.goto(server.origin + path, { waitUntil: "networkidle" });
    for (const text of EXPECTED[path] ?? []) await page.getByText(text).first().waitFor({ timeout: 10_000 });
    return { page, problems, requests };
  }

  function screenshotName(path: string, suffix = ""): string {
    return join(SCREENSHOTS, `${path === "/" ? "index" : path.slice(1).replaceAll("/", "-")}${suffix}.png`);
  }

  test.each(Object.keys(EXPECTED))("%s renders offline without errors", async (path) => {
    const { page, problems, requests } = await visit(path);
    expect(problems).toEqual([]);
    expect(await page.locator(".observablehq--error").count()).toBe(0);
    // Rendered text only (badges are upper-cased by CSS, hence the lower-casing).
    const body = (await page.locator("body").innerText()).toLowerCase();
    for (const text of EXPECTED[path]!) expect(body).toContain(text.toLowerCase());
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => new URL(url).hostname !== "127.0.0.1")).toEqual([]);
    await page.screenshot({ path: screenshotName(path), fullPage: true });
    await page.context().close();
  });

  test("marks simulated figures in the table, the chart and the page header", async () => {
    const { page } = await visit("/");
    const alphaRow = page.locator("tr", { hasText: "Alpha on the simulator" });
    expect(await alphaRow.locator(".badge--simulated").count()).toBe(1);
    const betaRow = page.locator("tr", { hasText: "Beta on a real GPU" });
    expect(await betaRow.locator(".badge--simulated").count()).toBe(0);
    expect(await betaRow.locator(".badge--measured").count()).toBe(1);
    expect(await page.locator("svg text", { hasText: "Alpha on the simulator [simulated]" }).count()).toBe(1);
    await page.context().close();

    const alpha = await visit("/experiments/alpha");
    expect(await alpha.page.locator("h1 .badge--simulated").count()).toBe(1);
    await alpha.page.context().close();
  });

  test("shows untrusted answers as literal text and pages through them", async () => {
    const { page } = await visit("/experiments/alpha");
    const answers = page.locator(".answers");
    const texts = await answers.locator(".answer-text").allTextContents();
    expect(texts).toHaveLength(10);
    expect(texts).toContain(HOSTILE_ANSWER);
    expect(await answers.locator("img, script, h1, a").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    // The user's notes, by contrast, are rendered as markdown.
    expect(await page.locator(".notes strong").allTextContents()).toEqual(["throughput"]);
    expect(await page.locator(".notes li").count()).toBe(2);

    await answers.getByRole("button", { name: "Next ›" }).click();
    await page.getByText("Page 2 of 3").waitFor();
    expect(await answers.locator(".answer-meta").first().innerText()).toContain("#10");
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.context().close();
  });

  test("renders in dark mode", async () => {
    for (const path of ["/", "/experiments/alpha"]) {
      const { page, problems } = await visit(path, "dark");
      expect(problems).toEqual([]);
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const [r = 255, g = 255, b = 255] = (background.match(/\d+/g) ?? []).map(Number);
      expect(r + g + b).toBeLessThan(200);
      await page.screenshot({ path: screenshotName(path, "-dark"), fullPage: true });
      await page.context().close();
    }
  });
});
