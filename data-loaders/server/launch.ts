// A vLLM server the tracker starts itself (`server: { launch: {...} }`): spawn `vllm serve …`,
// keep its log, wait for GET /health (connection refused while loading, 200 ready, 503 dead),
// measure the load time, read the start-up facts from the log, and stop it with SIGINT, then
// SIGKILL after a grace period. A server that does not come up becomes a StartFailed error whose
// reason comes from the log (out of memory, tokenizer/architecture, port taken, crash, timeout).
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, relative } from "node:path";
import { request } from "undici";
import { SECRET_ENV, type LaunchSpec } from "../experiment/schema.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import { queryGpus } from "./nvidia-smi.ts";
import { classifyStartFailure, emptyFacts, readLine, type StartFailure, type StartupFacts } from "./startup-log.ts";

export type LaunchRecord = NonNullable<Manifest["launch"]>;
type Gpus = Awaited<ReturnType<typeof queryGpus>>;

export interface LaunchOptions {
  /** Where the server's stdout and stderr go (the run folder's `server.log`). */
  logFile: string;
  /** Time between SIGINT and SIGKILL when stopping (default 30 s: vLLM frees GPU memory on SIGINT). */
  stopGraceMs?: number;
  /** Time between /health polls (default 500 ms). */
  pollMs?: number;
  /** Progress lines for the console (never contains secret values). */
  log?: (line: string) => void;
  /** GPU memory reader (default: nvidia-smi; null when absent). */
  gpus?: () => Promise<Gpus>;
}

export interface LaunchedServer {
  url: string;
  model: string;
  pid: number;
  apiKey?: string;
  facts: StartupFacts;
  /** The manifest's `launch` object. */
  record: LaunchRecord;
  /** SIGINT, then SIGKILL after the grace period; resolves when the process has exited. */
  stop(): Promise<void>;
}

export class StartFailed extends Error {
  constructor(
    readonly failure: StartFailure,
    readonly record: LaunchRecord,
  ) {
    super(failure.reason);
    this.name = "StartFailed";
  }
}

/** `{ "--max-model-len": 4096, "--enforce-eager": true }` → `["--max-model-len", "4096", "--enforce-eager"]`. */
export function argsToFlags(args: LaunchSpec["args"]): string[] {
  const out: string[] = [];
  for (const [flag, value] of Object.entries(args)) {
    if (value === false) continue;
    if (value === true) out.push(flag);
    else if (Array.isArray(value)) out.push(flag, ...value.map(String));
    else out.push(flag, String(value));
  }
  return out;
}

/** `NAME=value` pairs for the console, values hidden when the name looks secret. */
export function describeEnv(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}=${SECRET_ENV.test(k) ? "***" : v}`)
    .join(" ");
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const usedMib = (gpus: Gpus): number | null => (gpus ? gpus.reduce((sum, g) => sum + g.memory_used_mib, 0) : null);
const MAX_LOG_TAIL = 256 * 1024;

export async function launchServer(spec: LaunchSpec, opts: LaunchOptions): Promise<LaunchedServer> {
  const log = opts.log ?? (() => {});
  const gpus = opts.gpus ?? queryGpus;
  const port = spec.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const argv = ["serve", spec.model, "--host", "127.0.0.1", "--port", String(port), ...argsToFlags(spec.args)];
  const commandLine = [spec.command, ...argv].join(" ");
  let apiKey: string | undefined;
  if (spec.apiKeyEnv) {
    apiKey = process.env[spec.apiKeyEnv];
    if (!apiKey) throw new Error(`environment variable ${spec.apiKeyEnv} (server.launch.apiKeyEnv) is not set`);
  }

  const record: LaunchRecord = {
    command: commandLine,
    load_time_s: null,
    log_file: relative(process.cwd(), opts.logFile) || opts.logFile,
    weights_gib: null,
    weights_load_s: null,
    kv_cache_gib: null,
    kv_cache_tokens: null,
    max_concurrency: null,
    cuda_graph_gib: null,
    gpu_memory_before_mib: usedMib(await gpus()),
    gpu_memory_after_mib: null,
    failure: null,
  };
  const facts = emptyFacts();
  const fillRecord = (): void => {
    record.weights_gib = facts.weights_gib;
    record.weights_load_s = facts.weights_load_s ?? facts.model_load_s;
    record.kv_cache_gib = facts.kv_cache_gib;
    record.kv_cache_tokens = facts.kv_cache_tokens;
    record.max_concurrency = facts.max_concurrency;
    record.cuda_graph_gib = facts.cuda_graph_gib;
  };

  mkdirSync(dirname(opts.logFile), { recursive: true });
  const logStream = createWriteStream(opts.logFile);
  log(
    `launch: ${commandLine}${Object.keys(spec.env).length ? ` (env ${describeEnv(spec.env)})` : ""}; log in ${record.log_file}`,
  );
  const started = performance.now();
  const child = spawn(spec.command, argv, {
    env: { ...process.env, ...spec.env, ...(apiKey ? { VLLM_API_KEY: apiKey } : {}) },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so SIGINT/SIGKILL reach vLLM's engine and worker processes too.
    detached: true,
  });

  // Filled in by the child's events while we wait.
  const state: {
    tail: string;
    spawnError: NodeJS.ErrnoException | null;
    exit: { code: number | null; signal: NodeJS.Signals | null } | null;
  } = {
    tail: "",
    spawnError: null,
    exit: null,
  };
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      state.exit = { code, signal };
      resolve();
    });
    child.once("error", (e) => {
      state.spawnError = e;
      state.exit = { code: null, signal: null };
      resolve();
    });
  });
  const streamsDone = Promise.all([collect(child.stdout!), collect(child.stderr!)]);
  function collect(stream: NodeJS.ReadableStream): Promise<void> {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      logStream.write(chunk);
      state.tail = (state.tail + chunk).slice(-MAX_LOG_TAIL);
      const lines = (partial + chunk).split("\n");
      partial = lines.pop()!;
      for (const line of lines) readLine(facts, line);
    });
    return new Promise((resolve) =>
      stream.once("end", () => {
        if (partial) readLine(facts, partial);
        resolve();
      }),
    );
  }
  const killOnExit = (): void => signalGroup(child, "SIGKILL", { evenIfExited: true });
  process.once("exit", killOnExit);

  const grace = opts.stopGraceMs ?? 30_000;
  const stop = async (): Promise<void> => {
    if (!state.exit) {
      signalGroup(child, "SIGINT");
      const timer = setTimeout(() => signalGroup(child, "SIGKILL"), grace);
      await exited;
      clearTimeout(timer);
    }
    // Engine processes left in the group may still hold the log pipes open.
    const stragglers = setTimeout(() => signalGroup(child, "SIGKILL", { evenIfExited: true }), grace);
    await streamsDone;
    clearTimeout(stragglers);
    process.off("exit", killOnExit);
    await new Promise<void>((resolve) => logStream.end(resolve));
  };

  const fail = async (how: { timedOut?: boolean; detail: string }): Promise<never> => {
    await stop();
    fillRecord();
    const failure: StartFailure = state.spawnError
      ? { kind: "crash", reason: `cannot start ${spec.command}: ${state.spawnError.code ?? state.spawnError.message}` }
      : classifyStartFailure(state.tail, how);
    record.failure = failure.reason;
    log(`launch failed: ${failure.reason}`);
    throw new StartFailed(failure, record);
  };

  const deadline = started + spec.readyTimeoutS * 1000;
  for (;;) {
    if (state.exit) {
      const { code, signal } = state.exit;
      return fail({ detail: signal ? `exited on ${signal}` : `exited with code ${code}` });
    }
    const health = await probeHealth(url);
    if (health === 200) break;
    if (health === 503) return fail({ detail: "GET /health answered 503 (engine dead)" });
    if (performance.now() >= deadline) {
      return fail({ timedOut: true, detail: `no 200 from GET /health within ${spec.readyTimeoutS} s` });
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
  record.load_time_s = Math.round((performance.now() - started) / 10) / 100;
  fillRecord();
  record.gpu_memory_after_mib = usedMib(await gpus());
  log(`launch: ready after ${record.load_time_s} s`);
  return {
    url,
    model: spec.model,
    pid: child.pid!,
    apiKey,
    facts,
    record,
    stop: async () => {
      await stop();
      fillRecord();
    },
  };
}

/** GET /health with a short timeout: the status, or null when nothing answered (still loading). */
async function probeHealth(url: string): Promise<number | null> {
  try {
    const res = await request(`${url}/health`, {
      headersTimeout: 2000,
      bodyTimeout: 2000,
      signal: AbortSignal.timeout(2000),
    });
    await res.body.dump();
    return res.statusCode;
  } catch {
    return null;
  }
}

/** Signals the server's process group (vLLM's API server, engine and workers). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals, opts: { evenIfExited?: boolean } = {}): void {
  if (child.pid === undefined) return;
  if (!opts.evenIfExited && (child.exitCode !== null || child.signalCode !== null)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    } catch {
      // already gone
    }
  }
}
