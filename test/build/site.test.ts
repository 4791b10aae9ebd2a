import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { invalidateLoaderCache, recordLoaderCache } from "../../data-loaders/build/site.ts";
import { tempDir } from "../helpers/temp.ts";

describe("loader cache invalidation by content hash", () => {
  const tmp = tempDir("cache");
  afterAll(() => tmp.cleanup());
  const root = tmp.dir;
  const results = join(root, "results");
  const cache = join(root, "src/.observablehq/cache");
  const outputs = ["data/summary.json", "data/runs/alpha.json", "data/runs/beta.json"];
  const write = (path: string, text: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  const fillCache = () => {
    for (const f of outputs) write(join(cache, f), "cached");
    write(join(cache, "_node/lib.js"), "bundled library");
  };
  const writeIndex = (alphaRun: string) =>
    write(
      join(results, "experiments.json"),
      JSON.stringify({
        generated_at: new Date().toISOString(),
        experiments: [
          { id: "alpha", run_id: alphaRun, state: "fresh" },
          { id: "beta", run_id: "b1", state: "fresh" },
        ],
      }),
    );

  it("drops outputs of unknown provenance but never bundled libraries", () => {
    write(join(root, "data-loaders/x.ts"), "export const x = 1;");
    writeIndex("a1");
    fillCache();
    const report = invalidateLoaderCache(root, results);
    expect(report.removed.sort()).toEqual([...outputs].sort());
    expect(existsSync(join(cache, "_node/lib.js"))).toBe(true);
  });

  it("keeps everything when nothing changed, even with a new generated_at", () => {
    fillCache();
    recordLoaderCache(root, results);
    writeIndex("a1");
    expect(invalidateLoaderCache(root, results).removed).toEqual([]);
  });

  it("a new run of one experiment invalidates its page data and the cross-experiment data only", () => {
    writeIndex("a2");
    const report = invalidateLoaderCache(root, results);
    expect(report.removed.sort()).toEqual(["data/runs/alpha.json", "data/summary.json"]);
    expect(report.kept).toEqual(["data/runs/beta.json"]);
  });

  it("a change in the loader code invalidates everything", () => {
    fillCache();
    recordLoaderCache(root, results);
    write(join(root, "data-loaders/x.ts"), "export const x = 2;");
    expect(invalidateLoaderCache(root, results).removed.sort()).toEqual([...outputs].sort());
  });
});

describe("settings read from experiment files", () => {
  const tmp = tempDir("cache-files");
  afterAll(() => tmp.cleanup());
  const root = tmp.dir;
  const results = join(root, "results");
  const cache = join(root, "src/.observablehq/cache");
  const put = (path: string, text: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };

  it("an edited experiment file (e.g. its prices) invalidates its page and the cross-experiment data", () => {
    put(join(results, "experiments.json"), JSON.stringify({ experiments: [{ id: "alpha" }, { id: "beta" }] }));
    put(join(root, "experiments/alpha.ts"), "prices: 1");
    put(join(root, "experiments/beta.ts"), "prices: 1");
    for (const f of ["data/summary.json", "data/runs/alpha.json", "data/runs/beta.json"]) put(join(cache, f), "cached");
    recordLoaderCache(root, results);
    put(join(root, "experiments/alpha.ts"), "prices: 2");
    expect(invalidateLoaderCache(root, results).removed.sort()).toEqual(["data/runs/alpha.json", "data/summary.json"]);
  });
});
