import { DuckDBInstance } from "@duckdb/node-api";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runExperiment } from "../../data-loaders/run/runner.ts";
import { readManifest } from "../../data-loaders/store/manifest.ts";
import { REQUEST_COLUMNS } from "../../data-loaders/store/schemas/request-row.ts";
import { perWorker } from "../../data-loaders/metrics/workers.ts";
import { planExperiments } from "../../data-loaders/run/plan.ts";
import { startSimulator } from "../../data-loaders/sim/simulator.ts";
import { QUIET, loadSpec, loadSpecCells, simulatedSpec, urlSpec } from "../helpers/spec.ts";
import { tempDir } from "../helpers/temp.ts";

type Row = Record<string, unknown> & { request_index: number; worker: number; attempts: number };

async function parquetRows(dir: string): Promise<Row[]> {
  const db = await DuckDBInstance.create(":memory:");
  const con = await db.connect();
  try {
    const reader = await con.runAndReadAll(
      `SELECT * FROM read_parquet('${join(dir, "requests.parquet")}') ORDER BY request_index`,
    );
    return (reader.getRowObjectsJson() as Record<string, unknown>[]).map((r) => ({
      ...r,
      request_index: Number(r.request_index),
      worker: Number(r.worker),
      attempts: Number(r.attempts),
    }));
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

describe("runner against the simulator, through the store", () => {
  const tmp = tempDir("runner");
  afterAll(() => tmp.cleanup());

  it("stores one Parquet row per request with client timings, usage and quality columns", async () => {
    const exp = await loadSpec(tmp.dir, "small", simulatedSpec({ requests: 24, load: { concurrency: 4 } }));
    const results = join(tmp.dir, "results");
    const { dir, manifest } = await runExperiment(exp, { resultsRoot: results, ...QUIET });

    expect(manifest.status).toBe("complete");
    expect(manifest.source).toBe("simulated");
    expect(manifest.counts).toEqual({ requests: 24, done: 24, ok: 24, error: 0 });
    expect(readManifest(dir)).toEqual(manifest);
    expect(readdirSync(dir).sort()).toEqual(["manifest.json", "requests.parquet", "server-metrics.parquet"]);

    const db = await DuckDBInstance.create(":memory:");
    const con = await db.connect();
    const reader = await con.runAndReadAll(
      `SELECT * FROM read_parquet('${join(dir, "requests.parquet")}') ORDER BY request_index`,
    );
    const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
    expect(reader.columnNames()).toEqual(REQUEST_COLUMNS);
    expect(rows.map((r) => Number(r.request_index))).toEqual([...Array(24).keys()]);
    expect(new Set(rows.map((r) => Number(r.worker)))).toEqual(new Set([0, 1, 2, 3]));
    for (const r of rows) {
      expect(r.status).toBe("ok");
      expect(r.request_id).toBe(`${manifest.run_id}-${r.request_index}`);
      expect(Number(r.prompt_tokens)).toBeGreaterThan(100);
      expect(Number(r.completion_tokens)).toBeGreaterThan(1);
      const sent = r.sent_ms as number,
        first = r.first_event_ms as number,
        last = r.last_chunk_ms as number,
        done = r.done_ms as number;
      expect(sent).toBeGreaterThanOrEqual(0);
      expect(first).toBeGreaterThan(sent);
      // E2EL and TPOT end at the last chunk with choices; the usage chunk and [DONE] end the body later.
      expect(last).toBeGreaterThanOrEqual(first);
      expect(done).toBeGreaterThanOrEqual(last);
      expect(r.ttft_ms).toBeCloseTo(first - sent, 9);
      expect(r.e2e_ms).toBeCloseTo(last - sent, 9);
      expect(r.tpot_ms).toBeCloseTo((last - first) / (Number(r.completion_tokens) - 1), 9);
      expect(r.vllm_success).toBe(true);
      expect(Number(r.total_tokens)).toBe(Number(r.prompt_tokens) + Number(r.completion_tokens));
      expect(r.usage_mismatch).toBe(false);
      expect((r.itl_ms as number[]).length).toBeGreaterThan(0);
      expect(typeof r.answer).toBe("string");
      expect(typeof r.json_valid).toBe("boolean");
    }
    // The 1B profile sometimes ignores the JSON instructions, but mostly follows them.
    const valid = rows.filter((r) => r.schema_valid === true).length;
    expect(valid).toBeGreaterThan(12);
    con.closeSync();
    db.closeSync();
  });

  it("fails an unreachable server within seconds with a clear reason", async () => {
    const exp = await loadSpec(tmp.dir, "unreachable", {
      title: "t",
      server: { url: "http://127.0.0.1:9", model: "m" },
      workload: { prompts: { inline: ["hi"] }, maxTokens: 8, temperature: 0, seed: 1 },
      requests: 3,
      load: { concurrency: 1 },
    });
    const started = performance.now();
    const { dir, manifest } = await runExperiment(exp, {
      resultsRoot: join(tmp.dir, "results"),
      ...QUIET,
    });
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(manifest.status).toBe("failed");
    expect(manifest.reason).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9 .*ECONNREFUSED/);
    expect(existsSync(join(dir, "requests.parquet"))).toBe(false);
  });

  it("warm-up requests go first, are stored with warmup = true and left out of statistics", async () => {
    const exp = await loadSpec(tmp.dir, "warm", simulatedSpec({ requests: 8, load: { concurrency: 2, warmup: 3 } }));
    const { dir, manifest } = await runExperiment(exp, {
      resultsRoot: join(tmp.dir, "results"),
      ...QUIET,
    });
    expect(manifest.status).toBe("complete");
    expect(manifest.counts).toEqual({ requests: 11, done: 11, ok: 11, error: 0 });
    const rows = await parquetRows(dir);
    expect(rows.map((r) => r.warmup)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    const warm = rows.filter((r) => r.warmup);
    const measured = rows.filter((r) => !r.warmup);
    expect(Math.max(...warm.map((r) => r.done_ms as number))).toBeLessThanOrEqual(
      Math.min(...measured.map((r) => r.sent_ms as number)),
    );
    // measured request j uses prompt j (the warm-up does not shift the prompt sequence)
    expect(measured[0]!.prompt_id).toBe(rows[0]!.prompt_id);
    const workers = perWorker(rows as never);
    expect(workers.reduce((n, w) => n + w.requests, 0)).toBe(8);
  });

  it("a sweep's cells each make one run per repeat, stored with their cell; the plan is fresh only when all are complete", async () => {
    const cells = await loadSpecCells(
      tmp.dir,
      "sweep",
      simulatedSpec({ requests: 6, load: { concurrency: [1, 3], repeats: 2 } }),
    );
    const results = join(tmp.dir, "results");
    const runs = [];
    for (const cell of cells) runs.push(...(await runExperiment(cell, { resultsRoot: results, ...QUIET })).runs);
    expect(runs.map((r) => [r.manifest.cell, r.manifest.group])).toEqual([
      [
        { key: "concurrency=1", axes: { concurrency: 1 } },
        { level: null, repeat: 0 },
      ],
      [
        { key: "concurrency=1", axes: { concurrency: 1 } },
        { level: null, repeat: 1 },
      ],
      [
        { key: "concurrency=3", axes: { concurrency: 3 } },
        { level: null, repeat: 0 },
      ],
      [
        { key: "concurrency=3", axes: { concurrency: 3 } },
        { level: null, repeat: 1 },
      ],
    ]);
    expect(new Set(runs.map((r) => r.runId)).size).toBe(4);
    for (const [i, run] of runs.entries()) {
      const cell = cells[Math.floor(i / 2)]!;
      expect(run.manifest.status).toBe("complete");
      expect(run.manifest.spec_hash).toBe(cell.specHash);
      expect(run.runId).toMatch(new RegExp(`-${cell.specHash.slice(0, 8)}-r${i % 2}$`));
      const rows = await parquetRows(run.dir);
      expect(rows).toHaveLength(6);
      expect(new Set(rows.map((r) => r.worker)).size).toBe(cell.spec.load.concurrency);
      expect(rows.map((r) => r.prompt_id)).toEqual((await parquetRows(runs[0]!.dir)).map((r) => r.prompt_id));
    }
    expect(planExperiments(cells, results).map((p) => p.state)).toEqual(["fresh", "fresh"]);
    // nothing left to run
    expect((await runExperiment(cells[1]!, { resultsRoot: results, ...QUIET })).runs).toEqual([]);
  });

  it("retries 5xx with backoff, records attempts, and keeps only the successful attempt's timings", async () => {
    const sim = await startSimulator({
      profile: "llama-3.2-1b@rtx-4080",
      speedup: 50,
      faults: { httpErrors: { "500": 0.4 } },
      groundTruth: true,
    });
    try {
      const exp = await loadSpec(
        tmp.dir,
        "retry",
        urlSpec(sim.url, sim.model, {
          requests: 40,
          load: { concurrency: 4 },
          retry: { attempts: 8, backoffMs: 400, maxBackoffMs: 400 },
        }),
      );
      const { dir, manifest } = await runExperiment(exp, {
        resultsRoot: join(tmp.dir, "results"),
        ...QUIET,
      });
      expect(manifest.status).toBe("complete");
      const rows = await parquetRows(dir);
      expect(rows.every((r) => r.status === "ok")).toBe(true);
      const retried = rows.filter((r) => r.attempts > 1);
      expect(retried.length).toBeGreaterThan(2);
      const truth = new Map(sim.groundTruth().map((t) => [t.requestId, t]));
      for (const r of rows) {
        const base = `${manifest.run_id}-${r.request_index}`;
        expect(r.request_id).toBe(r.attempts === 1 ? base : `${base}-a${r.attempts}`);
        // every earlier attempt reached the server and got a 500
        for (let a = 1; a < r.attempts; a++) expect(truth.get(a === 1 ? base : `${base}-a${a}`)?.httpStatus).toBe(500);
        expect(truth.get(r.request_id as string)?.completionTokens).toBe(Number(r.completion_tokens));
      }
      // latency is the successful attempt's: a retried request waited ≥ 200 ms of backoff, its e2e does not include it
      for (const r of retried) expect(r.e2e_ms as number).toBeLessThan(200);
      expect(perWorker(rows as never).reduce((n, w) => n + w.retries, 0)).toBe(
        rows.reduce((n, r) => n + r.attempts - 1, 0),
      );
    } finally {
      await sim.close();
    }
  });

  it("an idle stream and a slow request end as timeouts", async () => {
    const sim = await startSimulator({
      profile: "llama-3.2-1b@rtx-4080",
      speedup: 20,
      faults: { stall: 1, stallMs: 40_000 },
    });
    try {
      const idle = await loadSpec(
        tmp.dir,
        "idle",
        urlSpec(sim.url, sim.model, { requests: 3, load: { concurrency: 3 }, timeouts: { idleS: 0.3 } }),
      );
      const a = await runExperiment(idle, {
        resultsRoot: join(tmp.dir, "results"),
        ...QUIET,
      });
      const rows = await parquetRows(a.dir);
      expect(rows.map((r) => [r.error_class, r.error_message])).toEqual(
        Array(3).fill(["timeout", "no bytes for 300 ms"]),
      );
      for (const r of rows) expect((r.done_ms as number) - (r.sent_ms as number)).toBeLessThan(1500);
      const total = await loadSpec(
        tmp.dir,
        "total",
        urlSpec(sim.url, sim.model, { requests: 2, load: { concurrency: 2 }, timeouts: { requestS: 0.4 } }),
      );
      const b = await runExperiment(total, {
        resultsRoot: join(tmp.dir, "results"),
        ...QUIET,
      });
      expect((await parquetRows(b.dir)).map((r) => [r.error_class, r.error_message])).toEqual(
        Array(2).fill(["timeout", "no complete response within 400 ms"]),
      );
      expect(b.manifest.status).toBe("failed");
    } finally {
      await sim.close();
    }
  });

  it("maxDurationS stops sending at the cap: complete with fewer requests and a reason", async () => {
    const exp = await loadSpec(
      tmp.dir,
      "capped",
      simulatedSpec({ requests: 5000, load: { concurrency: 2, maxDurationS: 0.8 } }),
    );
    const { dir, manifest } = await runExperiment(exp, {
      resultsRoot: join(tmp.dir, "results"),
      ...QUIET,
    });
    expect(manifest.status).toBe("complete");
    expect(manifest.reason).toMatch(/duration cap \(load\.maxDurationS = 0\.8\) after \d+ of 5000 requests/);
    const rows = await parquetRows(dir);
    expect(rows.length).toBe(manifest.counts.done);
    expect(rows.length).toBeLessThan(5000);
    expect(Math.max(...rows.map((r) => r.sent_ms as number))).toBeLessThan(800);
    expect(readdirSync(dir).sort()).toEqual(["manifest.json", "requests.parquet", "server-metrics.parquet"]);
  });

  it("open loop: arrivals follow the rate; maxConcurrency caps requests in flight", async () => {
    const sim = await startSimulator({ profile: "llama-3.2-1b@rtx-4080", speedup: 5 });
    try {
      const exp = await loadSpec(
        tmp.dir,
        "open",
        urlSpec(sim.url, sim.model, {
          requests: 30,
          load: { rate: 40, burstiness: 2, maxConcurrency: 3 },
          maxTokens: 8,
        }),
      );
      const { dir } = await runExperiment(exp, {
        resultsRoot: join(tmp.dir, "results"),
        ...QUIET,
      });
      const rows = await parquetRows(dir);
      expect(rows).toHaveLength(30);
      const events = rows
        .flatMap((r) => [
          [r.sent_ms as number, 1],
          [r.done_ms as number, -1],
        ])
        .sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
      let inFlight = 0,
        peak = 0;
      for (const [, d] of events) peak = Math.max(peak, (inFlight += d!));
      expect(peak).toBeLessThanOrEqual(3);
      expect(new Set(rows.map((r) => r.worker)).size).toBeLessThanOrEqual(3);
      const free = await loadSpec(
        tmp.dir,
        "open2",
        urlSpec(sim.url, sim.model, { requests: 30, load: { rate: 60 }, maxTokens: 2 }),
      );
      const f = await parquetRows((await runExperiment(free, { resultsRoot: join(tmp.dir, "results"), ...QUIET })).dir);
      const sends = f.map((r) => r.sent_ms as number).sort((a, b) => a - b);
      // the last of N requests goes at N/R = 500 ms after the first arrival's schedule
      expect(sends.at(-1)! - sends[0]!).toBeGreaterThan(300);
      expect(sends.at(-1)! - sends[0]!).toBeLessThan(700);
    } finally {
      await sim.close();
    }
  });

  it("a server gone past retry.serverGoneS ends the run failed but resumable; the resume completes it", async () => {
    const sim = await startSimulator({ profile: "llama-3.2-1b@rtx-4080", speedup: 10 });
    try {
      const exp = await loadSpec(
        tmp.dir,
        "gone",
        urlSpec(sim.url, sim.model, { requests: 40, load: { concurrency: 2 }, retry: { serverGoneS: 0.8 } }),
      );
      const results = join(tmp.dir, "results");
      let done = 0;
      let stopped: Promise<void> | null = null;
      const progress = () => ({
        tick() {
          if (++done === 10) stopped = sim.stop();
        },
        stop() {},
      });
      const logs: string[] = [];
      const first = await runExperiment(exp, { resultsRoot: results, progress, log: (l) => logs.push(l) });
      await stopped;
      expect(first.manifest.status).toBe("failed");
      expect(first.manifest.reason).toMatch(
        /unreachable for more than 1 s \(retry\.serverGoneS\); \d+ of 40 requests done; `tracker run gone` resumes it/,
      );
      expect(first.manifest.counts.done).toBeLessThan(40);
      expect(readdirSync(first.dir)).toContain("journal.jsonl");
      expect(logs.some((l) => l.includes("pausing and polling /health"))).toBe(true);
      expect(planExperiments([exp], results)[0]!.state).toBe("partial");

      await sim.restart();
      const second = await runExperiment(exp, { resultsRoot: results, ...QUIET });
      expect(second.runId).toBe(first.runId);
      expect(second.manifest.status).toBe("complete");
      expect(second.manifest.interruptions).toHaveLength(1);
      expect(second.manifest.interruptions![0]!.reason).toMatch(/^failed: server .* unreachable/);
      const rows = await parquetRows(second.dir);
      expect(rows.map((r) => r.request_index)).toEqual([...Array(40).keys()]);
    } finally {
      await sim.close();
    }
  });
});

// The reproducibility manifest every run writes, automatically.
describe("run manifest", () => {
  const tmp = tempDir("manifest");
  afterAll(() => tmp.cleanup());

  it("records code, spec, prompts, machine, server facts, seeds, times and the self-check", async () => {
    const exp = await loadSpec(tmp.dir, "facts", simulatedSpec({ requests: 8, load: { concurrency: 2 } }));
    const { dir } = await runExperiment(exp, {
      resultsRoot: join(tmp.dir, "results"),
      progress: () => ({ tick() {}, stop() {} }),
      log: () => {},
    });
    const m = readManifest(dir);
    const head = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" }).trim();
    expect(m.environment.git_commit).toBe(head);
    expect(typeof m.environment.git_dirty).toBe("boolean");
    expect(m.spec_hash).toBe(exp.specHash);
    expect(m.prompt_hash).toBe(exp.promptHash);
    expect(m.tracker_version).toMatch(/^\d+\.\d+\.\d+/);
    expect(m.environment.node).toBe(process.version);
    expect(m.environment.os).toMatch(/^linux /);
    expect(m.environment.cpu).toMatch(/×/);
    expect(m.environment.host.length).toBeGreaterThan(0);
    expect(m.environment.gpus).toBeNull(); // no nvidia-smi on this machine
    expect(m.server_facts).toMatchObject({
      version: expect.stringMatching(/^\d+\.\d+/),
      root: m.server.model,
      max_model_len: 8192,
    });
    expect(m.server_facts!.cache_config).toHaveProperty("block_size");
    expect((m.spec as { workload: { seed: number } }).workload.seed).toBe(7);
    expect(Date.parse(m.finished_at!)).toBeGreaterThanOrEqual(Date.parse(m.started_at));
    expect(m.self_check).toMatchObject({ client_bound: expect.any(Boolean), target_in_flight: 2 });
    expect(m.group).toEqual({ level: null, repeat: 0 });
    expect(m.interruptions).toEqual([]);
  });
});
