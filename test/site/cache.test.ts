// The site's caches (data-loaders/site/cache.ts): loader outputs invalidated by content hash, and
// every key's code part computed from import closures, checked by changing modules one by one in
// scratch copies of the project.
import { execFileSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it, test } from "vitest";
import { FORMULA_FOLDERS } from "../../data-loaders/report/methods.ts";
import {
  CodeKeys,
  COMPUTED_BY,
  invalidateLoaderCache,
  listFiles,
  loaderOf,
  loaderSources,
  MEMO_READ_BYTES,
  memoised,
  READ_AS_DATA,
  recordLoaderCache,
  relativeImports,
  runDownloadKey,
  tableDownloadKey,
  settingsMemoName,
} from "../../data-loaders/site/cache.ts";
import type { RunFolder } from "../../data-loaders/store/folders.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";
import { makeManifest, timedRow, writeRun } from "./fixture-store.ts";

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

/** A scratch copy of the code the site's caches are keyed by (under .tmp/, so packages resolve). */
function scratchProject(prefix: string): { root: string; cleanup: () => void } {
  const tmp = tempDir(prefix);
  for (const path of ["data-loaders", "src/data", "package-lock.json"])
    cpSync(join(PROJECT, path), join(tmp.dir, path), { recursive: true });
  return { root: tmp.dir, cleanup: tmp.cleanup };
}

/** Appends a comment to `path` while `fn` runs. */
function changed<T>(path: string, fn: () => T): T {
  const original = readFileSync(path);
  appendFileSync(path, "\n// changed\n");
  try {
    return fn();
  } finally {
    writeFileSync(path, original);
  }
}

/** Every `.ts` file under `dir`, absolute. */
function tsFiles(dir: string): string[] {
  return listFiles(dir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));
}

describe("import closures", () => {
  test("follow static imports, re-exports, side-effect and literal dynamic imports; not type-only ones or packages", () => {
    const source = [
      `import { a } from "./a.ts";`,
      `import b, {\n  type B,\n  c,\n} from "../b.ts";`,
      `import type { T } from "./types.ts";`,
      `export type { U } from "./u.ts";`,
      `export { d } from "./d.ts";`,
      `export * from "./e.ts";`,
      `import "./side-effect.ts";`,
      `const f = await import("./f.ts");`,
      `import { z } from "zod";`,
      `export const x = "./not-an-import.ts";`,
    ].join("\n");
    expect(relativeImports(source).sort()).toEqual(
      ["./a.ts", "../b.ts", "./d.ts", "./e.ts", "./side-effect.ts", "./f.ts"].sort(),
    );
  });

  test("the digest's closure is exactly the project modules Node loads for it; the downloads' holds every one", () => {
    const tmp = tempDir("closure-oracle");
    try {
      // A resolve hook that logs every file Node loads (after tsx resolved it).
      writeFileSync(
        join(tmp.dir, "hooks.mjs"),
        `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (result.url.startsWith("file:")) appendFileSync(process.env.LOADED_LOG, result.url + "\\n");
  return result;
}\n`,
      );
      writeFileSync(
        join(tmp.dir, "register.mjs"),
        `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n`,
      );
      const loaded = (entry: string): string[] => {
        const log = join(tmp.dir, `${entry.replaceAll("/", "_")}.log`);
        execFileSync(
          process.execPath,
          [
            "--import",
            "tsx",
            "--import",
            join(tmp.dir, "register.mjs"),
            "--input-type=module",
            "-e",
            `await import(${JSON.stringify(pathToFileURL(join(PROJECT, entry)).href)});`,
          ],
          { cwd: PROJECT, env: { ...process.env, LOADED_LOG: log } },
        );
        const files = readFileSync(log, "utf8")
          .split("\n")
          .filter((u) => u !== "")
          .map((u) => fileURLToPath(u.replace(/\?.*$/, "")));
        return [...new Set(files)].filter((f) => f.startsWith(PROJECT + "/") && !f.includes("node_modules")).sort();
      };
      const keys = new CodeKeys();
      const digest = loaded(COMPUTED_BY.digest);
      expect(digest).toContain(join(PROJECT, "data-loaders/random.ts"));
      expect(keys.closure(COMPUTED_BY.digest)).toEqual(digest);
      // The downloads also reach a dynamic import (the experiment loader, when settings are read).
      const downloads = keys.closure(COMPUTED_BY.downloads);
      for (const file of loaded(COMPUTED_BY.downloads)) expect(downloads).toContain(file);
      expect(downloads).toContain(join(PROJECT, "data-loaders/experiment/load.ts"));
    } finally {
      tmp.cleanup();
    }
  }, 60_000);

  test("every module named in the table exists, and the Methods page's sources are the formula folders", () => {
    for (const entry of Object.values(COMPUTED_BY)) expect(existsSync(join(PROJECT, entry)), entry).toBe(true);
    expect(READ_AS_DATA["data-loaders/report/methods.ts"]).toEqual(FORMULA_FOLDERS);
  });
});

describe("the digest's memo key, in a scratch copy of the project", () => {
  const scratch = scratchProject("digest-key");
  afterAll(() => scratch.cleanup());
  const root = scratch.root;
  const key = () => new CodeKeys(root).key(COMPUTED_BY.digest);
  const closure = new CodeKeys(root).closure(COMPUTED_BY.digest);
  const base = key();

  test("is computed from the formula modules, random.ts, the store reader and the digest itself", () => {
    const rel = closure.map((f) => relative(root, f));
    for (const module of [
      "data-loaders/report/digest.ts",
      "data-loaders/random.ts",
      "data-loaders/metrics/bootstrap.ts",
      "data-loaders/analysis/extrapolate.ts",
      "data-loaders/store/columns.ts",
    ])
      expect(rel).toContain(module);
    expect(rel.filter((f) => /^data-loaders\/(run|sim|server|client|bench)\//.test(f))).toEqual([]);
  });

  test("changes with each module of the digest's import closure, and with package-lock.json", () => {
    expect(closure.length).toBeGreaterThan(10);
    for (const file of [...closure, join(root, "package-lock.json")])
      expect(
        changed(file, () => key()),
        relative(root, file),
      ).not.toBe(base);
    expect(key()).toBe(base);
  });

  test("does not change with a module outside it", () => {
    const outside = tsFiles(join(root, "data-loaders")).filter((f) => !closure.includes(f));
    expect(outside.map((f) => relative(root, f))).toContain("data-loaders/analysis/cascade.ts");
    for (const file of outside)
      expect(
        changed(file, () => key()),
        relative(root, file),
      ).toBe(base);
  });

  test("a change to random.ts makes the next reader compute the digest again; a change elsewhere does not", async () => {
    const results = join(root, "results");
    const rows = Array.from({ length: 12 }, (_, i) =>
      timedRow(
        { run_id: "run-a", experiment_id: "alpha", request_index: i },
        { sentMs: i * 100, ttftMs: 50, tpotMs: 10, promptTokens: 20, tokens: 8, answer: `answer ${i}` },
      ),
    );
    await writeRun(results, makeManifest({ run_id: "run-a", experiment_id: "alpha" }), rows);
    const memo = join(root, "memo");
    // One process per build: the code key is computed once per process.
    const digest = () =>
      execFileSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "--input-type=module",
          "-e",
          `const { runDigest } = await import(${JSON.stringify(pathToFileURL(join(root, "data-loaders/report/digest.ts")).href)});
const { findRun } = await import(${JSON.stringify(pathToFileURL(join(root, "data-loaders/store/folders.ts")).href)});
const digest = await runDigest(findRun(${JSON.stringify(results)}, "alpha", "run-a", (w) => console.error(w)));
process.stdout.write(String(digest.summary.requests));`,
        ],
        { cwd: root, env: { ...process.env, TRACKER_DIGEST_CACHE: memo }, encoding: "utf8" },
      );
    const entries = () => listFiles(join(memo, "alpha")).filter((f) => /^run-a\.[0-9a-f]{16}\.json$/.test(f));
    expect(digest()).toBe("12");
    expect(entries()).toHaveLength(1);
    expect(changed(join(root, "data-loaders/sim/engine.ts"), digest)).toBe("12");
    expect(entries()).toHaveLength(1); // read from the memo
    appendFileSync(join(root, "data-loaders/random.ts"), "\n// changed\n");
    digest();
    expect(entries()).toHaveLength(2); // computed again under a new key
  }, 60_000);
});

describe("loader output fingerprints, in a scratch copy of the project", () => {
  const scratch = scratchProject("loader-key");
  afterAll(() => scratch.cleanup());
  const root = scratch.root;
  const results = join(root, "results");
  const cache = join(root, "src/.observablehq/cache");
  const outputs = { "data/experiments/alpha.json": "experiments/[id].json.ts", "data/methods.json": "methods.json.ts" };
  const fill = () => {
    for (const output of Object.keys(outputs)) {
      mkdirSync(dirname(join(cache, output)), { recursive: true });
      writeFileSync(join(cache, output), "cached");
    }
    recordLoaderCache(root, results);
  };
  mkdirSync(results, { recursive: true });
  writeFileSync(join(results, "experiments.json"), JSON.stringify({ experiments: [{ id: "alpha" }] }));
  const keys = new CodeKeys(root);
  const closureOf = (output: keyof typeof outputs) => keys.closure(join("src/data", outputs[output]));

  test("an output is found to come from its loader, a [param] route included", () => {
    const sources = loaderSources(root);
    expect(loaderOf("data/experiments/alpha.json", sources)).toBe("data/experiments/[id].json.ts");
    expect(loaderOf("data/methods.json", sources)).toBe("data/methods.json.ts");
    expect(loaderOf("data/requests/llama-3.2-1b.arrow", sources)).toBe("data/requests/[id].arrow.ts");
    expect(loaderOf("data/downloads/alpha/run-a.csv", sources)).toBe("data/downloads/[experiment]/[run].csv.ts");
    expect(loaderOf("data/nothing.json", sources)).toBeUndefined();
  });

  test("a change to each module of the experiment page loader's closure invalidates its output", () => {
    const closure = closureOf("data/experiments/alpha.json");
    expect(closure.map((f) => relative(root, f))).toEqual(
      // The loader helper (site/loader.ts) is part of what the loader runs.
      expect.arrayContaining(["data-loaders/random.ts", "data-loaders/site/loader.ts"]),
    );
    for (const file of closure) {
      fill();
      const removed = changed(file, () => invalidateLoaderCache(root, results).removed);
      expect(removed, relative(root, file)).toContain("data/experiments/alpha.json");
    }
  });

  test("a module outside every loader's closure invalidates nothing", () => {
    const inside = new Set(loaderSources(root).flatMap((s) => keys.closure(join("src", s))));
    const outside = tsFiles(join(root, "data-loaders")).filter(
      (f) => !inside.has(f) && !/data-loaders\/(metrics|analysis)\//.test(f),
    );
    expect(outside.map((f) => relative(root, f))).toContain("data-loaders/sim/engine.ts");
    for (const file of outside) {
      fill();
      expect(
        changed(file, () => invalidateLoaderCache(root, results).removed),
        relative(root, file),
      ).toEqual([]);
    }
  });

  test("the Methods data follows every formula module's header, even one its loader does not import", () => {
    // The selection notes are written only by `tracker report`: no page's loader imports them.
    const selection = join(root, "data-loaders/analysis/selection.ts");
    expect(closureOf("data/methods.json")).not.toContain(selection);
    expect(closureOf("data/experiments/alpha.json")).not.toContain(selection);
    fill();
    expect(changed(selection, () => invalidateLoaderCache(root, results).removed)).toEqual(["data/methods.json"]);
  });
});

describe("the settings and downloads keys", () => {
  const scratch = scratchProject("settings-key");
  afterAll(() => scratch.cleanup());
  const root = scratch.root;

  test("the settings memo follows the experiment file, what it imports and the settings reader", () => {
    const dir = join(root, "experiments");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "prices.ts"), "export const prices = [];\n");
    const file = join(dir, "alpha.ts");
    writeFileSync(file, `import { prices } from "./prices.ts";\nexport default { prices };\n`);
    const name = () => settingsMemoName("alpha", file, new CodeKeys(root));
    const base = name();
    expect(base).toMatch(/^settings\/alpha\.[0-9a-f]{16}\.json$/);
    expect(changed(file, name)).not.toBe(base);
    expect(changed(join(dir, "prices.ts"), name)).not.toBe(base);
    expect(changed(join(root, "data-loaders/experiment/schema.ts"), name)).not.toBe(base);
    expect(changed(join(root, "data-loaders/sim/engine.ts"), name)).toBe(base);
  });

  test("a run's download key follows the publishing code and the publish mode, not the simulator", () => {
    const run = { experimentId: "alpha", runId: "run-a", path: join(root, "no-run"), requestsPath: null };
    const key = (publish = "full") => runDownloadKey(run as unknown as RunFolder, publish, new CodeKeys(root));
    const base = key();
    expect(key("hashed")).not.toBe(base);
    expect(changed(join(root, "data-loaders/report/publish.ts"), () => key())).not.toBe(base);
    expect(changed(join(root, "data-loaders/sim/engine.ts"), () => key())).toBe(base);
  });

  test("a run's key in a table of the database of all runs follows that table's file, the publish mode and the code", () => {
    const file = join(root, "quality.parquet");
    writeFileSync(file, "scored");
    const key = (publish = "full", path: string | null = file) => tableDownloadKey(path, publish, new CodeKeys(root));
    const base = key();
    expect(key("hashed")).not.toBe(base);
    expect(key("full", null)).not.toBe(base);
    expect(key("full", join(root, "missing.parquet"))).toBe(key("full", null));
    expect(changed(join(root, "data-loaders/site/all-runs.ts"), () => key())).not.toBe(base);
    expect(changed(join(root, "data-loaders/sim/engine.ts"), () => key())).toBe(base);
    // Last: written back, the file has a new time (what the key reads of it).
    expect(changed(file, () => key())).not.toBe(base);
  });
});

describe("the memo, read in one process", () => {
  const tmp = tempDir("memo-read");
  const saved = process.env.TRACKER_DIGEST_CACHE;
  beforeAll(() => void (process.env.TRACKER_DIGEST_CACHE = tmp.dir));
  afterAll(() => {
    if (saved === undefined) delete process.env.TRACKER_DIGEST_CACHE;
    else process.env.TRACKER_DIGEST_CACHE = saved;
    tmp.cleanup();
  });
  const never = () => Promise.reject(new Error("computed although the memo holds it"));

  test("an entry is parsed once: every reader shares one frozen value", async () => {
    writeFileSync(join(tmp.dir, "a.key.json"), JSON.stringify({ rows: [{ x: 1 }], name: "a" }));
    const first = await memoised<{ rows: { x: number }[] }>("a.key.json", never);
    expect(await memoised("a.key.json", never)).toBe(first);
    expect(first).toEqual({ rows: [{ x: 1 }], name: "a" });
    expect(() => first.rows.push({ x: 2 })).toThrow(TypeError);
    expect(() => (first.rows[0]!.x = 3)).toThrow(TypeError);
  });

  test("the file decides: a removed entry is computed and written again, frozen too", async () => {
    const name = "b.key.json";
    writeFileSync(join(tmp.dir, name), JSON.stringify({ v: 1 }));
    expect(await memoised(name, never)).toEqual({ v: 1 });
    rmSync(join(tmp.dir, name));
    const computed = await memoised(name, async () => ({ v: 2 }));
    expect(computed).toEqual({ v: 2 });
    expect(Object.isFrozen(computed)).toBe(true);
    expect(JSON.parse(readFileSync(join(tmp.dir, name), "utf8"))).toEqual({ v: 2 });
  });

  test("the values kept are bounded: past MEMO_READ_BYTES of text, the least recently read leave", async () => {
    const big = (name: string) => {
      writeFileSync(join(tmp.dir, name), JSON.stringify({ text: "x".repeat(MEMO_READ_BYTES / 2 + 1) }));
      return memoised<{ text: string }>(name, never);
    };
    const c = await big("c.key.json");
    expect(await memoised("c.key.json", never)).toBe(c);
    await big("d.key.json"); // c and d pass the bound together: c leaves
    const again = await memoised<{ text: string }>("c.key.json", never);
    expect(again).not.toBe(c);
    expect(again).toEqual(c);
  });
});
