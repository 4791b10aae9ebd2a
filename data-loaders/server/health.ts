// Whether a server is there: the readiness wait before a run (GET /v1/models until it answers
// 200) and the one GET /health probe used while launching a server and while a run waits for a
// server that went away.
import type { Dispatcher } from "undici";
import { getText, pollUntil } from "./http.ts";
import { serverUrl } from "./url.ts";

/** The server cannot be used: unreachable within the time allowed, or it refused the API key. */
export class ServerUnavailable extends Error {}

/** GET /health: the status, or null when nothing answered (not listening yet, reset, timeout). */
export async function healthStatus(
  endpoint: string,
  opts: { apiKey?: string; timeoutMs?: number; dispatcher?: Dispatcher } = {},
): Promise<number | null> {
  return (await getText(serverUrl(endpoint, "/health"), opts)).status;
}

/**
 * Polls GET /v1/models until it answers 200 or the time runs out (delay 100 ms, doubling up to
 * 2 s). Connection refused is retried (a server still loading refuses connections); a 401 is
 * reported at once.
 */
export async function waitReady(endpoint: string, apiKey: string | undefined, timeoutMs: number): Promise<void> {
  let last = "";
  const probe = async (): Promise<true | undefined> => {
    const res = await getText(serverUrl(endpoint, "/v1/models"), { apiKey });
    if (res.status === 200) return true;
    if (res.status === 401)
      throw new ServerUnavailable(`${endpoint} refused the API key (401 ${res.body.slice(0, 200)})`);
    last = res.status === null ? (res.error ?? "no response") : `HTTP ${res.status}`;
    return undefined;
  };
  if (await pollUntil(probe, { timeoutMs, delayMs: 100, maxDelayMs: 2_000 })) return;
  throw new ServerUnavailable(`cannot reach ${endpoint} within ${(timeoutMs / 1000).toFixed(0)} s (${last})`);
}
