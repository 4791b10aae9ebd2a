// load.clients > 1 against the simulator (in this process; the clients are threads): every
// request sent exactly once (journal, Parquet and at the simulator), the closed loop's total
// concurrency kept across clients, a stopped run resumed to every index once, per-client lag in the
// self-check, and the splits themselves.
import { DuckDBInstance } from "@duckdb/node-api";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SpecError } from "../../data-loaders/experiment/errors.ts";
import { sharedCursor } from "../../data-loaders/run/client-worker.ts";
import { everyNth } from "../../data-loaders/run/loops.ts";
import { activeClients, shareOf } from "../../data-loaders/run/clients.ts";
import { runExperiment } from "../../data-loaders/run/runner.ts";
import { startSimulator, type Simulator } from "../../data-loaders/sim/simulator.ts";
import type { GroundTruthRecord } from "../../data-loaders/sim/ground-truth.ts";
import { QUIET, loadSpec, urlSpec } from "../helpers/spec.ts";
import { tempDir } from "../helpers/temp.ts";

async function parquetIndices(dir: string): Promise<{ index: number; worker: number }[]> {
  const db = await DuckDBInstance.create(":memory:");
  const con = await db.connect();
  try {
    const reader = await con.runAndReadAll(
      `SELECT request_index, worker FROM read_parquet('${join(dir, "requests.parquet")}') ORDER BY request_index`,
    );
    return reader.getRowObjectsJson().map((r) => ({ index: Number(r.request_index), worker: Number(r.worker) }));
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/** The most requests the simulator held at once (accepted, not yet ended). */
function maxInFlight(records: GroundTruthRecord[]): number {
  const events = records.flatMap((r) => [
    { at: r.arrivalMs, d: 1 },
    { at: r.endMs ?? Infinity, d: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const e of events) most = Math.max(most, (now += e.d));
  return most;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const range = (n: number) => [...Array(n).keys()];

describe("splitting the load across clients", () => {
  it("splits a concurrency as evenly as possible, the first clients one more", () => {
    expect(range(3).map((c) => shareOf(7, 3, c))).toEqual([3, 2, 2]);
    expect(range(2).map((c) => shareOf(4, 2, c))).toEqual([2, 2]);
    expect(shareOf(Infinity, 2, 1)).toBe(Infinity);
    expect(activeClients(4, 2)).toBe(2);
    expect(activeClients(2, Infinity)).toBe(2);
  });

  it("an open loop's clients take disjoint indices that together are every missing one", () => {
    const done = new Uint8Array(20);
    done[3] = done[4] = done[11] = 1;
    const taken = range(3).flatMap((c) => {
      const take = everyNth(done, 2 + c, 17, 3);
      const mine: number[] = [];
      for (let i = take(); i !== null; i = take()) mine.push(i);
      expect(mine.every((i) => (i - 2) % 3 === c)).toBe(true);
      return mine;
    });
    expect(sorted(taken)).toEqual(range(17).filter((i) => i >= 2 && !done[i]));
  });

  it("clients sharing a cursor take each missing index once", () => {
    const done = new Uint8Array(10);
    done[0] = done[5] = 1;
    const cursor = new Int32Array(new SharedArrayBuffer(4));
    const a = sharedCursor(cursor, done, 10);
    const b = sharedCursor(cursor, done, 10);
    const taken: number[] = [];
    for (let i = a(), j = b(); i !== null || j !== null; i = a(), j = b())
      taken.push(...[i, j].filter((x) => x !== null));
    expect(sorted(taken)).toEqual([1, 2, 3, 4, 6, 7, 8, 9]);
  });
});

describe("load.clients against the simulator", () => {
  const tmp = tempDir("clients");
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ profile: "llama-3.2-1b@rtx-4080", speedup: 50, groundTruth: true });
  });
  afterAll(async () => {
    await sim.close();
    tmp.cleanup();
  });
  const spec = (over: Parameters<typeof urlSpec>[2]) => urlSpec(sim.url, sim.model, { maxTokens: 24, ...over });
  /** Request indices of this run's requests at the simulator (each attempt's X-Request-Id is `<run>-<index>`). */
  const atSimulator = (runId: string) =>
    sim
      .groundTruth()
      .filter((r) => r.requestId.startsWith(`${runId}-`))
      .map((r) => Number(r.requestId.slice(runId.length + 1)));

  it("two clients send every request once, keep the total concurrency and report each client's lag", async () => {
    const exp = await loadSpec(
      tmp.dir,
      "closed",
      spec({ requests: 60, load: { concurrency: 4, clients: 2, warmup: 4 } }),
    );
    const { dir, manifest } = await runExperiment(exp, { resultsRoot: join(tmp.dir, "results"), ...QUIET });
    expect(manifest.status).toBe("complete");
    expect(manifest.counts).toEqual({ requests: 64, done: 64, ok: 64, error: 0 });
    const rows = await parquetIndices(dir);
    expect(rows.map((r) => r.index)).toEqual(range(64));
    // worker = slot × clients + client: the numbers 0..3 of concurrency 4, both clients' among them
    expect(new Set(rows.map((r) => r.worker))).toEqual(new Set([0, 1, 2, 3]));
    expect(sorted(atSimulator(manifest.run_id))).toEqual(range(64));
    const records = sim.groundTruth().filter((r) => r.requestId.startsWith(`${manifest.run_id}-`));
    expect(maxInFlight(records)).toBeLessThanOrEqual(4);
    expect(maxInFlight(records)).toBeGreaterThan(1);
    const check = manifest.self_check!;
    expect(check.clients!.map((c) => c.client)).toEqual([0, 1]);
    for (const c of check.clients!) {
      expect(c.target_in_flight).toBe(2);
      expect(c.event_loop_delay_p99_ms).toBeGreaterThan(0);
    }
    expect(check.target_in_flight).toBe(4);
    expect(check.event_loop_delay_p99_ms).toBe(Math.max(...check.clients!.map((c) => c.event_loop_delay_p99_ms!)));
  });

  it("an open loop's clients keep the one schedule and send every request once", async () => {
    const load = { rate: 200, clients: 2, maxConcurrency: 6 };
    const exp = await loadSpec(tmp.dir, "open", spec({ requests: 50, load }));
    const { dir, manifest } = await runExperiment(exp, { resultsRoot: join(tmp.dir, "results"), ...QUIET });
    expect(manifest.status).toBe("complete");
    expect((await parquetIndices(dir)).map((r) => r.index)).toEqual(range(50));
    expect(sorted(atSimulator(manifest.run_id))).toEqual(range(50));
    expect(manifest.load_started_ms).not.toBeUndefined();
    expect(
      maxInFlight(sim.groundTruth().filter((r) => r.requestId.startsWith(`${manifest.run_id}-`))),
    ).toBeLessThanOrEqual(6);
    expect(manifest.self_check!.clients).toHaveLength(2);
  });

  it("a run stopped mid-way is resumable, and its resume completes with every index once", async () => {
    const exp = await loadSpec(
      tmp.dir,
      "stopped",
      spec({ requests: 120, maxTokens: 64, load: { concurrency: 4, clients: 2 } }),
    );
    const results = join(tmp.dir, "results");
    const ctrl = new AbortController();
    const first = runExperiment(exp, { resultsRoot: results, signal: ctrl.signal, graceMs: 0, ...QUIET });
    // Stop once some requests have ended at the simulator.
    const before = sim.groundTruth().length;
    await waitFor(() => sim.groundTruth().filter((r) => r.endMs !== null).length >= before + 20);
    ctrl.abort();
    const stopped = await first;
    expect(stopped.manifest.status).toBe("partial");
    const journal = join(stopped.dir, "journal.jsonl");
    expect(existsSync(journal)).toBe(true);
    const journaled = readFileSync(journal, "utf8")
      .split("\n")
      .filter((l) => l.endsWith("}"))
      .map((l) => JSON.parse(l).request_index as number);
    expect(journaled.length).toBeGreaterThan(0);
    expect(journaled.length).toBeLessThan(120);
    expect(new Set(journaled).size).toBe(journaled.length);

    const resumed = await runExperiment(exp, { resultsRoot: results, ...QUIET });
    expect(resumed.dir).toBe(stopped.dir);
    expect(resumed.manifest.status).toBe("complete");
    expect(resumed.manifest.interruptions).toHaveLength(1);
    expect((await parquetIndices(resumed.dir)).map((r) => r.index)).toEqual(range(120));
    // A request journaled before the stop was not sent again (only those aborted in flight were).
    const sent = atSimulator(resumed.runId);
    for (const i of journaled) expect(sent.filter((j) => j === i)).toHaveLength(1);
    expect(sorted([...new Set(sent)])).toEqual(range(120));
  });

  it("the duration cap stops every client: complete with fewer requests, each index once", async () => {
    const load = { concurrency: 4, clients: 2, maxDurationS: 0.6 };
    const exp = await loadSpec(tmp.dir, "capped", spec({ requests: 2000, maxTokens: 64, load }));
    const { dir, manifest } = await runExperiment(exp, { resultsRoot: join(tmp.dir, "results"), ...QUIET });
    expect(manifest.status).toBe("complete");
    expect(manifest.reason).toMatch(/duration cap/);
    const indices = (await parquetIndices(dir)).map((r) => r.index);
    expect(indices.length).toBeLessThan(2000);
    expect(new Set(indices).size).toBe(indices.length);
    expect(indices.length).toBe(manifest.counts.done);
  });

  it("a run until precise stops every client once precise; every request it sent is stored once", async () => {
    const requests = { until: { projection: 200_000, relativeError: 0.3 }, max: 3000, checkEvery: 25 };
    const exp = await loadSpec(tmp.dir, "until", spec({ requests, load: { concurrency: 8, clients: 2 } }));
    const { dir, manifest } = await runExperiment(exp, { resultsRoot: join(tmp.dir, "results"), ...QUIET });
    expect(manifest.status).toBe("complete");
    expect(manifest.until!.stopped).toBe("precise");
    const indices = (await parquetIndices(dir)).map((r) => r.index);
    expect(indices).toEqual(range(manifest.counts.done));
    expect(manifest.counts.done).toBeLessThan(3000);
  });

  it("a server gone in one client ends the run failed but resumable; the resume completes it", async () => {
    const own = await startSimulator({ profile: "llama-3.2-1b@rtx-4080", speedup: 10 });
    try {
      const load = { concurrency: 2, clients: 2 };
      const exp = await loadSpec(
        tmp.dir,
        "gone",
        urlSpec(own.url, own.model, { requests: 40, load, retry: { serverGoneS: 0.8 } }),
      );
      const results = join(tmp.dir, "results");
      let done = 0;
      let stopped: Promise<void> | null = null;
      const progress = () => ({
        tick() {
          if (++done === 10) stopped = own.stop();
        },
        stop() {},
      });
      const logs: string[] = [];
      const first = await runExperiment(exp, { resultsRoot: results, progress, log: (l) => logs.push(l) });
      await stopped;
      expect(first.manifest.status).toBe("failed");
      expect(first.manifest.reason).toMatch(
        /unreachable for more than 1 s \(retry\.serverGoneS\); \d+ of 40 requests done/,
      );
      // the client threads' own lines reach the run's log
      expect(logs.some((l) => l.includes("pausing and polling /health"))).toBe(true);
      await own.restart();
      const second = await runExperiment(exp, { resultsRoot: results, ...QUIET });
      expect(second.manifest.status).toBe("complete");
      expect((await parquetIndices(second.dir)).map((r) => r.index)).toEqual(range(40));
    } finally {
      await own.close();
    }
  });

  it("a shard's clients send the shard's indices only, each once", async () => {
    for (const load of [
      { concurrency: 4, clients: 2 },
      { rate: 300, clients: 2 },
    ]) {
      const exp = await loadSpec(tmp.dir, `shard-${"rate" in load ? "open" : "closed"}`, spec({ requests: 40, load }));
      const shard = { index: 1, count: 2 };
      const { dir, manifest } = await runExperiment(exp, { resultsRoot: join(tmp.dir, "shards"), shard, ...QUIET });
      expect(manifest.status).toBe("complete");
      const odd = range(40).filter((i) => i % 2 === 1);
      expect((await parquetIndices(dir)).map((r) => r.index)).toEqual(odd);
      expect(sorted(atSimulator(manifest.run_id))).toEqual(odd);
    }
  });

  it("load.clients is in the spec hash only when given", async () => {
    const without = await loadSpec(tmp.dir, "h", spec({ load: { concurrency: 2 } }));
    const two = await loadSpec(tmp.dir, "h", spec({ load: { concurrency: 2, clients: 2 } }));
    expect(two.specHash).not.toBe(without.specHash);
    expect(without.resolvedSpec.load).toEqual({ concurrency: 2 });
  });

  it("a bad load.clients is an error naming the field", async () => {
    for (const clients of [0, 1.5, 65, "2"]) {
      const bad = spec({ load: { concurrency: 2, clients: clients as number } });
      const error = await loadSpec(tmp.dir, "bad", bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SpecError);
      expect((error as SpecError).field).toBe("load.clients");
      expect((error as SpecError).message).toMatch(/whole number of client threads from 1 to 64/);
    }
  });
});

async function waitFor(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((r) => setTimeout(r, 10));
}
