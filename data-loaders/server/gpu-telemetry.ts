// GPU telemetry during a run: ONE long-running `nvidia-smi` per run, started with the run and
// killed at its end, printing one CSV line per GPU every second:
//
//   nvidia-smi --query-gpu=index,timestamp,power.draw,utilization.gpu,utilization.memory,memory.used,clocks.sm
//              --format=csv,noheader,nounits -lms 1000
//   e.g. `0, 2026/12/02 01:54:05.123, 287.41, 98, 57, 14873, 2745`
//
// (`-lms` is nvidia-smi's loop in milliseconds: it queries again every interval until killed.)
// Each line becomes rows of `server-metrics.parquet` beside the /metrics series (endpoint
// `nvidia-smi`, labels {"gpu": "<index>"}; one series per GPU and field, GPU_SERIES). A value
// nvidia-smi cannot give is printed as `[N/A]` or `[Not Supported]` (some GPUs lack a sensor,
// e.g. power on some boards): that field gives no row for that sample, the others still do.
//
// Sample times are the run's clock: the first line is placed when it is read, later lines at
// that time plus the difference of their nvidia-smi timestamps (so a delay in reading the pipe
// does not move samples), never later than when they were read.
//
// Sampled only when the GPUs are on this machine: a launched server, or one whose every endpoint
// is a loopback host (localhost, 127.0.0.1, ::1); not `simulate:`, which computes on the CPU.
// Absent nvidia-smi (not found), one that exits non-zero or prints lines that do not
// parse gives no rows and a note in the run's log; GPU telemetry never fails a run. The process is
// killed in stop() (SIGTERM, then SIGKILL after 2 s) and when the tracker exits; a tracker killed
// outright closes the pipe, and nvidia-smi ends at its next write.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { ServerMetricRow } from "../store/schemas/server-metric.ts";

/** The fields queried, in the order nvidia-smi prints them. */
export const GPU_QUERY_FIELDS = [
  "index",
  "timestamp",
  "power.draw",
  "utilization.gpu",
  "utilization.memory",
  "memory.used",
  "clocks.sm",
] as const;

/** The stored series name of each numeric field (units in the name; nvidia-smi's `nounits` values). */
export const GPU_SERIES = {
  "power.draw": "gpu:power_draw_watts",
  "utilization.gpu": "gpu:utilization_gpu_percent",
  "utilization.memory": "gpu:utilization_memory_percent",
  "memory.used": "gpu:memory_used_mib",
  "clocks.sm": "gpu:clock_sm_mhz",
} as const;

/** The `endpoint` of GPU rows in server-metrics.parquet. */
export const GPU_ENDPOINT = "nvidia-smi";

export function gpuTelemetryArgs(intervalMs: number): string[] {
  return [`--query-gpu=${GPU_QUERY_FIELDS.join(",")}`, "--format=csv,noheader,nounits", "-lms", String(intervalMs)];
}

type NumericField = keyof typeof GPU_SERIES;

export interface GpuSample {
  gpu: string;
  /** nvidia-smi's timestamp as ms (its local time read as UTC: only differences are used), null when absent. */
  stampMs: number | null;
  /** Each field nvidia-smi gave; a field it printed as [N/A] / [Not Supported] is left out. */
  values: Partial<Record<NumericField, number>>;
}

const NOT_AVAILABLE = /^(\[[^\]]*\]|N\/A)$/i;
const NUMBER = /^-?\d+(\.\d+)?$/;
const STAMP = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/;

/** One line of the query; null for a line that is not one (an error message, garbage). */
export function parseGpuLine(line: string): GpuSample | null {
  const fields = line.split(",").map((f) => f.trim());
  if (fields.length !== GPU_QUERY_FIELDS.length) return null;
  const [index, stamp, ...numbers] = fields as [string, string, ...string[]];
  if (!/^\d+$/.test(index)) return null;
  const m = STAMP.exec(stamp);
  if (!m && !NOT_AVAILABLE.test(stamp)) return null;
  const stampMs = m
    ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +(m[7] ?? "0").padEnd(3, "0"))
    : null;
  const values: GpuSample["values"] = {};
  const names = GPU_QUERY_FIELDS.slice(2) as NumericField[];
  for (const [i, text] of numbers.entries()) {
    if (NOT_AVAILABLE.test(text)) continue;
    if (!NUMBER.test(text)) return null;
    values[names[i]!] = Number(text);
  }
  return { gpu: index, stampMs, values };
}

/** Whether the run's GPUs are on this machine: a launched server, or every endpoint on a loopback host. */
export function gpusAreLocal(server: { kind: string; endpoints: readonly string[] }): boolean {
  if (server.kind === "launch") return true;
  // The simulator computes on the CPU: a GPU's power during its run would measure nothing of it.
  if (server.kind === "simulate") return false;
  const loopback = (url: string): boolean => {
    try {
      const host = new URL(url).hostname;
      return host === "localhost" || host === "127.0.0.1" || host === "[::1]" || host === "::1";
    } catch {
      return false;
    }
  };
  return server.endpoints.length > 0 && server.endpoints.every(loopback);
}

export interface GpuTelemetryOptions {
  /** The run's clock: ms since the run started (t_ms of each row). */
  now: () => number;
  runId: string;
  /** Receives a note when nvidia-smi is absent, fails or prints what does not parse. */
  log?: (line: string) => void;
  /** Default "nvidia-smi" (found on PATH). */
  command?: string;
  /** Default 1000 ms. */
  intervalMs?: number;
}

export interface GpuTelemetry {
  /** Kills nvidia-smi (if still running), waits until it has exited, and returns every row, ordered by time. */
  stop(): Promise<ServerMetricRow[]>;
  /** The nvidia-smi process id (null when it did not start), for tests. */
  readonly pid: number | null;
}

/** Starts the run's nvidia-smi; see the header for what it records and how it fails. */
export function startGpuTelemetry(opts: GpuTelemetryOptions): GpuTelemetry {
  const command = opts.command ?? "nvidia-smi";
  const note = (line: string): void => opts.log?.(`GPU telemetry: ${line}`);
  const rows: ServerMetricRow[] = [];
  const child = spawn(command, gpuTelemetryArgs(opts.intervalMs ?? 1000), { stdio: ["ignore", "pipe", "pipe"] });
  const read = readLines(child, opts, rows);
  let stopping = false;
  let started = true;
  let failed = false;
  const exited = new Promise<void>((resolve) => {
    child.once("error", (e) => {
      started = false;
      const code = (e as NodeJS.ErrnoException).code;
      note(code === "ENOENT" ? `${command} not found; no GPU series for this run` : `${command}: ${e.message}`);
      resolve();
    });
    // "close": the process has exited and its output is read to the end.
    child.once("close", (code, signal) => {
      if (!stopping && started && code !== 0) {
        failed = true;
        const said = read.firstUnread ? ` ("${read.firstUnread}")` : "";
        note(`${command} exited with ${code ?? signal}${said}; no more GPU samples for this run`);
      }
      resolve();
    });
  });
  const killOnExit = (): void => void child.kill("SIGKILL");
  process.once("exit", killOnExit);
  return {
    pid: child.pid ?? null,
    async stop() {
      stopping = true;
      process.off("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 2_000);
        await exited;
        clearTimeout(timer);
      } else await exited;
      if (read.unread > 0 && !failed)
        note(`${read.unread} line(s) of ${command} did not parse and were skipped (first: "${read.firstUnread}")`);
      return rows.sort((a, b) => a.t_ms - b.t_ms);
    },
  };
}

/** Reads nvidia-smi's stdout (and stderr, for the note) line by line into `rows`. */
function readLines(child: ChildProcess, opts: GpuTelemetryOptions, rows: ServerMetricRow[]) {
  const state = { unread: 0, firstUnread: null as string | null };
  let anchor: { runMs: number; stampMs: number } | null = null;
  const skip = (line: string): void => {
    state.unread += 1;
    state.firstUnread ??= line.slice(0, 80);
  };
  createInterface({ input: child.stdout! }).on("line", (raw) => {
    const line = raw.trim();
    if (line === "") return;
    const readMs = opts.now();
    const sample = parseGpuLine(line);
    if (!sample) return skip(line);
    if (anchor === null && sample.stampMs !== null) anchor = { runMs: readMs, stampMs: sample.stampMs };
    const t =
      anchor && sample.stampMs !== null ? Math.min(readMs, anchor.runMs + sample.stampMs - anchor.stampMs) : readMs;
    const labels = JSON.stringify({ gpu: sample.gpu });
    for (const [field, value] of Object.entries(sample.values) as [NumericField, number][])
      rows.push({ run_id: opts.runId, endpoint: GPU_ENDPOINT, t_ms: t, metric: GPU_SERIES[field], labels, value });
  });
  createInterface({ input: child.stderr! }).on("line", (raw) => {
    if (raw.trim() !== "") state.firstUnread ??= raw.trim().slice(0, 80);
  });
  return state;
}
