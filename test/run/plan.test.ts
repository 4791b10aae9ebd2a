import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planExperiments, writeExperimentIndex } from "../../data-loaders/run/plan.ts";
import type { LoadedExperiment } from "../../data-loaders/experiment/load.ts";
import { writeManifest } from "../../data-loaders/store/manifest.ts";
import { ROW_SCHEMA_VERSION } from "../../data-loaders/store/schemas/request-row.ts";
import { type Manifest } from "../../data-loaders/store/schemas/manifest.ts";
import { loadSpec, simulatedSpec } from "../helpers/spec.ts";
import { tempDir } from "../helpers/temp.ts";

describe("plan: sweeps, partial runs, client-bound flags", () => {
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
    exp = await loadSpec(tmp.dir, "sw", simulatedSpec({ requests: 6, load: { concurrency: [1, 4], repeats: 2 } }));
  });

  const stateIn = (root: string) => planExperiments([exp], root, () => {})[0]!;

  it("pending without runs; stale with only runs of another spec", () => {
    const root = join(tmp.dir, "r1");
    expect(stateIn(root).state).toBe("pending");
    run(root, { spec_hash: "f".repeat(64), group: { level: 1, repeat: 0 } });
    expect(stateIn(root).state).toBe("stale");
    expect(stateIn(root).units.map((u) => u.action)).toEqual(["new", "new", "new", "new"]);
  });

  it("fresh only when every (level, repeat) of the current spec is complete", () => {
    const root = join(tmp.dir, "r2");
    const groups = [
      { level: 1, repeat: 0 },
      { level: 1, repeat: 1 },
      { level: 4, repeat: 0 },
      { level: 4, repeat: 1 },
    ];
    for (const [k, group] of groups.entries()) {
      run(root, { group });
      const p = stateIn(root);
      if (k < 3) {
        expect(p.state).toBe("partial");
        expect(p.reason).toBe(`${k + 1} of 4 runs done`);
      } else expect(p.state).toBe("fresh");
    }
    // a complete run of another spec hash never counts
    const other = join(tmp.dir, "r2b");
    for (const group of groups.slice(0, 3)) run(other, { group });
    run(other, { group: groups[3], spec_hash: "e".repeat(64) });
    expect(stateIn(other).state).toBe("partial");
  });

  it("a run that stopped early is resumed (partial); a failed run without a journal is failed and re-run as new", () => {
    const root = join(tmp.dir, "r3");
    run(root, { group: { level: 1, repeat: 0 } });
    const killed = run(root, { group: { level: 1, repeat: 1 }, status: "running" }, true);
    const gone = run(root, { group: { level: 4, repeat: 0 }, status: "failed", reason: "server gone" }, true);
    run(root, { group: { level: 4, repeat: 1 }, status: "failed", reason: "all 6 requests failed" });
    const p = stateIn(root);
    expect(p.state).toBe("partial");
    expect(p.units.map((u) => [u.action, u.run?.runId ?? null])).toEqual([
      ["complete", expect.any(String)],
      ["resume", killed],
      ["resume", gone],
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
    run(root, { group: { level: 1, repeat: 0 }, status: "failed", reason: "server: cannot reach" });
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
    const bound = run(root, { group: { level: 1, repeat: 0 }, self_check: selfCheck(true) });
    run(root, { group: { level: 1, repeat: 1 }, self_check: selfCheck(false) });
    expect(stateIn(root).clientBound.map((r) => r.runId)).toEqual([bound]);
  });
});
