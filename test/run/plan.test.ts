import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashJson } from "../../data-loaders/experiment/hash.ts";
import { chooseRuns, planExperiments, planGrids, runOrder, writeExperimentIndex } from "../../data-loaders/run/plan.ts";
import type { LoadedExperiment } from "../../data-loaders/experiment/load.ts";
import { writeManifest } from "../../data-loaders/store/manifest.ts";
import { ROW_SCHEMA_VERSION } from "../../data-loaders/store/schemas/request-row.ts";
import { type Manifest } from "../../data-loaders/store/schemas/manifest.ts";
import { loadSpec, loadSpecCells, simulatedSpec } from "../helpers/spec.ts";
import { tempDir } from "../helpers/temp.ts";

describe("plan: repeats, partial runs, client-bound flags", () => {
  const tmp = tempDir("plan");
  afterAll(() => tmp.cleanup());
  let exp: LoadedExperiment;
  let n = 0;

  /** Writes a run folder as the runner would leave it. */
  function run(root: string, over: Partial<Manifest> & { group: Manifest["group"] }, journal = false): string {
    const runId = `20260101-0000${String(n).padStart(2, "0")}Z-${(over.spec_hash ?? exp.specHash).slice(0, 8)}`;
    const started = `2026-01-01T00:00:${String(n++).padStart(2, "0")}Z`;
    const dir = join(root, exp.id, runId);
    mkdirSync(dir, { recursive: true });
    const manifest: Manifest = {
      row_schema_version: ROW_SCHEMA_VERSION,
      tracker_version: "t",
      run_id: runId,
      experiment_id: exp.id,
      source: "simulated",
      status: "complete",
      reason: null,
      spec_hash: exp.specHash,
      prompt_hash: exp.promptHash,
      spec: exp.resolvedSpec,
      server: { kind: "simulate", endpoint: "", model: "m", profile: null },
      started_at: started,
      finished_at: started,
      counts: { requests: 6, done: 6, ok: 6, error: 0 },
      environment: { node: "v", os: "o", cpu: "c", host: "h", git_commit: null, git_dirty: null },
      ...over,
    };
    writeManifest(dir, manifest);
    if (journal) writeFileSync(join(dir, "journal.jsonl"), "");
    return runId;
  }

  beforeAll(async () => {
    exp = await loadSpec(tmp.dir, "rep", simulatedSpec({ requests: 6, load: { concurrency: 2, repeats: 2 } }));
  });

  const stateIn = (root: string) => planExperiments([exp], root, () => {})[0]!;

  it("pending without runs; stale with only runs of another spec", () => {
    const root = join(tmp.dir, "r1");
    expect(stateIn(root).state).toBe("pending");
    run(root, { spec_hash: "f".repeat(64), group: { level: null, repeat: 0 } });
    expect(stateIn(root).state).toBe("stale");
    expect(stateIn(root).units.map((u) => u.action)).toEqual(["new", "new"]);
  });

  it("fresh only when every repeat of the current spec is complete", () => {
    const root = join(tmp.dir, "r2");
    run(root, { group: { level: null, repeat: 0 } });
    expect([stateIn(root).state, stateIn(root).reason]).toEqual(["partial", "1 of 2 runs done"]);
    run(root, { group: { level: null, repeat: 1 } });
    expect(stateIn(root).state).toBe("fresh");
    // a complete run of another spec hash never counts
    const other = join(tmp.dir, "r2b");
    run(other, { group: { level: null, repeat: 0 } });
    run(other, { group: { level: null, repeat: 1 }, spec_hash: "e".repeat(64) });
    expect(stateIn(other).state).toBe("partial");
  });

  it("a run that stopped early is resumed (partial); a failed run without a journal is failed and re-run as new", () => {
    const root = join(tmp.dir, "r3");
    const killed = run(root, { group: { level: null, repeat: 0 }, status: "running" }, true);
    run(root, { group: { level: null, repeat: 1 }, status: "failed", reason: "all 6 requests failed" });
    const p = stateIn(root);
    expect(p.state).toBe("partial");
    expect(p.units.map((u) => [u.action, u.run?.runId ?? null])).toEqual([
      ["resume", killed],
      ["new", expect.any(String)],
    ]);
    const index = writeExperimentIndex(root, [p], []);
    expect(index.experiments[0]!.state).toBe("partial");
  });

  it("a run stopped under another row contract is not resumed: a new run replaces it", () => {
    const root = join(tmp.dir, "r3v");
    run(root, { group: { level: 1, repeat: 0 }, status: "running", row_schema_version: ROW_SCHEMA_VERSION - 1 }, true);
    expect(stateIn(root).units[0]!.action).toBe("new");
  });

  it("failed when no run is resumable and the latest of a unit failed", () => {
    const root = join(tmp.dir, "r4");
    run(root, { group: { level: null, repeat: 0 }, status: "failed", reason: "server: cannot reach" });
    const p = stateIn(root);
    expect([p.state, p.reason]).toEqual(["failed", "server: cannot reach"]);
  });

  it("runs without a group (stored before sweeps) are the single unit of a single-level load", async () => {
    const single = await loadSpec(tmp.dir, "one", simulatedSpec({ requests: 6 }));
    const root = join(tmp.dir, "r5");
    const saved = exp;
    exp = single;
    run(root, { group: undefined });
    exp = saved;
    expect(planExperiments([single], root, () => {})[0]!.state).toBe("fresh");
  });

  it("lists client-bound runs of the current spec", () => {
    const root = join(tmp.dir, "r6");
    const selfCheck = (bound: boolean) => ({
      send_lag_p99_ms: 1,
      event_loop_delay_p99_ms: 1,
      mean_in_flight: 1,
      target_in_flight: 1,
      client_bound: bound,
      reason: bound ? "event loop lag" : null,
    });
    const bound = run(root, { group: { level: null, repeat: 0 }, self_check: selfCheck(true) });
    run(root, { group: { level: null, repeat: 1 }, self_check: selfCheck(false) });
    expect(stateIn(root).clientBound.map((r) => r.runId)).toEqual([bound]);
  });
});

describe("plan: grids", () => {
  const tmp = tempDir("plan-grid");
  afterAll(() => tmp.cleanup());
  let n = 0;
  const GEMMA = { server: { simulate: "gemma-3-1b@rtx-4080" as const } };
  const gridSpec = (concurrency: number[], models: Record<string, object> = { llama: {}, gemma: GEMMA }) =>
    simulatedSpec({ requests: 6, grid: { model: models, concurrency } });

  /** A complete run of a cell, as the runner stores it. */
  function cellRun(root: string, cell: LoadedExperiment, over: Partial<Manifest> = {}): string {
    const hash = over.spec_hash ?? cell.specHash;
    const runId = `20260101-0001${String(n).padStart(2, "0")}Z-${hash.slice(0, 8)}`;
    const started = `2026-01-01T00:01:${String(n++).padStart(2, "0")}Z`;
    const dir = join(root, cell.id, runId);
    mkdirSync(dir, { recursive: true });
    writeManifest(dir, {
      row_schema_version: ROW_SCHEMA_VERSION,
      tracker_version: "t",
      run_id: runId,
      experiment_id: cell.id,
      source: "simulated",
      status: "complete",
      reason: null,
      spec_hash: hash,
      prompt_hash: cell.promptHash,
      spec: cell.resolvedSpec,
      server: { kind: "simulate", endpoint: "", model: "m", profile: null },
      started_at: started,
      finished_at: started,
      counts: { requests: 6, done: 6, ok: 6, error: 0 },
      environment: { node: "v", os: "o", cpu: "c", host: "h", git_commit: null, git_dirty: null },
      group: { level: null, repeat: 0 },
      cell: { key: cell.cell!.key, axes: cell.cell!.axes },
      ...over,
    });
    return runId;
  }

  it("a grid is fresh when every cell is; a new cell alone is pending; a removed cell keeps its runs", async () => {
    const root = join(tmp.dir, "g1");
    const before = await loadSpecCells(tmp.dir, "g", gridSpec([2, 4]));
    const runs = before.map((c) => cellRun(root, c));
    const [grid] = planGrids(
      planExperiments(before, root, () => {}),
      root,
      () => {},
    );
    expect([grid!.state, grid!.reason, grid!.removed]).toEqual(["fresh", null, []]);

    // concurrency 4 replaced by 8: the cells at 2 stay fresh, those at 8 are pending, those at 4 removed
    const after = await loadSpecCells(tmp.dir, "g", gridSpec([2, 8]));
    const plan = planExperiments(after, root, () => {});
    expect(plan.map((p) => [p.experiment.cell!.key, p.state])).toEqual([
      ["model=llama,concurrency=2", "fresh"],
      ["model=llama,concurrency=8", "pending"],
      ["model=gemma,concurrency=2", "fresh"],
      ["model=gemma,concurrency=8", "pending"],
    ]);
    const [changed] = planGrids(plan, root, () => {});
    expect([changed!.state, changed!.reason]).toEqual(["partial", "2 of 4 cells fresh (2 fresh, 2 pending)"]);
    expect(changed!.removed.map((r) => [r.key, r.id, r.shown.runId])).toEqual([
      ["model=llama,concurrency=4", "g_model-llama_concurrency-4", runs[1]],
      ["model=gemma,concurrency=4", "g_model-gemma_concurrency-4", runs[3]],
    ]);
    expect(chooseRuns(plan, []).chosen.map((p) => p.experiment.cell!.key)).toEqual([
      "model=llama,concurrency=8",
      "model=gemma,concurrency=8",
    ]);

    // the index: the grid's entry, then each cell's (removed ones too)
    const index = writeExperimentIndex(root, plan, []);
    const [parent, ...cells] = index.experiments;
    expect(parent).toMatchObject({ id: "g", state: "partial", run_id: null, spec: null, model: null, error: null });
    expect(parent!.grid!.axes).toEqual([
      { name: "model", values: ["llama", "gemma"] },
      { name: "concurrency", values: [2, 8] },
    ]);
    expect(parent!.grid!.cells.map((c) => [c.key, c.state])).toEqual([
      ["model=llama,concurrency=2", "fresh"],
      ["model=llama,concurrency=8", "pending"],
      ["model=gemma,concurrency=2", "fresh"],
      ["model=gemma,concurrency=8", "pending"],
      ["model=llama,concurrency=4", "removed"],
      ["model=gemma,concurrency=4", "removed"],
    ]);
    expect(cells.map((c) => c.id)).toEqual(parent!.grid!.cells.map((c) => c.id));
    expect(cells[0]).toMatchObject({
      id: "g_model-llama_concurrency-2",
      title: "test · model=llama,concurrency=2",
      state: "fresh",
      run_id: runs[0],
      spec_hash: after[0]!.specHash,
      cell: { experiment: "g", key: "model=llama,concurrency=2", axes: { model: "llama", concurrency: 2 } },
    });
    expect(cells[4]).toMatchObject({ state: "removed", run_id: runs[1], spec_hash: before[1]!.specHash });
  });

  it("a renamed variant keeps its runs (same spec); a changed one is stale; a failed cell does not fail the others", async () => {
    const root = join(tmp.dir, "g2");
    const before = await loadSpecCells(tmp.dir, "h", gridSpec([2]));
    cellRun(root, before[0]!);
    cellRun(root, before[1]!, { status: "failed", reason: "server: out of memory" });
    const renamed = await loadSpecCells(tmp.dir, "h", gridSpec([2], { llama: {}, "gemma-1b": GEMMA }));
    const plan = planExperiments(renamed, root, () => {});
    expect(plan.map((p) => [p.state, p.reason])).toEqual([
      ["fresh", null],
      ["failed", "server: out of memory"],
    ]);
    const [grid] = planGrids(plan, root, () => {});
    expect([grid!.state, grid!.removed]).toEqual(["failed", []]);
    expect(writeExperimentIndex(root, plan, []).experiments[0]!.error).toBe("1 of 2 cells fresh (1 fresh, 1 failed)");
    // a change of the base makes every cell stale (runs of an older spec), none removed
    const changed = await loadSpecCells(tmp.dir, "h", { ...gridSpec([2]), requests: 7 });
    const stale = planExperiments(changed, root, () => {});
    expect(stale.map((p) => p.state)).toEqual(["stale", "stale"]);
    expect(planGrids(stale, root, () => {})[0]!.removed).toEqual([]);
  });

  it("runs of a sweep stored before grids are its cells' runs", async () => {
    const root = join(tmp.dir, "g3");
    const cells = await loadSpecCells(tmp.dir, "sw", simulatedSpec({ requests: 6, load: { concurrency: [1, 4] } }));
    const stored = { ...cells[0]!.resolvedSpec, load: { concurrency: [1, 4] } };
    for (const level of [1, 4])
      cellRun(root, cells[0]!, {
        spec: stored,
        spec_hash: hashJson(stored),
        group: { level, repeat: 0 },
        cell: undefined,
      });
    expect(planExperiments(cells, root, () => {}).map((p) => p.state)).toEqual(["fresh", "fresh"]);
  });

  it("tracker run <id> runs a grid's missing cells (all again when fresh); --cell picks cells", async () => {
    const root = join(tmp.dir, "g4");
    const cells = await loadSpecCells(tmp.dir, "k", gridSpec([2, 4]));
    cellRun(root, cells[0]!);
    cellRun(root, cells[1]!);
    const plan = planExperiments(cells, root, () => {});
    const keys = (r: ReturnType<typeof chooseRuns>) => r.chosen.map((p) => p.experiment.cell!.key);
    expect(keys(chooseRuns(plan, ["k"]))).toEqual(["model=gemma,concurrency=2", "model=gemma,concurrency=4"]);
    expect(keys(chooseRuns(plan, ["k"], ["model=llama"]))).toEqual([
      "model=llama,concurrency=2",
      "model=llama,concurrency=4",
    ]);
    expect(keys(chooseRuns(plan, ["k"], ["concurrency=4", "model=llama"]))).toEqual([
      "model=llama,concurrency=4",
      "model=gemma,concurrency=4",
      "model=llama,concurrency=2",
    ]);
    expect(chooseRuns(plan, ["k"], ["model=qwen"]).problems[0]).toMatch(/^k: --cell model=qwen: no cell matches/);
    expect(chooseRuns(plan, [], ["model=llama"]).problems[0]).toMatch(/give their ids/);
    for (const c of cells.slice(2)) cellRun(root, c);
    const fresh = planExperiments(cells, root, () => {});
    expect(keys(chooseRuns(fresh, ["k"]))).toHaveLength(4);
    expect(chooseRuns(fresh, []).chosen).toEqual([]);
  });

  it("runs cells launching the same server one after another", async () => {
    const launch = (model: string) => ({ server: { launch: { command: "vllm", model } } });
    const cells = await loadSpecCells(
      tmp.dir,
      "l",
      simulatedSpec({ grid: { concurrency: [1, 2], model: { a: launch("a"), b: launch("b") } } }),
    );
    const plan = planExperiments(cells, join(tmp.dir, "none"), () => {});
    expect(runOrder(plan).map((p) => p.experiment.cell!.key)).toEqual([
      "concurrency=1,model=a",
      "concurrency=2,model=a",
      "concurrency=1,model=b",
      "concurrency=2,model=b",
    ]);
  });
});
