import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT, smallSpec, tempDir, writeExperiment } from "../helpers/temp.ts";

function tracker(dir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(PROJECT, "data-loaders/cli.ts"), ...args], {
    cwd: PROJECT,
    encoding: "utf8",
    env: { ...process.env, TRACKER_EXPERIMENTS: join(dir, "experiments"), TRACKER_RESULTS: join(dir, "results") },
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

const runsOf = (dir: string, id: string) => readdirSync(join(dir, "results", id)).sort();

describe("staleness: what `tracker run` (and so `npm run build`) runs", () => {
  const tmp = tempDir("staleness");
  afterAll(() => tmp.cleanup());
  const a = () => writeExperiment(tmp.dir, "alpha", smallSpec({ requests: 8 }));
  const b = () => writeExperiment(tmp.dir, "beta", smallSpec({ requests: 8, profile: "gemma-3-1b@rtx-4080" }));

  it("runs every experiment the first time", () => {
    a();
    b();
    const r = tracker(tmp.dir, "run");
    expect(r.out).toContain("2 to run, 0 fresh");
    expect(r.code).toBe(0);
    expect(runsOf(tmp.dir, "alpha")).toHaveLength(1);
    expect(runsOf(tmp.dir, "beta")).toHaveLength(1);
    const index = JSON.parse(readFileSync(join(tmp.dir, "results/experiments.json"), "utf8"));
    expect(index.experiments.map((e: { id: string; state: string }) => `${e.id}:${e.state}`)).toEqual([
      "alpha:fresh",
      "beta:fresh",
    ]);
  });

  it("runs nothing the second time, even when files are touched", () => {
    const file = a(); // rewritten with identical content: a new mtime, the same hash
    writeFileSync(file, readFileSync(file));
    const r = tracker(tmp.dir, "run");
    expect(r.out).toContain("0 to run, 2 fresh");
    expect(runsOf(tmp.dir, "alpha")).toHaveLength(1);
  });

  it("editing the notes re-runs nothing; editing the request count re-runs only that experiment", () => {
    writeExperiment(tmp.dir, "alpha", smallSpec({ requests: 8, extra: `notes: "a new hypothesis",` }));
    expect(tracker(tmp.dir, "run").out).toContain("0 to run, 2 fresh");
    writeExperiment(tmp.dir, "alpha", smallSpec({ requests: 9 }));
    expect(tracker(tmp.dir, "list").out).toMatch(/stale\s+alpha/);
    const r = tracker(tmp.dir, "run");
    expect(r.out).toContain("1 to run, 1 fresh");
    expect(runsOf(tmp.dir, "alpha")).toHaveLength(2);
    expect(runsOf(tmp.dir, "beta")).toHaveLength(1);
    expect(tracker(tmp.dir, "list").out).toMatch(/fresh\s+alpha/);
  });

  it("a malformed experiment fails validate and run with file and field, leaving results untouched", () => {
    const before = [runsOf(tmp.dir, "alpha"), runsOf(tmp.dir, "beta")];
    writeExperiment(tmp.dir, "gamma", smallSpec({ concurrency: 0 }));
    const v = tracker(tmp.dir, "validate");
    expect(v.code).toBe(1);
    expect(v.out).toContain("experiments/gamma.ts: load.concurrency: Too small: expected number to be >=1");
    const r = tracker(tmp.dir, "run");
    expect(r.code).toBe(1);
    expect(r.out).toContain("gamma.ts: load.concurrency");
    expect([runsOf(tmp.dir, "alpha"), runsOf(tmp.dir, "beta")]).toEqual(before);
    const index = JSON.parse(readFileSync(join(tmp.dir, "results/experiments.json"), "utf8"));
    expect(index.experiments.find((e: { id: string }) => e.id === "gamma").state).toBe("invalid");
  });
});
