// The server an experiment runs against: the built-in simulator (started in-process on a free
// loopback port) or an existing OpenAI-compatible server. Reachability is checked up front so an
// unreachable server fails the run within seconds instead of hanging.
import { request } from "undici";
import { isSimulated, type ServerSpec } from "../experiment/schema.ts";
import { PROFILES, type ProfileName } from "../sim/profiles.ts";
import { startSimulator } from "../sim/server.ts";

export interface OpenServer {
  /** Base URLs of the replicas serving the model (one for a single server); requests are spread over them. */
  endpoints: string[];
  model: string;
  apiKey?: string;
  simulated: boolean;
  profile: string | null;
  close(): Promise<void>;
}

export class ServerUnavailable extends Error {}

/** Strips credentials, a trailing slash and a trailing /v1 from a base URL. */
export function baseUrl(url: string): string {
  const u = new URL(url);
  u.username = "";
  u.password = "";
  return u.href.replace(/\/+$/, "").replace(/\/v1$/, "");
}

export async function openServer(server: ServerSpec, opts: { seed: number; readyTimeoutMs?: number }): Promise<OpenServer> {
  if (isSimulated(server)) {
    const profile = server.simulate as ProfileName;
    const sim = await startSimulator({
      profile,
      seed: opts.seed,
      speedup: server.speedup,
      loadTimeMs: server.loadTimeMs,
      faults: server.faults,
    });
    const open: OpenServer = { endpoints: [sim.url], model: PROFILES[profile].model, simulated: true, profile, close: () => sim.close() };
    await waitReady(open.endpoints[0]!, open.apiKey, opts.readyTimeoutMs ?? (server.loadTimeMs ?? 0) + 30_000);
    return open;
  }
  let apiKey: string | undefined;
  if (server.apiKeyEnv) {
    apiKey = process.env[server.apiKeyEnv];
    if (!apiKey) throw new ServerUnavailable(`environment variable ${server.apiKeyEnv} (server.apiKeyEnv) is not set`);
  }
  const open: OpenServer = { endpoints: [baseUrl(server.url)], model: server.model, apiKey, simulated: false, profile: null, close: async () => {} };
  for (const endpoint of open.endpoints) await waitReady(endpoint, apiKey, opts.readyTimeoutMs ?? 5_000);
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
      if (res.statusCode === 401) throw new ServerUnavailable(`${endpoint} refused the API key (401 ${body.slice(0, 200)})`);
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
