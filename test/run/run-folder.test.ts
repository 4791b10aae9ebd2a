import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createRunFolder, type RunFolderSpec } from "../../data-loaders/run/run-folder.ts";
import type { Manifest } from "../../data-loaders/store/schemas/manifest.ts";
import { ROW_SCHEMA_VERSION } from "../../data-loaders/store/schemas/request-row.ts";
import { tempDir } from "../helpers/temp.ts";

const HASH = "ab12cd34".padEnd(64, "0");

function manifest(runId: string): Manifest {
  return {
    row_schema_version: ROW_SCHEMA_VERSION,
    tracker_version: "test",
    run_id: runId,
    experiment_id: "exp",
    source: "simulated",
    status: "running",
    reason: null,
    spec_hash: HASH,
    prompt_hash: "",
    spec: {},
    server: { kind: "simulate", endpoint: "", model: "m", profile: null },
    started_at: new Date().toISOString(),
    finished_at: null,
    counts: { requests: 1, done: 0, ok: 0, error: 0 },
    environment: { node: "", os: "", cpu: "", host: "", git_commit: null, git_dirty: null, gpus: null },
  };
}

describe("createRunFolder", () => {
  const tmp = tempDir("run-folder");
  afterAll(() => tmp.cleanup());
  const spec = (repeat: number | null): RunFolderSpec => ({
    experimentId: "exp",
    specHash: HASH,
    unit: { repeat: repeat ?? 0 },
    repeated: repeat !== null,
  });

  it("makes the folder with its manifest in one rename, and removes only this run's leftovers", async () => {
    const root = join(tmp.dir, "results");
    const folder = join(root, "exp");
    const make = (name: string, files: Record<string, string> = {}) => {
      mkdirSync(join(folder, name), { recursive: true });
      for (const [file, text] of Object.entries(files)) writeFileSync(join(folder, name, file), text);
    };
    make("20250101-000000Z-ab12cd34-r4"); // empty, same spec and repeat: removed
    make(".20250101-000001Z-ab12cd34-r4.creating", { "manifest.json.tmp": "{" }); // killed creation: removed
    make("20250101-000002Z-ab12cd34-r4-2", { "journal.jsonl": "{}\n" }); // holds data: left alone
    make("20250101-000003Z-ab12cd34-r8"); // another repeat: not this run
    make("20250101-000004Z-ffffffff-r4"); // another spec: not this run
    const lines: string[] = [];
    const seen: string[] = [];
    const made = await createRunFolder(
      root,
      spec(4),
      async (runId) => {
        seen.push(...readdirSync(folder)); // the manifest is built before anything new is visible
        return manifest(runId);
      },
      (l) => lines.push(l),
    );
    expect(made.runId).toMatch(/^\d{8}-\d{6}Z-ab12cd34-r4$/);
    expect(JSON.parse(readFileSync(join(made.dir, "manifest.json"), "utf8")).run_id).toBe(made.runId);
    expect(seen.some((name) => name.endsWith(".creating"))).toBe(false);
    expect(readdirSync(folder).sort()).toEqual(
      [
        made.runId,
        "20250101-000002Z-ab12cd34-r4-2",
        "20250101-000003Z-ab12cd34-r8",
        "20250101-000004Z-ffffffff-r4",
      ].sort(),
    );
    expect(lines.filter((l) => l.includes("removed"))).toHaveLength(2);
    expect(lines.join("\n")).toContain(
      "20250101-000002Z-ab12cd34-r4-2 has no manifest but holds journal.jsonl: left alone",
    );
  });

  it("a second run of the same unit in the same second gets a numbered id", async () => {
    const root = join(tmp.dir, "results2");
    const first = await createRunFolder(
      root,
      spec(null),
      async (id) => manifest(id),
      () => {},
    );
    const second = await createRunFolder(
      root,
      spec(null),
      async (id) => manifest(id),
      () => {},
    );
    expect(second.runId).not.toBe(first.runId);
    if (second.runId.startsWith(first.runId)) expect(second.runId).toBe(`${first.runId}-2`); // the same second
    expect(existsSync(join(first.dir, "manifest.json")) && existsSync(join(second.dir, "manifest.json"))).toBe(true);
  });
});
