// GPU energy end to end: a run against a server on this machine (the simulator, reached by its
// loopback URL as a vLLM on this machine would be; `simulate:` itself samples no GPU) with the stand-in
// nvidia-smi first on PATH stores the GPU series beside /metrics, the process is gone when the run
// ends, and the digest's energy and the energy cost match figures computed here from the stored
// samples by a different method (a fine sum, not trapezoids). Without nvidia-smi, or with one that
// fails, the run still completes, with no GPU series and a note in its log.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runExperiment } from "../../data-loaders/run/runner.ts";
import { runDigest } from "../../data-loaders/report/digest.ts";
import { runCosts } from "../../data-loaders/report/figures.ts";
import { reportSettings } from "../../data-loaders/report/settings.ts";
import { listRuns } from "../../data-loaders/store/folders.ts";
import { startSimulator, type Simulator } from "../../data-loaders/sim/simulator.ts";
import { loadSpec, urlSpec } from "../helpers/spec.ts";
import { tempDir } from "../helpers/temp.ts";

const STAND_IN_DIR = join(import.meta.dirname, "..", "server", "stand-in");
const RECORDED_POWER = readFileSync(join(STAND_IN_DIR, "nvidia-smi-rtx-4080.csv"), "utf8")
  .trim()
  .split("\n")
  .map((l) => Number(l.split(", ")[2]));

async function sql(path: string, text: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(":memory:");
  const con = await db.connect();
  try {
    return (await con.runAndReadAll(text.replaceAll("$file", `'${path}'`))).getRowObjectsJS();
  } finally {
    con.closeSync();
  }
}

describe("GPU energy of a run", () => {
  const tmp = tempDir("gpu-energy");
  const results = join(tmp.dir, "results");
  process.env.TRACKER_DIGEST_CACHE = join(tmp.dir, "memo");
  const PATH = process.env.PATH;
  afterEach(() => {
    process.env.PATH = PATH;
    for (const k of ["NVIDIA_SMI_STANDIN", "NVIDIA_SMI_STANDIN_EXIT", "NVIDIA_SMI_STANDIN_PIDFILE"])
      delete process.env[k];
  });
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ profile: "llama-3.2-1b@rtx-4080", speedup: 2 });
  });
  afterAll(async () => {
    await sim.close();
    tmp.cleanup();
  });

  const run = async (id: string, signal?: AbortSignal, requests = 48) => {
    const spec = urlSpec(sim.url, sim.model, {
      maxTokens: 512,
      promptCount: 20,
      requests,
      load: { concurrency: 8 },
      electricityPerKWh: 0.3,
    });
    const exp = await loadSpec(tmp.dir, id, spec);
    const log: string[] = [];
    const result = await runExperiment(exp, { resultsRoot: results, log: (l) => log.push(l), signal, graceMs: 200 });
    return { ...result, log };
  };
  const gpuRows = (dir: string) =>
    sql(
      join(dir, "server-metrics.parquet"),
      `SELECT t_ms, value, labels FROM read_parquet($file) WHERE metric = 'gpu:power_draw_watts' ORDER BY t_ms`,
    );

  it("stores the stand-in's samples, kills it at run end, and reports energy, J/token and cost", async () => {
    process.env.PATH = `${STAND_IN_DIR}:${PATH}`;
    const pidFile = join(tmp.dir, "nvidia-smi.pid");
    process.env.NVIDIA_SMI_STANDIN_PIDFILE = pidFile;
    const { dir, manifest, log } = await run("with-gpu");
    expect(manifest.status).toBe("complete");
    expect(log.filter((l) => l.includes("GPU telemetry"))).toEqual([]);
    // The run's one nvidia-smi has exited (the pid file holds the last one started: the sampling loop).
    expect(() => process.kill(Number(readFileSync(pidFile, "utf8")), 0)).toThrow();

    const power = await gpuRows(dir);
    expect(power.length).toBeGreaterThanOrEqual(2);
    expect(power.every((r) => r.labels === '{"gpu":"0"}')).toBe(true);
    expect(power.map((r) => r.value)).toEqual(RECORDED_POWER.slice(0, power.length));
    const metrics = await sql(
      join(dir, "server-metrics.parquet"),
      `SELECT DISTINCT metric FROM read_parquet($file) WHERE endpoint = 'nvidia-smi' ORDER BY 1`,
    );
    expect(metrics.map((m) => m.metric)).toEqual([
      "gpu:clock_sm_mhz",
      "gpu:memory_used_mib",
      "gpu:power_draw_watts",
      "gpu:utilization_gpu_percent",
      "gpu:utilization_memory_percent",
    ]);

    // Independently: power on the line through the samples, held flat outside them, summed in 1 ms steps.
    const [w] = await sql(
      join(dir, "requests.parquet"),
      `SELECT min(sent_ms) AS s, max(done_ms) AS e, sum(completion_tokens) FILTER (status = 'ok')::DOUBLE AS tokens,
         count(*) FILTER (status = 'ok')::DOUBLE AS ok FROM read_parquet($file) WHERE NOT warmup`,
    );
    const [start, end] = [w!.s as number, w!.e as number];
    const pts = power.map((r) => [r.t_ms as number, r.value as number] as const);
    const at = (t: number): number => {
      if (t <= pts[0]![0]) return pts[0]![1];
      if (t >= pts.at(-1)![0]) return pts.at(-1)![1];
      const i = pts.findIndex(([ti]) => ti > t);
      const [[t0, p0], [t1, p1]] = [pts[i - 1]!, pts[i]!];
      return p0 + ((p1 - p0) * (t - t0)) / (t1 - t0);
    };
    let joules = 0;
    for (let t = start; t < end; t += 1) joules += (at(t + 0.5) * Math.min(1, end - t)) / 1000;

    const folder = listRuns(results).find((r) => r.runId === manifest.run_id)!;
    const digest = await runDigest(folder);
    const energy = digest.energy!;
    expect(energy.joules).toBeCloseTo(joules, 0);
    expect(Math.abs(energy.joules - joules) / joules).toBeLessThan(1e-3);
    expect(energy.joulesPerOutputToken! * (w!.tokens as number)).toBeCloseTo(energy.joules, 6);
    expect(energy.joulesPerRequest! * (w!.ok as number)).toBeCloseTo(energy.joules, 6);
    const settings = await reportSettings(join(tmp.dir, "experiments"), "with-gpu");
    const cost = runCosts(digest, settings).energy!;
    // $0.30 per kWh: 100K requests of (joules / ok) J each.
    expect(cost.per100K).toBeCloseTo((((joules / (w!.ok as number)) * 100_000) / 3_600_000) * 0.3, 4);
  }, 120_000);

  it("kills nvidia-smi when the run is interrupted, and keeps the samples taken", async () => {
    process.env.PATH = `${STAND_IN_DIR}:${PATH}`;
    const pidFile = join(tmp.dir, "interrupted.pid");
    process.env.NVIDIA_SMI_STANDIN_PIDFILE = pidFile;
    const stop = new AbortController();
    // Stopped after the stand-in's first samples (one a second), long before its 2,000 requests end.
    setTimeout(() => stop.abort(), 3_000);
    const { dir, manifest } = await run("interrupted-gpu", stop.signal, 2_000);
    expect(manifest.status).toBe("partial");
    expect(() => process.kill(Number(readFileSync(pidFile, "utf8")), 0)).toThrow();
    expect((await gpuRows(dir)).length).toBeGreaterThan(0);
  }, 120_000);

  it("completes with no GPU series and a note when nvidia-smi is not on PATH", async () => {
    process.env.PATH = `${join(tmp.dir, "empty")}:${process.execPath.replace(/\/node$/, "")}`;
    const { dir, manifest, log } = await run("no-gpu");
    expect(manifest.status).toBe("complete");
    expect(await gpuRows(dir)).toEqual([]);
    expect(log.some((l) => /GPU telemetry: nvidia-smi not found/.test(l))).toBe(true);
    const digest = await runDigest(listRuns(results).find((r) => r.runId === manifest.run_id)!);
    expect(digest.energy).toBeNull();
  }, 120_000);

  it("completes with no GPU series and a note when nvidia-smi fails", async () => {
    process.env.PATH = `${STAND_IN_DIR}:${PATH}`;
    process.env.NVIDIA_SMI_STANDIN = "fail";
    process.env.NVIDIA_SMI_STANDIN_EXIT = "1";
    const { dir, manifest, log } = await run("failing-gpu");
    expect(manifest.status).toBe("complete");
    expect(await gpuRows(dir)).toEqual([]);
    expect(log.some((l) => /GPU telemetry: nvidia-smi exited with 1/.test(l))).toBe(true);
  }, 120_000);
});
