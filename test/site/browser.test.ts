// Opens every page of a site built over the fixture store in headless Debian Chromium and checks
// it renders without errors, stays on 127.0.0.1, labels its figures by source, reacts to its
// inputs, and shows untrusted answers as text. Screenshots go to test-results/screenshots/.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GRID, HOSTILE_ANSWER } from "./fixture-store.ts";
import { PROJECT, buildFixtureSite, type BuiltSite } from "./site-build.ts";
import { serveStatic, type StaticServer } from "./static-server.ts";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = join(PROJECT, "test-results/screenshots");
const runs = existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!runs)
  console.warn(`browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium); it always runs in CI`);

/** Text each page must show once rendered. */
const EXPECTED: Record<string, string[]> = {
  "/": [
    "vLLM benchmark tracker",
    "Leaderboard",
    "Alpha on the simulator",
    "Beta on a real GPU",
    "Gamma not run yet",
    "server never became healthy",
    "Benchmark matrix",
    "recorded",
    "extrapolated",
    "Time for 200K requests",
    "Predicted cells are for the NVIDIA GeForce RTX 4080 16 GB",
  ],
  "/compare": [
    "Speed versus the baseline",
    "Latency distributions",
    "Paired per-prompt differences",
    "Throughput vs concurrency",
    "End-to-end latency",
  ],
  "/quality": [
    "Answer quality",
    "Validity",
    "The same prompt, side by side",
    "Cohen's kappa",
    "Valid answers per GPU-hour",
  ],
  "/projections": [
    "Time for N requests",
    "Projected time",
    "Cost",
    "cheap API",
    "Cascade planner",
    "Agreement with B alone",
    "Speed model: predictions against the runs they left out",
    "zeta",
  ],
  "/methods": ["Methods", "Extrapolation", "data-loaders/metrics/throughput.ts", "data-loaders/analysis/cascade.ts"],
  "/guide": ["Add an experiment", "A real vLLM server", "Add your own analysis page", "gpuDollarsPerHour"],
  "/experiments/alpha": [
    "Alpha on the simulator",
    "Throughput",
    // Peak figures beside the means (metrics/peaks.ts), as vllm bench serve computes them.
    "requests in flight",
    "Reproduce",
    "npx tracker run alpha",
    "Resumed after 1 interruption",
    // The self-check of each of load.clients' threads.
    "client 1:",
    "send lag p99 0.75 ms",
    "Output tokens per second over time",
    "Server: KV-cache usage and queue",
    "Server's view of latency",
    "GPU energy",
    "Energy per output token",
    "Energy cost per 100K requests",
    "kWh at $0.30/kWh",
    "GPU power over time",
    "Workers",
    "Errors by class",
    "http_5xx",
    "Projections",
    "Predicted beside measured",
    "Downloads",
    "Sample answers",
    "Page 1 of 3",
  ],
  "/experiments/beta": [
    "Beta on a real GPU",
    "measured",
    "The experiment file changed after this run",
    "Server start-up",
    "Where the load time went",
    "Prefix caching: off (asked: on)",
    "2 routes served",
    "GPU memory",
    "git checkout 0123456789abcdef0123456789abcdef01234567",
    "NVIDIA GeForce RTX 4080",
    "Sample answers",
  ],
  "/experiments/gamma": ["Gamma not run yet", "pending", "No runs yet for this experiment."],
  "/experiments/delta": ["Delta failed", "server never became healthy", "run-d"],
  "/experiments/epsilon": ["Epsilon invalid", "workload.maxTokens: expected a number"],
  "/experiments/zeta": [
    "Zeta recorded on the RTX 4080",
    "recorded, aggregates only",
    "19,813",
    "hand-written report, RTX 4080",
  ],
  "/experiments/sweep": [
    "Sweep over concurrency",
    "All runs of this experiment",
    "Throughput vs concurrency",
    "run-s2",
  ],
  "/experiments/study": [
    "Grid study",
    "Cells",
    "model (gemma-3-1b, llama-3.2-1b) × concurrency (2, 4)",
    "llama-3.2-1b",
    "run-g4",
    "out of memory",
    "no longer in the file; runs kept",
    "Throughput vs concurrency",
  ],
  [`/experiments/${GRID.cells.gemma4}`]: [
    "Grid study · model=gemma-3-1b,concurrency=4",
    "a run of its own, with its own spec hash",
    "npx tracker run study --cell model=gemma-3-1b,concurrency=4",
    "grid cell",
    "Output tokens per second over time",
  ],
  [`/experiments/${GRID.cells.removed}`]: ["It is no longer in the experiment file", "run-g8"],
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
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function visit(path: string, colorScheme: "light" | "dark" = "light", width = 1280): Promise<Visit> {
    const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme });
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

  const pwned = (page: Page) => page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned);

  test.each(Object.keys(EXPECTED))("%s renders offline without errors", async (path) => {
    const { page, problems, requests } = await visit(path);
    expect(problems).toEqual([]);
    expect(await page.locator(".observablehq--error").count()).toBe(0);
    // Rendered text only (badges are upper-cased by CSS, hence the lower-casing).
    const body = (await page.locator("body").innerText()).toLowerCase();
    for (const text of EXPECTED[path]!) expect(body).toContain(text.toLowerCase());
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => new URL(url).hostname !== "127.0.0.1")).toEqual([]);
    expect(await pwned(page)).toBeUndefined();
    await page.screenshot({ path: screenshotName(path), fullPage: true });
    await page.context().close();
  });

  test("labels figures by source in the leaderboard, the charts and the page header", async () => {
    const { page } = await visit("/");
    const alphaRow = page.locator("tr", { hasText: "Alpha on the simulator" }).first();
    expect(await alphaRow.locator(".badge--simulated").count()).toBe(1);
    const betaRow = page.locator("tr", { hasText: "Beta on a real GPU" }).first();
    expect(await betaRow.locator(".badge--simulated").count()).toBe(0);
    expect(await betaRow.locator(".badge--measured").count()).toBe(1);
    expect(await page.locator("tr", { hasText: "Zeta recorded" }).first().locator(".badge--recorded").count()).toBe(1);
    expect(await page.locator("svg text", { hasText: "Alpha on the simulator [simulated]" }).count()).toBe(1);
    expect(await page.locator(".matrix .badge--extrapolated").count()).toBeGreaterThan(0);
    expect(await page.locator(".matrix .matrix-cell--predicted .badge--predicted").count()).toBeGreaterThan(0);
    await page.context().close();

    const alpha = await visit("/experiments/alpha");
    expect(await alpha.page.locator("h1 .badge--simulated").count()).toBe(1);
    await alpha.page.context().close();
  });

  test("the grid's table links each cell to its page", async () => {
    const { page } = await visit("/experiments/study");
    const rows = page.locator("table.grid-cells tbody tr");
    expect(await rows.count()).toBe(5);
    expect(await page.locator("tr.grid-cell--removed").count()).toBe(1);
    await rows.nth(1).getByRole("link", { name: "run-g4" }).click();
    await page.getByText("Grid study · model=gemma-3-1b,concurrency=4").first().waitFor({ timeout: 10_000 });
    expect(page.url()).toContain(`/experiments/${GRID.cells.gemma4}`);
    await page.context().close();
  });

  test("choosing another baseline changes the comparison", async () => {
    const { page } = await visit("/compare");
    const table = page.locator(".compare-speed");
    const before = await table.innerText();
    expect(before).toContain("Alpha on the simulator (baseline)");
    await page.locator("select").first().selectOption({ label: "Beta on a real GPU" });
    await page.getByText("Beta on a real GPU (baseline)").first().waitFor();
    const after = await table.innerText();
    expect(after).not.toEqual(before);
    // Alpha against Beta is faster, Beta against Alpha slower: speedups invert.
    const speedups = async () =>
      (await page.locator(".compare-speed td.speedup").allInnerTexts()).map((t) => parseFloat(t));
    expect((await speedups()).some((x) => x > 1)).toBe(true);
    expect(await page.locator(".paired tbody tr").count()).toBeGreaterThan(0);
    await page.screenshot({ path: screenshotName("/compare", "-baseline-beta"), fullPage: true });
    await page.context().close();
  });

  test("choosing another cascade rule changes the figures", async () => {
    const { page } = await visit("/projections");
    const figures = page.locator(".cascade-figures");
    const rule = page.locator("select").last();
    const changed = async (select: () => Promise<unknown>) => {
      const previous = await figures.textContent();
      await select();
      await page.waitForFunction((text) => document.querySelector(".cascade-figures")?.textContent !== text, previous);
      return figures.innerText();
    };
    const never = await changed(() => rule.selectOption({ label: "A alone (never escalate)" }));
    expect(never).toMatch(/Escalated\s+EXTRAPOLATED\s+0%/i);
    const always = await changed(() => rule.selectOption({ label: "B alone (escalate everything)" }));
    expect(always).not.toEqual(never);
    expect(always).toMatch(/Escalated\s+EXTRAPOLATED\s+100%/i);
    await page.context().close();
  });

  test("shows untrusted answers as literal text, on the experiment page and side by side", async () => {
    const { page } = await visit("/experiments/alpha");
    const answers = page.locator(".answers");
    const texts = await answers.locator(".answer-text").allTextContents();
    expect(texts).toHaveLength(10);
    expect(texts).toContain(HOSTILE_ANSWER);
    expect(await answers.locator("img, script, h1, a").count()).toBe(0);
    expect(await pwned(page)).toBeUndefined();
    // The user's notes, by contrast, are rendered as markdown.
    expect(await page.locator(".notes strong").allTextContents()).toEqual(["throughput"]);
    expect(await page.locator(".notes li").count()).toBe(2);

    await answers.getByRole("button", { name: "Next ›" }).click();
    await page.getByText("Page 2 of 3").waitFor();
    expect(await answers.locator(".answer-meta").first().innerText()).toContain("#10");
    expect(await pwned(page)).toBeUndefined();
    await page.context().close();

    const quality = await visit("/quality");
    await quality.page.locator("select").first().selectOption("p2");
    const side = quality.page.locator(".side-by-side");
    await side.getByText("<script>", { exact: false }).first().waitFor();
    expect(await side.locator("pre").allTextContents()).toContain(HOSTILE_ANSWER);
    expect(await side.locator("img, script, h1, a").count()).toBe(0);
    expect(await pwned(quality.page)).toBeUndefined();
    await quality.page.context().close();
  });

  test("publishes answers of an experiment set to truncated only truncated", async () => {
    const { page } = await visit("/experiments/beta");
    const texts = await page.locator(".answers .answer-text").allTextContents();
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) expect(text).toMatch(/… \[truncated, \d+ chars\]$/);
    await page.context().close();
  });

  test("renders in dark mode and at laptop width", async () => {
    for (const path of ["/", "/experiments/alpha", "/projections"]) {
      const { page, problems } = await visit(path, "dark");
      expect(problems).toEqual([]);
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const [r = 255, g = 255, b = 255] = (background.match(/\d+/g) ?? []).map(Number);
      expect(r + g + b).toBeLessThan(200);
      await page.screenshot({ path: screenshotName(path, "-dark"), fullPage: true });
      await page.context().close();
    }
    const { page, problems } = await visit("/", "light", 1024);
    expect(problems).toEqual([]);
    // Nothing but scrollable tables is wider than the window.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: screenshotName("/", "-laptop"), fullPage: true });
    await page.context().close();
  });

  test("links downloads that exist", async () => {
    const { page } = await visit("/experiments/alpha");
    const hrefs = await page
      .locator("a[download]")
      .evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).href));
    expect(hrefs.length).toBe(3);
    for (const href of hrefs) {
      const response = await page.request.get(href);
      expect(response.status(), href).toBe(200);
      expect((await response.body()).length).toBeGreaterThan(0);
    }
    await page.context().close();
  });
});
