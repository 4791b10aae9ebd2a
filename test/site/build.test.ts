// Builds the site over a fixture store and checks the output is complete and fully offline.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildFixtureSite, type BuiltSite } from "./site-build.ts";

/** XML namespace identifiers: URIs in the bundled libraries that are never fetched. */
const NAMESPACE_URIS = new Set([
  "http://www.w3.org/2000/svg",
  "http://www.w3.org/1999/xhtml",
  "http://www.w3.org/1999/xlink",
  "http://www.w3.org/XML/1998/namespace",
  "http://www.w3.org/2000/xmlns/",
]);

let site: BuiltSite;
beforeAll(async () => {
  site = await buildFixtureSite();
}, 180_000);
afterAll(() => site?.remove());

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
    for (const [url] of readFileSync(file, "utf8").matchAll(/https?:\/\/[^\s"'`)<>\\]*/g)) {
      if (NAMESPACE_URIS.has(url)) continue;
      if (/^https?:\/\/(localhost|127\.0\.0\.1)([:/]|$)/.test(url)) continue;
      found.push(`${relative(outDir, file)}: ${url}`);
    }
  }
  return found;
}

describe("observable build over a fixture store", () => {
  test("writes the home page and one page per experiment", () => {
    expect(existsSync(join(site.outDir, "index.html"))).toBe(true);
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

  test("publishes the home page summary computed from the stored runs", () => {
    const [summaryFile] = files(join(site.outDir, "_file/data")).filter((f) => /summary\.[0-9a-f]+\.json$/.test(f));
    expect(summaryFile).toBeDefined();
    const rows = JSON.parse(readFileSync(summaryFile!, "utf8")) as { id: string; state: string; summary: { requests: number; failed: number } | null }[];
    expect(rows.map((r) => [r.id, r.state])).toEqual([
      ["alpha", "fresh"],
      ["beta", "stale"],
      ["gamma", "pending"],
      ["delta", "failed"],
      ["epsilon", "invalid"],
    ]);
    const alpha = rows.find((r) => r.id === "alpha")!;
    expect(alpha.summary).toMatchObject({ requests: 30, failed: 1 });
    expect(rows.filter((r) => r.summary === null).map((r) => r.id)).toEqual(["gamma", "delta", "epsilon"]);
  });
});

describe("data loaders over an empty store (a new clone, nothing run yet)", () => {
  function load(loader: string, results: string, ...args: string[]): unknown {
    const stdout = execFileSync(process.execPath, ["--import", "tsx", join("src/data", loader), ...args], {
      cwd: site.root,
      env: { ...process.env, TRACKER_RESULTS: results },
      encoding: "utf8",
    });
    return JSON.parse(stdout);
  }

  test("list experiment files as pending, with no figures and no run", () => {
    const empty = join(site.root, "empty-results");
    writeFileSync(join(site.root, "experiments", "zeta.ts"), "export default {};\n");
    expect(load("summary.json.ts", empty)).toEqual([
      { id: "zeta", title: "zeta", state: "pending", model: null, simulated: false, error: null, runId: null, runStatus: null, summary: null },
    ]);
    mkdirSync(empty);
    expect(load("runs/[id].json.ts", empty, "--id=zeta")).toMatchObject({
      entry: { id: "zeta", state: "pending" },
      run: null,
      summary: null,
      series: [],
      answers: [],
    });
  });
});
