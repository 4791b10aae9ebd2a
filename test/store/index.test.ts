import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { findRun } from "../../data-loaders/store/folders.ts";
import {
  experimentEntries,
  indexEntry,
  readExperimentIndex,
  writeExperimentIndexFile,
} from "../../data-loaders/store/index.ts";
import { makeEntry, writeIndex } from "../site/fixture-store.ts";
import { writeStoreFixture, type StoreFixture } from "./fixture.ts";

let store: StoreFixture;
const warnings: string[] = [];
const warn = (message: string) => warnings.push(message);

beforeAll(async () => {
  store = await writeStoreFixture();
});
afterAll(() => store.cleanup());

describe("experiment index", () => {
  test("is empty for a store that does not exist yet", () => {
    expect(experimentEntries(join(store.dir, "missing"), join(store.dir, "no-experiments"), warn)).toEqual([]);
  });

  test("falls back to experiment file names, with the latest run, when experiments.json is missing", () => {
    expect(readExperimentIndex(store.dir, warn)).toBeNull();
    const entries = experimentEntries(store.dir, store.experimentsDir, warn);
    expect(entries.map((e) => [e.id, e.state, e.run_id, e.simulated, e.model])).toEqual([
      ["alpha", "pending", "r1", true, "gemma-3-4b"],
      ["zeta", "pending", null, false, null],
    ]);
  });

  test("reads experiments.json, and ignores it with a warning when it is invalid", () => {
    const indexDir = join(store.root, "indexed");
    writeIndex(indexDir, [makeEntry({ id: "alpha", title: "Alpha", state: "fresh", run_id: "r1", simulated: true })]);
    expect(experimentEntries(indexDir, store.experimentsDir, warn).map((e) => [e.id, e.title, e.state])).toEqual([
      ["alpha", "Alpha", "fresh"],
    ]);

    writeFileSync(join(indexDir, "experiments.json"), JSON.stringify({ experiments: [{ id: 1 }] }));
    warnings.length = 0;
    expect(readExperimentIndex(indexDir, warn)).toBeNull();
    expect(warnings.join()).toContain("experiments.json");
  });
});

describe("indexEntry", () => {
  test("fills what it is not given with the id or null", () => {
    expect(indexEntry({ id: "x", state: "invalid", file: "x.ts: load", error: "bad" })).toEqual({
      id: "x",
      file: "x.ts: load",
      title: "x",
      notes: "",
      state: "invalid",
      spec_hash: null,
      run_id: null,
      spec: null,
      simulated: false,
      model: null,
      error: "bad",
    });
  });

  test("takes the run id from the run it shows", () => {
    const shown = findRun(store.dir, "alpha", "r1", warn);
    const entry = indexEntry({ id: "alpha", state: "fresh", shown, specHash: "h", simulated: true, model: "m" });
    expect([entry.file, entry.run_id, entry.spec_hash, entry.simulated, entry.model]).toEqual([
      "alpha.ts",
      "r1",
      "h",
      true,
      "m",
    ]);
  });
});

describe("writeExperimentIndexFile", () => {
  test("writes a validated index that reads back the same, and refuses an invalid entry", () => {
    const dir = join(store.root, "written", "results");
    const entries = [indexEntry({ id: "a", state: "pending" }), indexEntry({ id: "b", state: "failed", error: "x" })];
    const written = writeExperimentIndexFile(dir, entries);
    expect(written.experiments).toEqual(entries);
    expect(readExperimentIndex(dir, warn)).toEqual(written);
    expect(readFileSync(join(dir, "experiments.json"), "utf8").endsWith("}\n")).toBe(true);
    const bad = { ...entries[0]!, state: "gone" } as unknown as (typeof entries)[number];
    expect(() => writeExperimentIndexFile(dir, [bad])).toThrow();
    expect(readExperimentIndex(dir, warn)).toEqual(written);
  });
});
