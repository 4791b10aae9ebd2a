// End to end, as a user runs it: `tracker build` in a throw-away copy of the project with the
// example experiments (experiments/*.ts, their simulated servers and judge sped up for the test),
// then the built Quality page opened in Chromium. Every example experiment that runs must show
// its accuracy against the truth with a 95% interval and its judge's verdicts; the quality files
// must be in the downloads and in all-runs.duckdb; a second build sends no judge request.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WORST_ANSWERS } from "../../data-loaders/report/pages/experiment.ts";
import { listRuns } from "../../data-loaders/store/folders.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";
import { serveStatic } from "../site/static-server.ts";

const CHROMIUM = "/usr/bin/chromium";

/** The example experiments that have a judge (the grid of small models has none), with their titles. */
function examples(): { id: string; title: string }[] {
  return readdirSync(join(PROJECT, "experiments"))
    .filter((f) => f.endsWith(".ts") && readFileSync(join(PROJECT, "experiments", f), "utf8").includes("judge: {"))
    .map((f) => ({
      id: f.replace(/\.ts$/, ""),
      title: /title: "([^"]+)"/.exec(readFileSync(join(PROJECT, "experiments", f), "utf8"))![1]!,
    }));
}

function build(root: string): Promise<{ code: number | null; log: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "data-loaders/cli.ts"), "build"], {
    cwd: root,
    env: {
      ...process.env,
      TRACKER_RESULTS: undefined,
      TRACKER_EXPERIMENTS: undefined,
      OBSERVABLE_TELEMETRY_DISABLE: "1",
    },
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, log })));
}

async function query(path: string | null, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(path ?? ":memory:", path ? { access_mode: "READ_ONLY" } : {});
  const con = await instance.connect();
  try {
    return (await con.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/** A share as the site formats it (src/components/format.js formatPercent). */
const percent = (p: number) => `${(p * 100).toLocaleString("en-US", { maximumFractionDigits: 1 })}%`;

/** Counted straight from a run's quality.parquet: its accuracy and the prompts with a bad answer. */
async function storedQuality(runDir: string): Promise<{ accuracy: number; badPrompts: number; wrong: number }> {
  const [row] = await query(
    null,
    `SELECT avg(correct::INT) FILTER (scored) AS accuracy, count(*) FILTER (correct = false) AS wrong,
            count(DISTINCT prompt_id) FILTER (correct = false OR checks_passed = false OR judge_pass = false) AS bad
     FROM read_parquet('${join(runDir, "quality.parquet")}')`,
  );
  return { accuracy: Number(row!.accuracy), badPrompts: Number(row!.bad), wrong: Number(row!.wrong) };
}

describe("npm run build with the example experiments: the Quality page", () => {
  const tmp = tempDir("e2e-quality");
  const root = join(tmp.dir, "project");
  const ids = examples();
  let first: { code: number | null; log: string };

  beforeAll(async () => {
    mkdirSync(root, { recursive: true });
    cpSync(join(PROJECT, "src"), join(root, "src"), { recursive: true, filter: (s) => !s.includes(".observablehq") });
    for (const file of ["observablehq.config.ts", "package.json"]) cpSync(join(PROJECT, file), join(root, file));
    for (const dir of ["node_modules", "data-loaders"]) symlinkSync(join(PROJECT, dir), join(root, dir));
    mkdirSync(join(root, "experiments"));
    // The example files as they are, with every simulated server (experiment and judge) 20× faster.
    for (const { id } of ids) {
      const source = readFileSync(join(PROJECT, "experiments", `${id}.ts`), "utf8");
      writeFileSync(
        join(root, "experiments", `${id}.ts`),
        source.replace(/simulate: ("[^"]+")(, speedup: \d+)?/g, "simulate: $1, speedup: 20"),
      );
    }
    first = await build(root);
  }, 600_000);
  afterAll(() => tmp.cleanup());

  it("runs, scores and judges every example experiment", () => {
    expect(first.code, first.log).toBe(0);
    // Gemma 3 4B and Qwen 3 4B, one run each; Qwen's pairwise judging against Gemma besides.
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(first.log).toMatch(
      new RegExp(`quality: ${ids.length} run\\(s\\) scored, 0 unchanged, \\d+ judge request\\(s\\)`),
    );
    for (const { id } of ids) {
      const run = listRuns(join(root, "results"), () => {}).find((r) => r.experimentId === id)!;
      expect(existsSync(join(run.path, "quality.parquet")), id).toBe(true);
    }
    expect(listRuns(join(root, "results/.judge"), () => {}).length).toBeGreaterThanOrEqual(ids.length);
  });

  it.runIf(existsSync(CHROMIUM))("shows each one's accuracy with its interval, and its judge's verdicts", async () => {
    const server = await serveStatic(join(root, "dist"));
    const browser = await chromium.launch({ executablePath: CHROMIUM });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${server.origin}/quality`, { waitUntil: "networkidle" });
      await page.waitForSelector("text=Accuracy against the truth");
      const rows = async (heading: string) =>
        page.evaluate((h) => {
          const title = [...document.querySelectorAll("h2")].find((e) => e.textContent === h)!;
          let node: Element | null = title.nextElementSibling;
          while (node && !node.querySelector("table")) node = node.nextElementSibling;
          return [...node!.querySelectorAll("tbody tr")].map((tr) => (tr as HTMLElement).innerText);
        }, heading);
      const accuracy = await rows("Accuracy against the truth");
      const judged = await rows("The judge's verdicts, beside the truth");
      const interval = /\d+(\.\d)?% \(\d+(\.\d)?%–\d+(\.\d)?%\)/;
      const runs = listRuns(join(root, "results"), () => {});
      for (const { id, title } of ids) {
        const row = accuracy.find((r) => r.includes(title));
        expect(row, title).toBeDefined();
        expect(row, title).toMatch(interval);
        // The figure shown is the share of correct answers in the run's quality.parquet.
        const stored = await storedQuality(runs.find((r) => r.experimentId === id)!.path);
        expect(row, title).toContain(`${percent(stored.accuracy)} (`);
        expect(
          judged.find((r) => r.includes(title)),
          title,
        ).toMatch(/tracker\/simulated-judge[\s\S]*\d+% \(/);
      }
      const pairwise = await rows("Pairwise: which answer is better");
      expect(pairwise.join("\n")).toMatch(/Qwen 3 4B[\s\S]*Gemma 3 4B/);
      // Figures per correct answer for each example, and one dot per example on the speed–quality chart.
      const perCorrect = await rows("Speed and cost per correct answer");
      for (const { title } of ids)
        expect(
          perCorrect.find((r) => r.includes(title)),
          title,
        ).toMatch(/the truth\s+[\d.]+ \(/);
      const chart = await page.evaluate(() => {
        const h = [...document.querySelectorAll(".card h2")].find((e) => e.textContent === "Speed against quality")!;
        const circles = [...h.parentElement!.querySelectorAll("svg circle")];
        return {
          text: (h.parentElement as HTMLElement).innerText,
          circles: circles.length,
          front: circles.filter((c) => c.getAttribute("fill") !== "none").length,
          labels: [...h.parentElement!.querySelectorAll("svg text")].map((t) => t.textContent!),
        };
      });
      // The chart's dot labels (speed-quality-chart.js shortens a title to 28 characters).
      const label = (t: string) => (t.length > 28 ? `${t.slice(0, 27)}…` : t);
      expect(chart.circles, chart.text).toBe(ids.length);
      for (const { title } of ids) expect(chart.labels, title).toContain(label(title));
      expect(chart.front).toBeGreaterThanOrEqual(1);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });

  it.runIf(existsSync(CHROMIUM))("shows an experiment's worst answers beside the expected answer", async () => {
    // The example with the most wrong answers (README: the simulator's accuracy per profile).
    const runs = listRuns(join(root, "results"), () => {});
    const scored = [];
    for (const { id } of ids)
      scored.push({ id, stored: await storedQuality(runs.find((r) => r.experimentId === id)!.path) });
    const { id, stored } = scored.sort((a, b) => b.stored.wrong - a.stored.wrong)[0]!;
    expect(stored.wrong).toBeGreaterThan(0);
    const server = await serveStatic(join(root, "dist"));
    const browser = await chromium.launch({ executablePath: CHROMIUM });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${server.origin}/experiments/${id}`, { waitUntil: "networkidle" });
      await page.waitForSelector("text=Worst answers");
      const cards = await page.evaluate(() => {
        const title = [...document.querySelectorAll("h2")].find((e) => e.textContent === "Worst answers")!;
        let node: Element | null = title.nextElementSibling;
        while (node && !node.classList.contains("grid")) node = node.nextElementSibling;
        return [...node!.querySelectorAll(".card")].map((c) => (c as HTMLElement).innerText);
      });
      expect(cards.length).toBe(Math.min(WORST_ANSWERS, stored.badPrompts));
      // Wrong answers first, each beside its expected answer and the field that differs.
      expect(cards[0]).toMatch(/^\S+ · wrong/);
      expect(cards[0]).toMatch(/expected \{"recommendation":"[a-z_]+"[\s\S]*recommendation: \S+ \(expected [a-z_]+\)/);
      const correct = await page.evaluate(() => {
        const h = [...document.querySelectorAll(".card h2")].find((e) => e.textContent?.startsWith("Correct"))!;
        return (h.parentElement!.querySelector(".big") as HTMLElement).innerText;
      });
      expect(correct).toBe(percent(stored.accuracy));
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });

  it("puts the quality files in the downloads and in all-runs.duckdb", async () => {
    const downloads = join(root, "dist/_file/data/downloads");
    for (const { id } of ids) expect(readdirSync(join(downloads, id, "quality")).length, id).toBe(1);
    expect(readdirSync(join(downloads, "qwen3-4b-candidates", "pairwise")).length).toBe(1);
    const counts = await query(
      join(downloads, "all-runs.duckdb"),
      `SELECT experiment_id, count(*) FILTER (scored) AS scored, count(*) FILTER (judge_status = 'judged') AS judged
       FROM quality GROUP BY 1 ORDER BY 1`,
    );
    expect(counts.map((c) => c.experiment_id)).toEqual(ids.map((e) => e.id).sort());
    for (const c of counts) expect(Number(c.judged)).toBeGreaterThan(0);
    const pairs = await query(
      join(downloads, "all-runs.duckdb"),
      `SELECT count(*) AS n FROM pairwise WHERE outcome IS NOT NULL`,
    );
    expect(Number(pairs[0]!.n)).toBeGreaterThan(0);
  });

  it("a second build runs nothing and sends no judge request", async () => {
    const second = await build(root);
    expect(second.code, second.log).toBe(0);
    expect(second.log).toContain(`0 to run, ${ids.length} fresh`);
    expect(second.log).not.toMatch(/judge \S+: \d+ of \d+ requests/);
    expect(second.log).not.toMatch(/quality: \d+ run\(s\) scored/);
  }, 600_000);
});
