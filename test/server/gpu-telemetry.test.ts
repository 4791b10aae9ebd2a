// GPU telemetry: one nvidia-smi per run (the stand-in test/server/stand-in/nvidia-smi prints lines
// recorded from an RTX 4080), its lines parsed into server-metric rows; absent, failing or
// garbage-printing nvidia-smi gives no rows and a note; the process never outlives stop().
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  GPU_ENDPOINT,
  GPU_QUERY_FIELDS,
  gpuTelemetryArgs,
  gpusAreLocal,
  parseGpuLine,
  startGpuTelemetry,
} from "../../data-loaders/server/gpu-telemetry.ts";
import { serverMetricRowSchema } from "../../data-loaders/store/schemas/server-metric.ts";
import { tempDir } from "../helpers/temp.ts";

const STAND_IN = join(import.meta.dirname, "stand-in", "nvidia-smi");
const RECORDED = readFileSync(join(import.meta.dirname, "stand-in", "nvidia-smi-rtx-4080.csv"), "utf8")
  .trim()
  .split("\n");
const recordedPower = RECORDED.map((l) => Number(l.split(", ")[2]));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("parseGpuLine", () => {
  it("reads a line of the query (RTX 4080 under load)", () => {
    expect(parseGpuLine(RECORDED[3]!)).toEqual({
      gpu: "0",
      stampMs: Date.UTC(2025, 10, 18, 14, 2, 14, 209),
      values: {
        "power.draw": 289.12,
        "utilization.gpu": 100,
        "utilization.memory": 58,
        "memory.used": 14891,
        "clocks.sm": 2760,
      },
    });
  });

  it("leaves out a field nvidia-smi prints as [N/A] or [Not Supported]", () => {
    const s = parseGpuLine("1, 2025/11/18 14:02:14.209, [N/A], 97, [Not Supported], 14891, 2760")!;
    expect(s.gpu).toBe("1");
    expect(s.values).toEqual({ "utilization.gpu": 97, "memory.used": 14891, "clocks.sm": 2760 });
    expect(parseGpuLine("0, [N/A], 30.5, 0, 0, 1, 210")!.stampMs).toBeNull();
  });

  it("refuses what is not a line of the query", () => {
    expect(parseGpuLine("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.")).toBeNull();
    expect(parseGpuLine("0, 2025/11/18 14:02:14.209, 289.12, 100, 58, 14891")).toBeNull(); // a field short
    expect(parseGpuLine("0, 2025/11/18 14:02:14.209, 289 W, 100, 58, 14891, 2760")).toBeNull(); // units
    expect(parseGpuLine("x, 2025/11/18 14:02:14.209, 289.12, 100, 58, 14891, 2760")).toBeNull();
    expect(parseGpuLine("0, yesterday, 289.12, 100, 58, 14891, 2760")).toBeNull();
  });

  it("asks nvidia-smi for the fields in the parsed order, looping every interval", () => {
    expect(gpuTelemetryArgs(1000)).toEqual([
      `--query-gpu=${GPU_QUERY_FIELDS.join(",")}`,
      "--format=csv,noheader,nounits",
      "-lms",
      "1000",
    ]);
  });
});

describe("gpusAreLocal", () => {
  it("is true for a launched server or loopback endpoints, false for the simulator and any other host", () => {
    expect(gpusAreLocal({ kind: "launch", endpoints: ["http://10.0.0.5:8000"] })).toBe(true);
    expect(gpusAreLocal({ kind: "url", endpoints: ["http://localhost:8000", "http://127.0.0.1:8001/v1"] })).toBe(true);
    expect(gpusAreLocal({ kind: "url", endpoints: ["http://[::1]:8000"] })).toBe(true);
    expect(gpusAreLocal({ kind: "simulate", endpoints: ["http://127.0.0.1:40123"] })).toBe(false);
    expect(gpusAreLocal({ kind: "url", endpoints: ["http://127.0.0.1:8000", "http://gpu-box:8000"] })).toBe(false);
    expect(gpusAreLocal({ kind: "url", endpoints: ["http://gpu-box:8000"] })).toBe(false);
    expect(gpusAreLocal({ kind: "url", endpoints: [] })).toBe(false);
  });
});

describe("startGpuTelemetry with a stand-in nvidia-smi", () => {
  const tmp = tempDir("gpu-telemetry");
  afterAll(() => tmp.cleanup());
  afterEach(() => {
    delete process.env.NVIDIA_SMI_STANDIN;
    delete process.env.NVIDIA_SMI_STANDIN_EXIT;
    delete process.env.NVIDIA_SMI_STANDIN_PIDFILE;
  });
  const until = async (ok: () => boolean, ms = 15_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  };

  it("stores one series per field of the recorded samples, in order, and kills the process at stop", async () => {
    const t0 = performance.now();
    const lines: string[] = [];
    const gpu = startGpuTelemetry({
      command: STAND_IN,
      intervalMs: 100,
      now: () => performance.now() - t0,
      runId: "run-g",
      log: (l) => lines.push(l),
    });
    const pid = gpu.pid!;
    expect(pid).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1_200));
    const rows = await gpu.stop();
    expect(alive(pid)).toBe(false);
    expect(lines).toEqual([]);

    for (const r of rows) serverMetricRowSchema.parse(r);
    expect(rows.every((r) => r.run_id === "run-g" && r.endpoint === GPU_ENDPOINT && r.labels === '{"gpu":"0"}')).toBe(
      true,
    );
    const power = rows.filter((r) => r.metric === "gpu:power_draw_watts");
    expect(power.length).toBeGreaterThanOrEqual(3);
    expect(power.map((r) => r.value)).toEqual(recordedPower.slice(0, power.length));
    for (const metric of ["gpu:utilization_gpu_percent", "gpu:utilization_memory_percent", "gpu:memory_used_mib"])
      expect(rows.filter((r) => r.metric === metric)).toHaveLength(power.length);
    expect(rows.filter((r) => r.metric === "gpu:clock_sm_mhz").map((r) => r.value)).toEqual(
      RECORDED.slice(0, power.length).map((l) => Number(l.split(", ")[6])),
    );
    // Times: about one interval apart (the stand-in's timestamps), never later than the run's clock now.
    const gaps = power.slice(1).map((r, i) => r.t_ms - power[i]!.t_ms);
    for (const g of gaps) expect(g).toBeGreaterThan(50);
    expect(power.at(-1)!.t_ms).toBeLessThanOrEqual(performance.now() - t0);
  });

  it("gives no rows and a note when nvidia-smi is not there", async () => {
    const lines: string[] = [];
    const gpu = startGpuTelemetry({
      command: join(tmp.dir, "no-such-nvidia-smi"),
      now: () => 0,
      runId: "r",
      log: (l) => lines.push(l),
    });
    expect(await gpu.stop()).toEqual([]);
    expect(lines).toEqual([
      `GPU telemetry: ${join(tmp.dir, "no-such-nvidia-smi")} not found; no GPU series for this run`,
    ]);
  });

  it("gives no rows and a note naming the exit code when nvidia-smi fails", async () => {
    process.env.NVIDIA_SMI_STANDIN = "fail";
    process.env.NVIDIA_SMI_STANDIN_EXIT = "1";
    const lines: string[] = [];
    const gpu = startGpuTelemetry({ command: STAND_IN, now: () => 0, runId: "r", log: (l) => lines.push(l) });
    await until(() => lines.length > 0);
    expect(await gpu.stop()).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/exited with 1 \("NVIDIA-SMI has failed because it couldn't communicate/);
  });

  it("gives no rows and one note when nvidia-smi prints lines that do not parse, and kills it", async () => {
    process.env.NVIDIA_SMI_STANDIN = "garbage";
    const pidFile = join(tmp.dir, "garbage.pid");
    process.env.NVIDIA_SMI_STANDIN_PIDFILE = pidFile;
    const lines: string[] = [];
    const gpu = startGpuTelemetry({
      command: STAND_IN,
      intervalMs: 50,
      now: () => 0,
      runId: "r",
      log: (l) => lines.push(l),
    });
    await new Promise((r) => setTimeout(r, 800));
    expect(await gpu.stop()).toEqual([]);
    expect(alive(Number(readFileSync(pidFile, "utf8")))).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/line\(s\) of .*nvidia-smi did not parse and were skipped \(first: "garbage 0/);
  });
});
