// runLoaders (data-loaders/site/prepare.ts): the page loaders' outputs computed in a few
// long-lived processes (site/loader-worker.ts) are the bytes each loader writes when run by
// itself; a loader that throws, or takes its process down, leaves only its own output missing;
// no more than `jobs` processes compute them, in the working directory and environment
// Framework gives a loader.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { inPool } from "../../data-loaders/pool.ts";
import { CACHE_DIR, listFiles, loaderOf, loaderSources } from "../../data-loaders/site/cache.ts";
import { runLoaders } from "../../data-loaders/site/prepare.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";
import { buildFixtureSite, type BuiltSite } from "./site-build.ts";

const run = promisify(execFile);

/** What a loader writes when Framework runs it by itself: `tsx src/<loader> --id=…`, its stdout. */
async function runAlone(root: string, resultsDir: string, target: string): Promise<Buffer> {
  const source = loaderOf(target, loaderSources(root))!;
  const [before, after] = source.replace(/\.[jt]s$/, "").split("[id]");
  const args = after === undefined ? [] : [`--id=${target.slice(before!.length, target.length - after.length)}`];
  const { stdout } = await run(process.execPath, ["--import", "tsx", join("src", source), ...args], {
    cwd: root,
    env: { ...process.env, TRACKER_RESULTS: resultsDir },
    encoding: "buffer",
    maxBuffer: 1 << 30,
  });
  return stdout;
}

describe("over the fixture store (the shared site build, loaders in one process)", () => {
  let site: BuiltSite;
  beforeAll(async () => {
    site = await buildFixtureSite();
  }, 240_000);

  test("every page's data is byte for byte what its loader writes when run by itself", async () => {
    expect(site.loadersFailed).toEqual([]);
    // Every loader output of the pages came from runLoaders, none from Framework running it.
    const outputs = listFiles(join(site.cacheDir, "data"))
      .map((f) => `data/${f}`)
      .filter((f) => !f.startsWith("data/downloads/"));
    expect([...site.loadersRun].sort()).toEqual(outputs);
    expect(outputs).toEqual(
      expect.arrayContaining([
        "data/runs.json",
        "data/compare.json",
        "data/methods.json",
        "data/experiments/alpha.json",
      ]),
    );
    expect(outputs.length).toBeGreaterThan(20);
    const differ: string[] = [];
    await inPool(outputs, 2, async (target) => {
      const alone = await runAlone(site.root, site.resultsDir, target);
      if (!alone.equals(readFileSync(join(site.cacheDir, target)))) differ.push(target);
    });
    expect(differ).toEqual([]);
  }, 400_000);
});

describe("in a scratch project of small loaders", () => {
  const scratch = tempDir("prepare-loaders");
  afterAll(() => scratch.cleanup());
  const root = scratch.dir;
  const results = join(root, "results");
  const cache = join(root, CACHE_DIR);
  const ids = ["one", "two", "three", "four", "five"];
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const loader = (path: string, body: string) => {
    const up = "../".repeat(path.split("/").length - 1);
    write(
      path,
      `import { defineLoader } from "${up}data-loaders/site/loader.ts";\n` +
        `export default defineLoader(import.meta, async (params) => {\n${body}\n});\n`,
    );
  };
  symlinkSync(join(PROJECT, "data-loaders"), join(root, "data-loaders"));
  for (const id of ids) write(`experiments/${id}.ts`, "export default {};\n");
  mkdirSync(results);
  loader(
    "src/data/env.json.ts",
    `return JSON.stringify({ pid: process.pid, cwd: process.cwd(), results: process.env.TRACKER_RESULTS, mark: process.env.TRACKER_TEST_MARK });`,
  );
  loader("src/data/items/[id].json.ts", `return JSON.stringify({ id: params.id, pid: process.pid });`);
  loader("src/data/broken.json.ts", `throw new Error("broken on purpose");`);
  // A plain script: no function to import, so Framework runs it.
  write("src/data/plain.json.ts", `process.stdout.write("{}");\n`);
  // Framework's own downloads are not computed here either.
  loader("src/data/downloads/[experiment]/[run].csv.ts", `return "never";`);

  const outputs = () => listFiles(cache);
  const pidOf = (target: string) => (JSON.parse(readFileSync(join(cache, target), "utf8")) as { pid: number }).pid;
  const items = ids.map((id) => `data/items/${id}.json`);

  async function load(jobs: number) {
    rmSync(cache, { recursive: true, force: true });
    let log = "";
    const report = await runLoaders(root, results, (text) => (log += text), jobs);
    return { ...report, log };
  }

  test("a loader that throws leaves its output missing and the others are written, in at most `jobs` processes", async () => {
    process.env.TRACKER_TEST_MARK = "kept";
    const { ran, failed, log } = await load(2).finally(() => delete process.env.TRACKER_TEST_MARK);
    expect(failed).toEqual(["data/broken.json"]);
    expect(log).toContain("broken on purpose");
    expect(outputs()).toEqual(["data/env.json", ...items].sort()); // no partial file left either
    expect(ran.map((r) => r.target).sort()).toEqual(["data/broken.json", "data/env.json", ...items].sort());
    for (const r of ran) expect(r.seconds).toBeGreaterThanOrEqual(0);
    for (const id of ids) expect(JSON.parse(readFileSync(join(cache, `data/items/${id}.json`), "utf8")).id).toBe(id);
    // The environment Framework gives a loader: the project as working directory, the results
    // folder, the rest of this process's environment.
    const env = JSON.parse(readFileSync(join(cache, "data/env.json"), "utf8"));
    expect([realpathSync(env.cwd), env.results, env.mark]).toEqual([realpathSync(root), results, "kept"]);
    const pids = new Set(["data/env.json", ...items].map(pidOf));
    expect(pids.size).toBeLessThanOrEqual(2);
    expect(pids.has(process.pid)).toBe(false);
  }, 120_000);

  test("one job: one process computes every output", async () => {
    const { failed } = await load(1);
    expect(failed).toEqual(["data/broken.json"]);
    expect(new Set(["data/env.json", ...items].map(pidOf)).size).toBe(1);
  }, 120_000);

  test("outputs already in the cache are not computed again", async () => {
    await load(2);
    writeFileSync(join(cache, "data/env.json"), "cached");
    rmSync(join(cache, "data/items/three.json"));
    const { ran } = await runLoaders(root, results, () => {}, 2);
    expect(ran.map((r) => r.target).sort()).toEqual(["data/broken.json", "data/items/three.json"]);
    expect(readFileSync(join(cache, "data/env.json"), "utf8")).toBe("cached");
  }, 120_000);

  test("a loader that ends its process costs that output only: a new process computes the rest", async () => {
    loader("src/data/dies.json.ts", `process.exit(3);`);
    try {
      const { failed, log } = await load(1);
      expect(failed.sort()).toEqual(["data/broken.json", "data/dies.json"]);
      expect(log).toMatch(/stopped \(exit 3\) while computing data\/dies\.json/);
      expect(outputs()).toEqual(["data/env.json", ...items].sort());
    } finally {
      rmSync(join(root, "src/data/dies.json.ts"));
    }
  }, 120_000);
});
