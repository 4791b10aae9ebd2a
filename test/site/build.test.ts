// Builds the site over a fixture store and checks the output is complete, offline, within the
// data budget per page, and that the loaders publish what the pages need.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { pageDataBytes } from "../../data-loaders/bench/site.ts";
import { buildSite } from "../../data-loaders/site/build.ts";
import { GRID } from "./fixture-store.ts";
import { PROJECT, buildFixtureSite, scratchDir, type BuiltSite } from "./site-build.ts";

/** XML namespace identifiers: URIs in the bundled libraries that are never fetched. */
const NAMESPACE_URIS = new Set([
  "http://www.w3.org/2000/svg",
  "http://www.w3.org/1999/xhtml",
  "http://www.w3.org/1999/xlink",
  "http://www.w3.org/XML/1998/namespace",
  "http://www.w3.org/2000/xmlns/",
]);
const PAGES = ["index", "compare", "quality", "projections", "methods", "guide"];

let site: BuiltSite;
beforeAll(async () => {
  site = await buildFixtureSite();
}, 240_000);

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** URLs in the built html/js/css that point anywhere but this machine. */
function externalUrls(outDir: string): string[] {
  const found: string[] = [];
  for (const file of files(outDir).filter((f) => /\.(html|js|css)$/.test(f))) {
    // Example URLs in the Guide's code blocks are text to copy, never fetched.
    const text = readFileSync(file, "utf8").replace(/<pre[\s\S]*?<\/pre>/g, "");
    for (const [url] of text.matchAll(/https?:\/\/[^\s"'`)<>\\]*/g)) {
      if (NAMESPACE_URIS.has(url)) continue;
      if (/^https?:\/\/(localhost|127\.0\.0\.1)([:/]|$)/.test(url)) continue;
      found.push(`${relative(outDir, file)}: ${url}`);
    }
  }
  return found;
}

/** The JSON a page loaded from `data/<name>` (hashed file name in _file/). */
function loaded<T>(name: string): T {
  const [file] = files(join(site.outDir, "_file/data")).filter(
    (f) => relative(join(site.outDir, "_file/data"), f).replace(/\.[0-9a-f]{8}\.json$/, ".json") === name,
  );
  expect(file, name).toBeDefined();
  return JSON.parse(readFileSync(file!, "utf8")) as T;
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe("observable build over a fixture store", () => {
  test("writes every page and one page per experiment", () => {
    for (const page of PAGES) expect(existsSync(join(site.outDir, `${page}.html`)), page).toBe(true);
    for (const { id, title } of site.fixture.experiments) {
      const page = join(site.outDir, "experiments", `${id}.html`);
      expect(existsSync(page), page).toBe(true);
      // The sidebar lists every experiment by title.
      expect(readFileSync(page, "utf8")).toContain(title);
    }
  });

  test("refers to no external host from html, js or css", () => {
    expect(externalUrls(site.outDir)).toEqual([]);
  });

  test("bundles libraries from node_modules, never from the npm CDN", () => {
    expect(files(join(site.cacheDir, "_npm"))).toEqual([]);
    // Framework's own client (`_observablehq/`) keeps lazy `_npm/` imports for the implicit
    // built-ins; they load only when a page uses one, which the browser test would catch.
    const npmReferences = files(site.outDir)
      .filter((f) => /\.(html|js)$/.test(f) && !relative(site.outDir, f).startsWith("_observablehq"))
      .filter((f) => readFileSync(f, "utf8").includes("_npm/"));
    expect(npmReferences).toEqual([]);
    expect(existsSync(join(site.outDir, "_node", "@observablehq"))).toBe(true);
  });

  test("every page loads at most 2 MB of data by default", () => {
    const sizes = pageDataBytes(site.outDir);
    expect(sizes.get("index.html")).toBeGreaterThan(0);
    for (const [page, bytes] of sizes) expect(bytes, page).toBeLessThanOrEqual(2_000_000);
  });

  test("overview data: figures, projections and the benchmark matrix from the stored runs", () => {
    type Runs = {
      experiments: { id: string; state: string; source: string | null }[];
      runs: {
        experimentId: string;
        runId: string;
        figures: { requests: number; successRate: number } | null;
        projections: { requests: number; lo: number | null }[];
      }[];
      matrix: {
        models: string[];
        counts: number[];
        cells: Record<
          string,
          Record<string, { kind: string; note: string | null; runId: string | null; fit?: string | null }>
        >;
      };
    };
    const data = loaded<Runs>("runs.json");
    expect(data.experiments.map((e) => [e.id, e.state])).toEqual([
      ["alpha", "fresh"],
      ["beta", "stale"],
      ["gamma", "pending"],
      ["delta", "failed"],
      ["epsilon", "invalid"],
      ["zeta", "fresh"],
      ["sweep", "fresh"],
      ["study", "failed"],
      [GRID.cells.gemma2, "fresh"],
      [GRID.cells.gemma4, "fresh"],
      [GRID.cells.llama2, "failed"],
      [GRID.cells.llama4, "pending"],
      [GRID.cells.removed, "removed"],
    ]);
    const alpha = data.runs.find((r) => r.runId === "run-a")!;
    expect(alpha.figures).toMatchObject({ requests: 30, successRate: 29 / 30 });
    expect(alpha.projections.map((p) => p.requests)).toEqual([1000, 5000, 50000, 200000, 1000000]);
    const cells = data.matrix.cells;
    expect(cells["gemma-3-4b"]!["30"]).toMatchObject({ kind: "simulated", runId: "run-a" });
    expect(cells["gemma-3-4b"]!["100"]).toMatchObject({ kind: "failed", note: "server never became healthy" });
    expect(cells["gemma-3-4b"]!["200000"]).toMatchObject({ kind: "extrapolated", runId: "run-a" });
    expect(cells["llama-3.2-1b"]!["5000"]).toMatchObject({ kind: "recorded", runId: "run-r" });
    expect(cells["qwen-7b"]!["12"]).toMatchObject({ kind: "measured", runId: "run-b" });
    expect(cells["qwen-7b"]!["1000"]).toMatchObject({ kind: "pending", note: "estimate from run run-b" });
    // the recorded RTX 4080 run calibrates the speed model: a catalog model without runs is predicted
    expect(cells["meta-llama/Llama-3.2-3B-Instruct"]!["200000"]).toMatchObject({ kind: "predicted", runId: null });
    expect(cells["google/gemma-3-12b-it"]!["5000"]).toMatchObject({ kind: "predicted", fit: "does not fit" });
  });

  test("page data redacts answers of an experiment published truncated", () => {
    const beta = loaded<{ settings: { publish: string }; answers: { answer: string }[] }>("experiments/beta.json");
    expect(beta.settings.publish).toBe("truncated");
    expect(beta.answers[0]!.answer).toMatch(/… \[truncated, \d+ chars\]$/);
    expect(beta.answers[0]!.answer).not.toContain("eighty characters of a truncated report");
    const quality = loaded<{ sideBySide: { answers: { id: string; answer: string | null }[] }[] }>("quality.json");
    const betaAnswers = quality.sideBySide.flatMap((p) => p.answers.filter((a) => a.id === "beta"));
    expect(betaAnswers.length).toBeGreaterThan(0);
    for (const a of betaAnswers) expect(a.answer).toContain("[truncated,");
  });

  test("downloads: each run's Parquet and CSV, and a DuckDB file of all runs", async () => {
    const downloads = join(site.outDir, "_file/data/downloads");
    const parquet = join(downloads, "alpha/run-a.parquet");
    expect(
      await query(
        `SELECT count(*)::INTEGER AS n, count(DISTINCT prompt_id)::INTEGER AS prompts FROM read_parquet('${parquet}')`,
      ),
    ).toEqual([{ n: 30, prompts: 5 }]);
    const csv = readFileSync(join(downloads, "beta/run-b.csv"), "utf8");
    expect(csv.split("\n")[0]).toContain("request_index");
    expect(csv).toContain("[truncated,");
    const db = join(downloads, "all-runs.duckdb");
    const counts = await query(
      `ATTACH '${db}' AS a (READ_ONLY); SELECT experiment_id, count(*)::INTEGER AS n FROM a.requests GROUP BY 1 ORDER BY 1`,
    );
    expect(counts).toEqual([
      { experiment_id: "alpha", n: 30 },
      { experiment_id: "beta", n: 12 },
      { experiment_id: "study", n: 48 },
      { experiment_id: "sweep", n: 32 },
    ]);
  });

  test("a grid: its page holds the table of its cells; each cell has a page and is a run the other pages pick", () => {
    for (const { id } of site.fixture.cells)
      expect(existsSync(join(site.outDir, "experiments", `${id}.html`)), id).toBe(true);
    // the sidebar lists the grid, not its cells
    const gridHtml = readFileSync(join(site.outDir, "experiments", "study.html"), "utf8");
    expect(gridHtml).toContain(GRID.title);
    expect(gridHtml).not.toContain(`${GRID.title} · model=`);
    type Cell = { id: string; key: string; state: string; runId: string | null; error: string | null };
    type GridPage = {
      digest: unknown;
      grid: { axes: { name: string }[]; cells: (Cell & { figures: { requests: number } | null })[] };
    };
    const page = loaded<GridPage>("experiments/study.json");
    expect(page.digest).toBeNull();
    expect(page.grid.axes.map((a) => a.name)).toEqual(["model", "concurrency"]);
    expect(page.grid.cells.map((c) => [c.key, c.state, c.runId, c.figures?.requests ?? null])).toEqual([
      ["model=gemma-3-1b,concurrency=2", "fresh", "run-g2", 16],
      ["model=gemma-3-1b,concurrency=4", "fresh", "run-g4", 16],
      ["model=llama-3.2-1b,concurrency=2", "failed", "run-l2", null],
      ["model=llama-3.2-1b,concurrency=4", "pending", null, null],
      ["model=gemma-3-1b,concurrency=8", "removed", "run-g8", 16],
    ]);
    expect(page.grid.cells[2]!.error).toMatch(/out of memory/);
    const cell = loaded<{ cellOf: { experiment: string; key: string }; digest: { runId: string }; runs: unknown[] }>(
      `experiments/${GRID.cells.gemma4}.json`,
    );
    expect([cell.cellOf.experiment, cell.cellOf.key, cell.digest.runId, cell.runs.length]).toEqual([
      "study",
      "model=gemma-3-1b,concurrency=4",
      "run-g4",
      1,
    ]);
    // Compare: each cell with figures is a run to pick; a grid's sweep is one line per model
    const compare = loaded<{ runs: { id: string }[]; sweeps: { title: string; concurrency: number }[] }>(
      "compare.json",
    );
    expect(compare.runs.map((r) => r.id)).toEqual(
      expect.arrayContaining([GRID.cells.gemma2, GRID.cells.gemma4, GRID.cells.removed]),
    );
    expect(compare.runs.map((r) => r.id)).not.toContain("study");
    const line = compare.sweeps.filter((s) => s.title === "Grid study (model=gemma-3-1b)");
    expect(line.map((s) => s.concurrency).sort((a, b) => a - b)).toEqual([2, 4, 8]);
    // Projections and the matrix: cells are runs like any other
    const projections = loaded<{ runs: { id: string }[] }>("projections.json");
    expect(projections.runs.map((r) => r.id)).toEqual(expect.arrayContaining([GRID.cells.gemma2, GRID.cells.gemma4]));
    const matrix = loaded<{
      matrix: { cells: Record<string, Record<string, { kind: string; runId: string | null }>> };
    }>("runs.json").matrix.cells;
    expect(matrix["google/gemma-3-1b-it"]!["16"]).toMatchObject({ kind: "simulated" });
    expect(matrix["meta-llama/Llama-3.2-1B-Instruct"]!["16"]).toMatchObject({ kind: "failed", runId: "run-l2" });
  });
});

describe("data loaders over an empty store (a new clone, nothing run yet)", () => {
  const scratch = scratchDir("tracker-empty-store-");
  afterAll(() => scratch.remove());

  function load(loader: string, ...args: string[]): unknown {
    const tsx = pathToFileURL(join(PROJECT, "node_modules/tsx/dist/loader.mjs")).href;
    const stdout = execFileSync(process.execPath, ["--import", tsx, join(site.root, "src/data", loader), ...args], {
      cwd: scratch.dir,
      env: {
        ...process.env,
        TRACKER_RESULTS: join(scratch.dir, "results"),
        TRACKER_DIGEST_CACHE: join(scratch.dir, "memo"),
      },
      encoding: "utf8",
    });
    return JSON.parse(stdout);
  }

  test("list experiment files as pending, with no figures and no run", () => {
    mkdirSync(join(scratch.dir, "experiments"));
    writeFileSync(join(scratch.dir, "experiments", "zeta.ts"), "export default {};\n");
    const runs = load("runs.json.ts") as {
      experiments: { id: string; state: string; runId: string | null }[];
      runs: unknown[];
    };
    expect(runs.experiments.map((e) => [e.id, e.state, e.runId])).toEqual([["zeta", "pending", null]]);
    expect(runs.runs).toEqual([]);
    mkdirSync(join(scratch.dir, "results"));
    expect(load("experiments/[id].json.ts", "--id=zeta")).toMatchObject({
      entry: { id: "zeta", state: "pending" },
      digest: null,
      manifest: null,
      answers: [],
    });
    expect(load("compare.json.ts")).toMatchObject({ runs: [], pairs: [] });
    expect(load("projections.json.ts")).toMatchObject({ runs: [], cascades: [] });
  });
});

describe("npm run dev (Framework preview)", () => {
  const scratch = scratchDir("tracker-preview-");
  afterAll(() => scratch.remove());

  test("serves the downloads at the paths the pages link, from the loaders", async () => {
    // A copy of the built project (the preview writes loader output into its cache).
    cpSync(join(site.root, "src"), join(scratch.dir, "src"), {
      recursive: true,
      filter: (source) => !source.includes(".observablehq"),
    });
    for (const file of ["observablehq.config.ts", "package.json"])
      cpSync(join(site.root, file), join(scratch.dir, file));
    for (const dir of ["node_modules", "data-loaders", "experiments"])
      symlinkSync(join(site.root, dir), join(scratch.dir, dir));
    const port = 20_000 + (process.pid % 10_000);
    const preview = spawn(
      process.execPath,
      [
        join(PROJECT, "node_modules/@observablehq/framework/dist/bin/observable.js"),
        "preview",
        "--port",
        String(port),
        "--no-open",
      ],
      {
        cwd: scratch.dir,
        env: {
          ...process.env,
          TRACKER_RESULTS: site.resultsDir,
          TRACKER_DIGEST_CACHE: join(scratch.dir, "memo"),
          OBSERVABLE_TELEMETRY_DISABLE: "1",
        },
        stdio: "ignore",
      },
    );
    try {
      const get = async (path: string) => {
        for (let i = 0; ; i++) {
          try {
            return await fetch(`http://127.0.0.1:${port}${path}`);
          } catch (error) {
            if (i > 100) throw error;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      };
      const csv = await get("/_file/data/downloads/beta/run-b.csv");
      expect(csv.status).toBe(200);
      const text = await csv.text();
      expect(text.split("\n")[0]).toContain("request_index");
      expect(text).toContain("[truncated,");
      const db = await get("/_file/data/downloads/all-runs.duckdb");
      expect(db.status).toBe(200);
      expect((await db.arrayBuffer()).byteLength).toBeGreaterThan(0);
    } finally {
      preview.kill();
    }
  }, 120_000);
});

describe("a build that fails", () => {
  const scratch = scratchDir("tracker-failed-build-");
  afterAll(() => scratch.remove());

  test("leaves the previous dist/ as it was and names the reason", async () => {
    const root = scratch.dir;
    cpSync(join(site.root, "src"), join(root, "src"), {
      recursive: true,
      filter: (source) => !source.includes(".observablehq"),
    });
    for (const name of ["_node", "_observablehq"]) {
      cpSync(join(site.cacheDir, name), join(root, "src/.observablehq/cache", name), { recursive: true });
    }
    for (const file of ["observablehq.config.ts", "package.json"]) cpSync(join(site.root, file), join(root, file));
    for (const dir of ["node_modules", "data-loaders", "experiments"])
      symlinkSync(join(site.root, dir), join(root, dir));
    cpSync(site.resultsDir, join(root, "results"), { recursive: true });
    // A damaged results file: every page that reads the run fails to load.
    writeFileSync(join(root, "results/alpha/run-a/requests.parquet"), "not a parquet file");
    mkdirSync(join(root, "dist"));
    writeFileSync(join(root, "dist/index.html"), "the previous site");

    const errors: string[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => void errors.push(args.join(" "));
    try {
      await expect(buildSite(root, join(root, "results"), { output: () => {}, jobs: 1 })).rejects.toThrow(
        /^observable build failed \(exit 1\); downloads: .*alpha\/run-a\/requests\.parquet.*; the previous dist\/ is left as it was$/s,
      );
    } finally {
      console.error = consoleError;
    }
    expect(readFileSync(join(root, "dist/index.html"), "utf8")).toBe("the previous site");
    expect(errors.join("\n")).toMatch(/alpha\/run-a/); // the digest step names the run it could not read
    expect(readdirSync(root).filter((name) => name.startsWith(".dist-"))).toEqual([]);
  }, 180_000);
});
