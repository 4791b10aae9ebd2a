// Crash safety end to end, through the CLI in a child process: kill -9 at random points and
// resume; Ctrl-C leaves a resumable partial run; a spec change starts a new run instead of
// mixing; a second tracker on the same results folder is refused by the lock.
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../data-loaders/sim/simulator.ts";
import { LockHeld, tryLock } from "../../data-loaders/run/lock.ts";
import { planExperiments } from "../../data-loaders/run/plan.ts";
import { loadExperiment } from "../../data-loaders/experiment/load.ts";
import { urlSpec, writeSpec } from "../helpers/spec.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";

const CLI = join(PROJECT, "data-loaders/cli.ts");

describe("resume after kill -9 and Ctrl-C, spec changes, lock", () => {
  const tmp = tempDir("resume");
  let sim: Simulator;
  const env = () => ({
    ...process.env,
    TRACKER_EXPERIMENTS: join(tmp.dir, "experiments"),
    TRACKER_RESULTS: join(tmp.dir, "results"),
  });
  const start = (...args: string[]) => startWith({}, ...args);
  const startWith = (extraEnv: Record<string, string>, ...args: string[]): ChildProcess & { out: string[] } => {
    const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
      cwd: PROJECT,
      env: { ...env(), ...extraEnv },
    }) as ChildProcess & { out: string[] };
    child.out = [];
    child.stdout!.on("data", (d) => child.out.push(String(d)));
    child.stderr!.on("data", (d) => child.out.push(String(d)));
    return child;
  };
  const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolve) =>
      child.exitCode !== null || child.signalCode !== null
        ? resolve(child.exitCode)
        : child.once("exit", (code) => resolve(code)),
    );
  /** Runs the CLI to its end without blocking this process (the simulator lives here). */
  const tracker = async (...args: string[]) => {
    const child = start(...args);
    const code = await exited(child);
    return { code, out: child.out.join("") };
  };
  const runsOf = (id: string) =>
    existsSync(join(tmp.dir, "results", id)) ? readdirSync(join(tmp.dir, "results", id)).sort() : [];
  const runPath = (id: string, runId: string) => join(tmp.dir, "results", id, runId);
  const manifestOf = (id: string, runId: string) =>
    JSON.parse(readFileSync(join(runPath(id, runId), "manifest.json"), "utf8"));
  const journalIndices = (id: string, runId: string): number[] => {
    const path = join(runPath(id, runId), "journal.jsonl");
    if (!existsSync(path)) return [];
    return readFileSync(path, "utf8")
      .split("\n")
      .filter((l) => l.endsWith("}"))
      .map((l) => JSON.parse(l).request_index as number);
  };
  /** Waits until the experiment's only run has at least `rows` journaled rows (or the child exits). */
  const waitForRows = async (child: ChildProcess, id: string, rows: number) => {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`child exited early: ${(child as unknown as { out: string[] }).out.join("")}`);
      const runs = runsOf(id);
      if (runs.length && journalIndices(id, runs.at(-1)!).length >= rows) return runs.at(-1)!;
      await new Promise((r) => setTimeout(r, 15));
    }
  };
  const parquet = async (id: string, runId: string) => {
    const db = await DuckDBInstance.create(":memory:");
    const con = await db.connect();
    const rows = (
      await con.runAndReadAll(
        `SELECT request_index, request_id, run_id, status FROM read_parquet('${join(runPath(id, runId), "requests.parquet")}')`,
      )
    ).getRowObjectsJson();
    con.closeSync();
    db.closeSync();
    return rows.map((r) => ({ ...r, request_index: Number(r.request_index) })) as {
      request_index: number;
      request_id: string;
      run_id: string;
      status: string;
    }[];
  };
  const stateOf = async (id: string) =>
    planExperiments([await loadExperiment(join(tmp.dir, "experiments", `${id}.ts`))], join(tmp.dir, "results"))[0]!
      .state;
  const spec = (requests: number, concurrency = 4, maxTokens = 16) =>
    urlSpec(sim.url, sim.model, {
      title: "resume",
      promptCount: 10,
      maxTokens,
      seed: 1,
      requests,
      load: { concurrency },
    });

  beforeAll(async () => {
    sim = await startSimulator({ profile: "llama-3.2-1b@rtx-4080", speedup: 3, groundTruth: true });
  });
  afterAll(async () => {
    await sim.close();
    tmp.cleanup();
  });

  it("kill -9 at random points, then resume: exactly one row per index and no journaled request sent again", async () => {
    const n = 160;
    writeSpec(tmp.dir, "killed", spec(n));
    // three kill points, one in each third of the run (random within it), logged for the report
    const points = [0, 1, 2].map((k) => Math.floor(((k + Math.random() * 0.8 + 0.1) * n) / 3));
    const sentBefore = new Map<string, number>(); // request id → server arrival time when the kill happened
    let runId = "";
    for (const [k, rows] of points.entries()) {
      const child = start("run", "killed");
      runId = await waitForRows(child, "killed", rows);
      child.kill("SIGKILL");
      await exited(child);
      expect(manifestOf("killed", runId).status).toBe("running");
      const truth = new Map(sim.groundTruth().map((t) => [t.requestId, t.arrivalMs]));
      for (const i of journalIndices("killed", runId)) sentBefore.set(`${runId}-${i}`, truth.get(`${runId}-${i}`)!);
      if (k === 1) appendFileSync(join(runPath("killed", runId), "journal.jsonl"), '{"run_id":"cut mid-wri'); // as if killed inside a write
    }
    console.log(`kill -9 after ${points.join(", ")} journaled rows of ${n}`);
    const final = await tracker("run", "killed");
    expect(final.code, final.out).toBe(0);
    expect(runsOf("killed")).toEqual([runId]); // resumed, never restarted
    const m = manifestOf("killed", runId);
    expect(m.status).toBe("complete");
    expect(m.counts).toMatchObject({ requests: n, done: n });
    expect(m.interruptions).toHaveLength(3);
    for (const i of m.interruptions)
      expect(i.reason).toMatch(/ended without finishing \(killed or crashed\); resumed with \d+ of 160/);
    expect(m.interruptions[1].reason).toMatch(/dropped a truncated last journal line \(22 bytes\)/);
    const rows = await parquet("killed", runId);
    expect(rows.map((r) => r.request_index).sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
    expect(rows.every((r) => r.run_id === runId && r.request_id === `${runId}-${r.request_index}`)).toBe(true);
    // none sent twice: the server's arrival time of every request journaled before a kill is unchanged
    const truth = new Map(sim.groundTruth().map((t) => [t.requestId, t.arrivalMs]));
    expect(sentBefore.size).toBeGreaterThanOrEqual(points[2]!);
    for (const [id, arrival] of sentBefore) expect(truth.get(id)).toBe(arrival);
    expect(existsSync(join(runPath("killed", runId), "journal.jsonl"))).toBe(false);
  });

  it("a held lock refuses a second tracker (or makes it wait); Ctrl-C leaves a resumable partial run; a spec change starts a new run; the old spec resumes", async () => {
    const n = 100;
    const slow = () => spec(n, 2, 24);
    writeSpec(tmp.dir, "stopped", slow());
    // this test process holds the results folder, as another tracker would
    const held = tryLock(join(tmp.dir, "results"));
    if (held instanceof LockHeld) throw held;
    const refused = await tracker("run", "stopped");
    expect(refused.code, refused.out).toBe(3);
    expect(refused.out).toMatch(/results\/\.lock is held by process \d+ on .* pass --wait/);
    expect(runsOf("stopped")).toEqual([]);
    const child = start("run", "stopped", "--wait");
    while (!child.out.join("").includes("waiting: ")) {
      if (child.exitCode !== null) throw new Error(child.out.join(""));
      await new Promise((r) => setTimeout(r, 20));
    }
    held.release();
    const runId = await waitForRows(child, "stopped", 20);
    child.kill("SIGINT");
    expect(await exited(child)).toBe(130);
    const m = manifestOf("stopped", runId);
    expect(m.status).toBe("partial");
    expect(m.reason).toMatch(/^interrupted after \d+ of 100 requests.*`tracker run stopped` resumes it/);
    const journaled = journalIndices("stopped", runId);
    expect(m.counts.done).toBe(journaled.length);
    expect((await parquet("stopped", runId)).length).toBe(journaled.length); // shown on the site as partial
    expect(existsSync(join(tmp.dir, "results", ".lock"))).toBe(false);

    // the spec changes while the partial run exists: a new run, the partial one untouched
    writeSpec(tmp.dir, "stopped", spec(30));
    expect(await stateOf("stopped")).toBe("stale");
    expect((await tracker("run")).code).toBe(0);
    const runs = runsOf("stopped");
    expect(runs).toHaveLength(2);
    const newer = runs.find((r) => r !== runId)!;
    expect(manifestOf("stopped", runId).status).toBe("partial");
    expect(journalIndices("stopped", runId)).toEqual(journaled);
    expect((await parquet("stopped", newer)).every((r) => r.run_id === newer)).toBe(true);

    // back to the first spec: its partial run is resumed, not restarted
    writeSpec(tmp.dir, "stopped", slow());
    expect((await tracker("list")).out).toMatch(/partial\s+stopped .*interrupted after/);
    const r = await tracker("run");
    expect(r.code, r.out).toBe(0);
    expect(runsOf("stopped")).toHaveLength(2);
    const resumed = manifestOf("stopped", runId);
    expect(resumed.status).toBe("complete");
    expect(resumed.interruptions).toHaveLength(1);
    expect(resumed.interruptions[0].reason).toMatch(/^partial: interrupted after/);
    const rows = await parquet("stopped", runId);
    expect(rows.map((x) => x.request_index).sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
    expect(await stateOf("stopped")).toBe("fresh");
  });

  it("kill -9 between creating the run folder and writing its first manifest: the next run is the only run folder", async () => {
    writeSpec(tmp.dir, "early", spec(12));
    const { specHash } = await loadExperiment(join(tmp.dir, "experiments", "early.ts"));
    // An empty folder of the same spec, as a run killed at that moment by an older tracker left it.
    const legacy = `20250101-000000Z-${specHash.slice(0, 8)}`;
    mkdirSync(runPath("early", legacy), { recursive: true });
    // The test hook holds the run in the window (hidden folder made, manifest not yet written).
    const child = startWith({ TRACKER_TEST_RUN_FOLDER_DELAY_MS: "120000" }, "run", "early");
    for (;;) {
      if (child.exitCode !== null) throw new Error(`child exited early: ${child.out.join("")}`);
      if (runsOf("early").some((name) => name.endsWith(".creating"))) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGKILL");
    await exited(child);
    expect(child.out.join("")).toContain(`early: removed ${runPath("early", legacy)}, left without a manifest`);
    expect(runsOf("early").filter((name) => !name.startsWith("."))).toEqual([]); // nothing the catalog sees

    const next = await tracker("run", "early");
    expect(next.code, next.out).toBe(0);
    expect(next.out).toMatch(/early: removed .*\/\.\d{8}-\d{6}Z-[0-9a-f]{8}\.creating, left without a manifest/);
    const runs = runsOf("early");
    expect(runs).toHaveLength(1);
    expect(manifestOf("early", runs[0]!)).toMatchObject({ status: "complete", counts: { requests: 12, done: 12 } });
    const list = await tracker("list");
    expect(list.out).toMatch(/fresh\s+early /);
    expect(list.out).not.toMatch(/no manifest/);
  });
});
