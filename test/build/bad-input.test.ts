// Bad experiment files next to a good one: clear errors, non-zero exit, nothing written for them,
// and the good one still runs when asked for by id.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT, smallSpec, tempDir, writeExperiment } from "../helpers/temp.ts";

const BAD = join(PROJECT, "test/fixtures/bad-experiments");

describe("bad experiment files beside a good one", () => {
  const tmp = tempDir("bad-input");
  afterAll(() => tmp.cleanup());
  const experiments = join(tmp.dir, "experiments");
  const results = join(tmp.dir, "results");
  writeExperiment(tmp.dir, "good", smallSpec({ requests: 6 }));
  // The corpus imports the schema by a relative path; .tmp/<dir>/experiments is as deep as its home.
  const nested = experiments;
  cpSync(BAD, nested, { recursive: true });
  const tracker = (dir: string, ...args: string[]) => {
    const r = spawnSync(process.execPath, ["--import", "tsx", join(PROJECT, "data-loaders/cli.ts"), ...args], {
      cwd: PROJECT,
      encoding: "utf8",
      // One file of the corpus never finishes loading: a short limit keeps the test short.
      env: { ...process.env, TRACKER_EXPERIMENTS: dir, TRACKER_RESULTS: results, TRACKER_LOAD_TIMEOUT_S: "4" },
    });
    return { code: r.status, out: r.stdout + r.stderr };
  };

  it("validate names every bad file and exits 1", () => {
    const r = tracker(nested, "validate");
    expect(r.code).toBe(1);
    const bad = readdirSync(nested).filter((f) => /\.m?ts$/.test(f) && !["good.ts", "twin.mts"].includes(f));
    for (const f of bad) expect(r.out, f).toContain(`${f}: `);
    expect(r.out).toMatch(/^ok .*good\.ts/m);
    // files that hang, exit or reject while loading are messages, never a crash or a stack trace
    expect(r.out).toMatch(/load-never-finishes\.ts: did not finish loading within 4 s/);
    expect(r.out).toMatch(/exits-while-loading\.ts: ended the process while loading \(exit code 3\)/);
    expect(r.out).toMatch(/export-rejects\.ts: the default export is a Promise that rejected \(no spec today\)/);
    expect(r.out).not.toMatch(/^\s+at /m);
    expect(r.out).not.toContain("sk-corpus-secret");
  });

  it("validate warns about an API key variable that is not set, and still passes", () => {
    const root = join(tmp.dir, "keyed");
    writeExperiment(
      root,
      "needs-key",
      `{ title: "t", server: { url: "http://127.0.0.1:9", model: "m", apiKeyEnv: "TRACKER_TEST_UNSET_KEY" }, workload: { prompts: { inline: ["a"] }, maxTokens: 16, temperature: 0, seed: 1 }, requests: 2, load: { concurrency: 1 } }`,
    );
    const keyed = join(root, "experiments");
    const r = tracker(keyed, "validate");
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(
      "warning: " +
        relative(PROJECT, join(keyed, "needs-key.ts")) +
        ": server.apiKeyEnv: environment variable TRACKER_TEST_UNSET_KEY is not set: a run fails until it is",
    );
    expect(r.out).toMatch(/^ok .*needs-key\.ts/m);
  });

  it("run by id runs the good experiment; a full run exits 1 and writes nothing for the bad ones", () => {
    const byId = tracker(nested, "run", "good");
    expect(byId.code, byId.out).toBe(0);
    expect(readdirSync(join(results, "good"))).toHaveLength(1);
    const all = tracker(nested, "run");
    expect(all.code).toBe(1);
    expect(all.out).toMatch(/\d+ error\(s\) in experiment files/);
    const written = readdirSync(results).filter((f) => f !== "experiments.json" && f !== ".lock");
    expect(written.sort()).toEqual(["good", "twin"].filter((id) => existsSync(join(results, id))).sort());
    expect(written).not.toContain("concurrency-zero");
  });
});
