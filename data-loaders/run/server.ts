// The server an experiment runs against: the built-in simulator (started in-process on a free
// loopback port), an existing OpenAI-compatible server or several replicas of one model, or a
// vLLM server the tracker launches itself (data-loaders/server/launch.ts). Reachability is
// checked up front so an unreachable server fails the run within seconds instead of hanging.
import { join } from "node:path";
import { tmpdir } from "node:os";
import { request } from "undici";
import { isLaunched, isSimulated, type ServerSpec } from "../experiment/schema.ts";
import { launchServer, type LaunchRecord } from "../server/launch.ts";
import { baseUrl } from "../server/url.ts";
import { PROFILES, type ProfileName } from "../sim/profiles.ts";
import { startSimulator } from "../sim/server.ts";

export interface OpenServer {
  /** Base URLs of the replicas serving the model (one for a single server); requests are spread over them. */
  endpoints: string[];
  model: string;
  apiKey?: string;
  simulated: boolean;
  profile: string | null;
  /** The manifest's `server.kind`. */
  kind: "simulate" | "url" | "launch";
  /** For a launched server: the manifest's `launch` object (load time, start-up facts, memory), completed by close(). */
  launch?: LaunchRecord;
  close(): Promise<void>;
}

export class ServerUnavailable extends Error {}

/** Name of a launched server's log file in the run folder. */
export const SERVER_LOG_FILE = "server.log";

export interface OpenServerOptions {
  seed: number;
  readyTimeoutMs?: number;
  /** The run folder: a launched server's log goes to `<runDir>/server.log` (else to the temp folder). */
  runDir?: string;
  log?: (line: string) => void;
}

/**
 * Opens the experiment's server. A launched server that does not start throws `StartFailed`
 * (data-loaders/server/launch.ts) whose `record` is the manifest's `launch` object with `failure` set.
 */
export async function openServer(server: ServerSpec, opts: OpenServerOptions): Promise<OpenServer> {
  if (isSimulated(server)) {
    const profile = server.simulate as ProfileName;
    const sim = await startSimulator({
      profile,
      seed: opts.seed,
      speedup: server.speedup,
      loadTimeMs: server.loadTimeMs,
      faults: server.faults,
    });
    const open: OpenServer = {
      endpoints: [sim.url],
      model: PROFILES[profile].model,
      simulated: true,
      profile,
      kind: "simulate",
      close: () => sim.close(),
    };
    await waitReady(open.endpoints[0]!, open.apiKey, opts.readyTimeoutMs ?? (server.loadTimeMs ?? 0) + 30_000);
    return open;
  }
  if (isLaunched(server)) {
    const logFile = join(
      opts.runDir ?? tmpdir(),
      opts.runDir ? SERVER_LOG_FILE : `tracker-vllm-${process.pid}-${Date.now()}.log`,
    );
    const launched = await launchServer(server.launch, { logFile, log: opts.log });
    const open: OpenServer = {
      endpoints: [launched.url],
      model: launched.model,
      apiKey: launched.apiKey,
      simulated: false,
      profile: null,
      kind: "launch",
      launch: launched.record,
      close: () => launched.stop(),
    };
    try {
      await waitReady(launched.url, launched.apiKey, opts.readyTimeoutMs ?? 30_000);
    } catch (e) {
      await launched.stop();
      throw e;
    }
    return open;
  }
  let apiKey: string | undefined;
  if (server.apiKeyEnv) {
    apiKey = process.env[server.apiKeyEnv];
    if (!apiKey) throw new ServerUnavailable(`environment variable ${server.apiKeyEnv} (server.apiKeyEnv) is not set`);
  }
  const urls = "urls" in server ? server.urls : [server.url];
  const open: OpenServer = {
    endpoints: urls.map(baseUrl),
    model: server.model,
    apiKey,
    simulated: false,
    profile: null,
    kind: "url",
    close: async () => {},
  };
  await Promise.all(open.endpoints.map((endpoint) => waitReady(endpoint, apiKey, opts.readyTimeoutMs ?? 5_000)));
  return open;
}

/**
 * Polls GET /v1/models until it answers 200 or the time runs out. Connection refused is retried
 * (a server still loading refuses connections); a 401 or 404 is reported at once.
 */
export async function waitReady(endpoint: string, apiKey: string | undefined, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = "";
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      const res = await request(`${endpoint}/v1/models`, {
        headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
        headersTimeout: 5000,
        bodyTimeout: 5000,
        signal: AbortSignal.timeout(5000),
      });
      const body = await res.body.text();
      if (res.statusCode === 200) return;
      if (res.statusCode === 401)
        throw new ServerUnavailable(`${endpoint} refused the API key (401 ${body.slice(0, 200)})`);
      last = `HTTP ${res.statusCode}`;
    } catch (e) {
      if (e instanceof ServerUnavailable) throw e;
      const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
      // DOMExceptions (a timeout) carry a numeric code; their name says what happened.
      last = [err.code, err.cause?.code].find((c) => typeof c === "string") ?? err.name ?? String(e);
    }
    if (performance.now() + delay > deadline) {
      throw new ServerUnavailable(`cannot reach ${endpoint} within ${(timeoutMs / 1000).toFixed(0)} s (${last})`);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}
