// A vLLM server the tracker starts itself (`server: { launch: {...} }`): spawn `vllm serve …`,
// keep its log, wait for GET /health (connection refused while loading, 200 ready, 503 dead),
// measure the load time, read the start-up facts from the log (and when its ready line came),
// pass its periodic stats lines on (`logStats`, for the server series when /metrics cannot be
// scraped), and stop it with SIGINT, then SIGKILL after a grace period. A server that does not come up becomes a StartFailed error whose
// reason comes from the log (out of memory, tokenizer/architecture, port taken, crash, timeout).
import { relative } from "node:path";
import { SECRET_ENV, type LaunchSpec } from "../experiment/schema.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import { healthStatus } from "./health.ts";
import { freePort, pollUntil } from "./http.ts";
import { queryGpus } from "./nvidia-smi.ts";
import { spawnServer, type ServerProcess } from "./server-process.ts";
import {
  classifyStartFailure,
  emptyFacts,
  finishFacts,
  readLine,
  type StartFailure,
  type StartupFacts,
} from "./startup-log.ts";
import { logStatsFeed, type LogStats } from "./stats-log.ts";

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
  /** The server's periodic stats lines, as they are logged. */
  logStats: LogStats;
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

/** Milliseconds as seconds with two decimals. */
const seconds = (ms: number): number => Math.round(ms / 10) / 100;

const usedMib = (gpus: Gpus): number | null => (gpus ? gpus.reduce((sum, g) => sum + g.memory_used_mib, 0) : null);

export async function launchServer(spec: LaunchSpec, opts: LaunchOptions): Promise<LaunchedServer> {
  const log = opts.log ?? (() => {});
  const gpus = opts.gpus ?? queryGpus;
  const port = spec.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const argv = ["serve", spec.model, "--host", "127.0.0.1", "--port", String(port), ...argsToFlags(spec.args)];
  const apiKey = launchApiKey(spec);
  const record = emptyRecord([spec.command, ...argv].join(" "), opts.logFile, usedMib(await gpus()));
  const facts = emptyFacts();
  const env = Object.keys(spec.env).length ? ` (env ${describeEnv(spec.env)})` : "";
  log(`launch: ${record.command}${env}; log in ${record.log_file}`);

  const started = performance.now();
  const logStats = logStatsFeed();
  const onLine = (line: string): void => {
    const wasReady = facts.ready;
    readLine(facts, line);
    if (facts.ready && !wasReady) record.ready_line_s = seconds(performance.now() - started);
    logStats.feed(line);
  };
  const proc = spawnServer(spec.command, argv, {
    env: { ...process.env, ...spec.env, ...(apiKey ? { VLLM_API_KEY: apiKey } : {}) },
    logFile: opts.logFile,
    onLine,
  });
  const grace = opts.stopGraceMs ?? 30_000;
  const stop = async (): Promise<void> => {
    await proc.stop(grace);
    fillRecord(record, facts);
  };

  const problem = await waitHealthy(url, proc, spec.readyTimeoutS, opts.pollMs ?? 500);
  if (problem) {
    await stop();
    const failure = startFailure(spec, proc, problem);
    record.failure = failure.reason;
    log(`launch failed: ${failure.reason}`);
    throw new StartFailed(failure, record);
  }
  record.load_time_s = seconds(performance.now() - started);
  fillRecord(record, facts);
  record.gpu_memory_after_mib = usedMib(await gpus());
  log(`launch: ready after ${record.load_time_s} s`);
  return { url, model: spec.model, pid: proc.child.pid!, apiKey, facts, logStats, record, stop };
}

/** How a start went wrong, for the failure classification (null when the server became ready). */
interface StartProblem {
  timedOut?: boolean;
  detail: string;
}

/**
 * Polls GET /health every `pollMs` until it answers 200: null then; else what went wrong (the
 * process exited, /health answered 503, or no 200 within `readyTimeoutS`).
 */
async function waitHealthy(
  url: string,
  proc: ServerProcess,
  readyTimeoutS: number,
  pollMs: number,
): Promise<StartProblem | null> {
  const probe = async (): Promise<StartProblem | null | undefined> => {
    const exit = proc.exit();
    if (exit) return { detail: exit.signal ? `exited on ${exit.signal}` : `exited with code ${exit.code}` };
    const health = await healthStatus(url, { timeoutMs: 2000 });
    if (health === 200) return null;
    if (health === 503) return { detail: "GET /health answered 503 (engine dead)" };
    return undefined;
  };
  const outcome = await pollUntil(probe, { timeoutMs: readyTimeoutS * 1000, delayMs: pollMs });
  return outcome === undefined
    ? { timedOut: true, detail: `no 200 from GET /health within ${readyTimeoutS} s` }
    : outcome;
}

/** Why the server did not start: the spawn error, else what its log says. */
function startFailure(spec: LaunchSpec, proc: ServerProcess, problem: StartProblem): StartFailure {
  const spawnError = proc.spawnError();
  if (spawnError)
    return { kind: "crash", reason: `cannot start ${spec.command}: ${spawnError.code ?? spawnError.message}` };
  return classifyStartFailure(proc.tail(), problem);
}

function launchApiKey(spec: LaunchSpec): string | undefined {
  if (!spec.apiKeyEnv) return undefined;
  const apiKey = process.env[spec.apiKeyEnv];
  if (!apiKey) throw new Error(`environment variable ${spec.apiKeyEnv} (server.launch.apiKeyEnv) is not set`);
  return apiKey;
}

function emptyRecord(command: string, logFile: string, gpuMemoryBefore: number | null): LaunchRecord {
  return {
    command,
    load_time_s: null,
    log_file: relative(process.cwd(), logFile) || logFile,
    weights_gib: null,
    weights_load_s: null,
    kv_cache_gib: null,
    kv_cache_tokens: null,
    max_concurrency: null,
    cuda_graph_gib: null,
    gpu_memory_before_mib: gpuMemoryBefore,
    gpu_memory_after_mib: null,
    failure: null,
    ready_line_s: null,
  };
}

/** Copies the start-up facts read from the log so far into the manifest's launch record. */
function fillRecord(record: LaunchRecord, read: StartupFacts): void {
  const facts = finishFacts(read);
  record.weights_gib = facts.weights_gib;
  record.weights_load_s = facts.weights_load_s;
  record.kv_cache_gib = facts.kv_cache_gib;
  record.kv_cache_tokens = facts.kv_cache_tokens;
  record.max_concurrency = facts.max_concurrency;
  record.cuda_graph_gib = facts.cuda_graph_gib;
  record.model_load_s = facts.model_load_s;
  record.torch_compile_s = facts.torch_compile_s;
  record.cuda_graph_s = facts.cuda_graph_s;
  record.init_engine_s = facts.init_engine_s;
  record.prefix_caching = { ...facts.prefix_caching };
  record.kv_block_size = facts.kv_block_size;
  record.routes = facts.routes.map((r) => ({ path: r.path, methods: [...r.methods] }));
}
