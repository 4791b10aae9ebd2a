// load.clients end to end, through the CLI in a child process against the simulator in this one:
// two client threads, Ctrl-C mid-run leaves a resumable partial run, `tracker run` resumes it, and
// every request index is in the Parquet once; the simulator saw each journaled request once.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../data-loaders/sim/simulator.ts";
import { urlSpec, writeSpec } from "../helpers/spec.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";

const CLI = join(PROJECT, "data-loaders/cli.ts");
const REQUESTS = 150;

describe("tracker run with load.clients: 2", () => {
  const tmp = tempDir("e2e-clients");
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ profile: "llama-3.2-1b@rtx-4080", speedup: 20, groundTruth: true });
  });
  afterAll(async () => {
    await sim.close();
    tmp.cleanup();
  });
  const results = join(tmp.dir, "results", "two");
  const start = (): ChildProcess & { out: string[] } => {
    const env = {
      ...process.env,
      TRACKER_EXPERIMENTS: join(tmp.dir, "experiments"),
      TRACKER_RESULTS: join(tmp.dir, "results"),
    };
    const child = spawn(process.execPath, ["--import", "tsx", CLI, "run", "two"], {
      cwd: PROJECT,
      env,
    }) as ChildProcess & {
      out: string[];
    };
    child.out = [];
    child.stdout!.on("data", (d) => child.out.push(String(d)));
    child.stderr!.on("data", (d) => child.out.push(String(d)));
    return child;
  };
  const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolve) =>
      child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", (code) => resolve(code)),
    );
  const journalIndices = (runId: string): number[] => {
    const path = join(results, runId, "journal.jsonl");
    if (!existsSync(path)) return [];
    return readFileSync(path, "utf8")
      .split("\n")
      .filter((l) => l.endsWith("}"))
      .map((l) => JSON.parse(l).request_index as number);
  };
  const parquetIndices = async (runId: string): Promise<number[]> => {
    const db = await DuckDBInstance.create(":memory:");
    const con = await db.connect();
    const file = join(results, runId, "requests.parquet");
    const reader = await con.runAndReadAll(`SELECT request_index FROM read_parquet('${file}') ORDER BY request_index`);
    con.closeSync();
    db.closeSync();
    return reader.getRowObjectsJson().map((r) => Number(r.request_index));
  };

  it("Ctrl-C leaves a resumable run; the resume sends the rest, every index once", async () => {
    writeSpec(
      tmp.dir,
      "two",
      urlSpec(sim.url, sim.model, { maxTokens: 48, requests: REQUESTS, load: { concurrency: 4, clients: 2 } }),
    );
    const child = start();
    let runId = "";
    for (;;) {
      if (child.exitCode !== null) throw new Error(`exited early: ${child.out.join("")}`);
      const runs = existsSync(results) ? readdirSync(results) : [];
      if (runs.length && journalIndices(runs[0]!).length >= 20) {
        runId = runs[0]!;
        break;
      }
      await new Promise((r) => setTimeout(r, 15));
    }
    child.kill("SIGINT");
    expect(await exited(child), child.out.join("")).toBe(130);
    const manifest = JSON.parse(readFileSync(join(results, runId, "manifest.json"), "utf8"));
    expect(manifest.status).toBe("partial");
    const journaled = journalIndices(runId);
    expect(new Set(journaled).size).toBe(journaled.length);
    expect(journaled.length).toBeLessThan(REQUESTS);

    const again = start();
    expect(await exited(again), again.out.join("")).toBe(0);
    const done = JSON.parse(readFileSync(join(results, runId, "manifest.json"), "utf8"));
    expect(done.status).toBe("complete");
    expect(done.self_check.clients).toHaveLength(2);
    expect(await parquetIndices(runId)).toEqual([...Array(REQUESTS).keys()]);
    const atSimulator = sim
      .groundTruth()
      .filter((r) => r.requestId.startsWith(`${runId}-`))
      .map((r) => Number(r.requestId.slice(runId.length + 1)));
    for (const i of journaled) expect(atSimulator.filter((j) => j === i)).toHaveLength(1);
    expect(new Set(atSimulator).size).toBe(REQUESTS);
  });
});
