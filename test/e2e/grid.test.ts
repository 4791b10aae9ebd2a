// A grid end to end, through the CLI on the simulator: the cells run; adding a cell runs only it
// (exactly one new run folder); a removed cell stays listed and readable with its runs; an
// experiment without a grid beside it keeps its hash and stays fresh; --cell picks cells.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { experimentPage } from "../../data-loaders/report/pages/experiment.ts";
import type { ExperimentIndex } from "../../data-loaders/store/schemas/experiment-index.ts";
import { simulatedSpec, writeSpec, type TestSpec } from "../helpers/spec.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";

const CLI = join(PROJECT, "data-loaders/cli.ts");

describe("a grid through tracker run and tracker list", () => {
  const tmp = tempDir("grid-e2e");
  afterAll(() => tmp.cleanup());
  const results = join(tmp.dir, "results");
  const tracker = (...args: string[]) => {
    const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], {
      cwd: PROJECT,
      encoding: "utf8",
      env: { ...process.env, TRACKER_EXPERIMENTS: join(tmp.dir, "experiments"), TRACKER_RESULTS: results },
    });
    return { code: r.status, out: r.stdout + r.stderr };
  };
  const runsOf = (id: string) => (existsSync(join(results, id)) ? readdirSync(join(results, id)).sort() : []);
  const manifest = (id: string, run: string) =>
    JSON.parse(readFileSync(join(results, id, run, "manifest.json"), "utf8"));
  const index = () => JSON.parse(readFileSync(join(results, "experiments.json"), "utf8")) as ExperimentIndex;
  const grid = (concurrency: number[]): TestSpec =>
    simulatedSpec({
      title: "models by concurrency",
      requests: 8,
      workload: { prompts: { generate: "candidate-profiles", count: 4 }, maxTokens: 32, temperature: 0, seed: 7 },
      grid: {
        model: { llama: {}, gemma: { server: { simulate: "gemma-3-1b@rtx-4080", speedup: 20 } } },
        concurrency,
      },
    });

  it("runs every cell, then only a cell that was added, and keeps a removed cell readable", async () => {
    writeSpec(tmp.dir, "plain", simulatedSpec({ requests: 6 }));
    writeSpec(tmp.dir, "g", grid([2]));
    const first = tracker("run");
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain("g [model=gemma,concurrency=2]: complete, 8/8 ok");
    const before = runsOf("g");
    expect(before).toHaveLength(2);
    const plainRuns = runsOf("plain");
    expect(plainRuns).toHaveLength(1);

    // add a value to the concurrency axis: two cells (one per model)... and only those run
    writeSpec(tmp.dir, "g", grid([2, 4]));
    const second = tracker("run");
    expect(second.code, second.out).toBe(0);
    expect(second.out).toMatch(/^2 to run, 3 fresh/m);
    const added = runsOf("g").filter((r) => !before.includes(r));
    expect(added).toHaveLength(2);
    expect(added.map((r) => manifest("g", r).cell.key).sort()).toEqual([
      "model=gemma,concurrency=4",
      "model=llama,concurrency=4",
    ]);
    expect(runsOf("plain")).toEqual(plainRuns);

    // one more cell, picked with --cell: exactly one new run folder
    writeSpec(tmp.dir, "g", grid([2, 4, 8]));
    const third = tracker("run", "g", "--cell", "model=llama,concurrency=8");
    expect(third.code, third.out).toBe(0);
    const now = runsOf("g");
    expect(now).toHaveLength(5);
    expect(
      manifest(
        "g",
        now.find((r) => !before.includes(r) && !added.includes(r))!,
      ).cell,
    ).toEqual({
      key: "model=llama,concurrency=8",
      axes: { model: "llama", concurrency: 8 },
    });

    // remove concurrency 2: its cells are listed as removed and their runs stay readable
    writeSpec(tmp.dir, "g", grid([4, 8]));
    const list = tracker("list");
    expect(list.out).toMatch(
      /^partial {2}g \[grid: model \(llama, gemma\) × concurrency \(4, 8\)\]: 3 of 4 cells fresh/m,
    );
    expect(list.out).toMatch(/^ {2}fresh {4}model=llama,concurrency=4 /m);
    expect(list.out).toMatch(/^ {2}pending {2}model=gemma,concurrency=8$/m);
    expect(list.out).toMatch(/^ {2}removed {2}model=llama,concurrency=2 \S+ \(complete\)$/m);
    expect(list.out).toMatch(/^fresh {4}plain /m);
    const bad = tracker("run", "g", "--cell", "model=qwen");
    expect([bad.code, bad.out]).toEqual([
      2,
      expect.stringContaining('g: --cell model=qwen: no cell matches "model=qwen"'),
    ]);
    const build = tracker("run", "plain");
    expect(build.code, build.out).toBe(0);
    const removed = index().experiments.find((e) => e.id === "g_model-llama_concurrency-2")!;
    expect(removed).toMatchObject({ state: "removed", cell: { experiment: "g", key: "model=llama,concurrency=2" } });
    const page = await experimentPage(removed.id, { results, experiments: join(tmp.dir, "experiments") });
    expect(page.digest?.summary?.requests).toBe(8);
    expect(page.runs.map((r) => r.runId)).toEqual([removed.run_id]);
    expect(page.cellOf).toMatchObject({ experiment: "g", title: "models by concurrency" });
    expect(page.manifest?.reproduce).toMatch(/npx tracker run g --cell model=llama,concurrency=2$/);
    const gridPage = await experimentPage("g", { results, experiments: join(tmp.dir, "experiments") });
    expect(gridPage.grid!.cells.map((c) => [c.key, c.state, c.figures?.requests ?? null])).toEqual([
      ["model=llama,concurrency=4", "fresh", 8],
      ["model=llama,concurrency=8", "fresh", 8],
      ["model=gemma,concurrency=4", "fresh", 8],
      ["model=gemma,concurrency=8", "pending", null],
      ["model=llama,concurrency=2", "removed", 8],
      ["model=gemma,concurrency=2", "removed", 8],
    ]);
  }, 300_000);
});
