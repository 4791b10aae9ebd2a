import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { experimentFileIds, findRun, listRuns, readRunFolder } from "../../data-loaders/store/folders.ts";
import { writeStoreFixture, type StoreFixture } from "./fixture.ts";
import { makeManifest, writeRun } from "../site/fixture-store.ts";
import { tempDir } from "../helpers/temp.ts";

let store: StoreFixture;
const warnings: string[] = [];
const warn = (message: string) => warnings.push(message);

beforeAll(async () => {
  store = await writeStoreFixture();
});
afterAll(() => store.cleanup());

describe("listRuns", () => {
  test("lists well-formed runs by start time and reports, but keeps, malformed folders", () => {
    const { dir, requestsPath } = store;
    warnings.length = 0;
    const runs = listRuns(dir, warn);
    expect(runs.map((r) => [r.experimentId, r.runId, r.manifest.status])).toEqual([
      ["alpha", "r0", "failed"],
      ["alpha", "r1", "complete"],
    ]);
    expect(runs[0]!.requestsPath).toBeNull();
    expect(runs[1]!.requestsPath).toBe(requestsPath);
    const reported = warnings.join("\n");
    for (const name of ["no-manifest", "garbled", "wrong-shape", "moved", "notes.txt", "README"])
      expect(reported).toContain(name);
    expect(reported).not.toContain(".lock");
    expect(existsSync(join(dir, "alpha", "garbled", "manifest.json"))).toBe(true);
    expect(existsSync(join(dir, "alpha", "notes.txt"))).toBe(true);
  });

  test("is empty for a store that does not exist yet", () => {
    expect(listRuns(join(store.dir, "missing"), warn)).toEqual([]);
  });
});

describe("findRun and readRunFolder", () => {
  test("findRun resolves the run an entry shows, and null for none or a missing folder", () => {
    const { dir, requestsPath } = store;
    expect(findRun(dir, "alpha", "r1", warn)?.requestsPath).toBe(requestsPath);
    expect(findRun(dir, "alpha", null, warn)).toBeNull();
    warnings.length = 0;
    expect(findRun(dir, "alpha", "gone", warn)).toBeNull();
    expect(warnings.join()).toContain("gone");
    expect(findRun(dir, "alpha", "garbled", warn)).toBeNull();
  });

  test("readRunFolder refuses a folder whose manifest names another run or experiment", () => {
    warnings.length = 0;
    expect(readRunFolder(join(store.dir, "alpha", "moved"), "alpha", warn)).toBeNull();
    expect(readRunFolder(join(store.dir, "alpha", "r1"), "beta", warn)).toBeNull();
    expect(warnings).toHaveLength(2);
    expect(warnings.join("\n")).toContain("not its folder");
    expect(readRunFolder(join(store.dir, "alpha", "r1"), "alpha", warn)?.runId).toBe("r1");
  });
});

describe("experimentFileIds", () => {
  test("are the experiment file names without .ts, sorted; none for a missing folder", () => {
    expect(experimentFileIds(store.experimentsDir)).toEqual(["alpha", "zeta"]);
    expect(experimentFileIds(join(store.root, "nowhere"))).toEqual([]);
  });
});

describe("shard runs", () => {
  test("are not an experiment's runs: left out with a warning, listed only when asked for", async () => {
    const tmp = tempDir("folders-shards");
    try {
      const manifest = makeManifest({ run_id: "s0", experiment_id: "beta", shard: { index: 0, count: 2 } });
      await writeRun(tmp.dir, manifest, null);
      await writeRun(tmp.dir, makeManifest({ run_id: "whole", experiment_id: "beta" }), null);
      const seen: string[] = [];
      expect(listRuns(tmp.dir, (m) => seen.push(m)).map((r) => r.runId)).toEqual(["whole"]);
      expect(seen.join("\n")).toMatch(/s0 is a shard run, not the experiment's until `tracker merge` joins its shards/);
      expect(listRuns(tmp.dir, () => {}, { shards: true }).map((r) => r.runId)).toEqual(["s0", "whole"]);
    } finally {
      tmp.cleanup();
    }
  });
});
