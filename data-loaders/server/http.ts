// A small GET helper for the server's side routes (/metrics, /version, /v1/models): never throws;
// a connection error or timeout comes back as `{ status: null }`.
import { request } from "undici";

export interface GetResult {
  /** HTTP status, null when no response arrived (connection refused, reset, timeout). */
  status: number | null;
  body: string;
  /** Why no response arrived (null when one did). */
  error: string | null;
}

/** GET `url` with an optional Bearer key, giving up after `timeoutMs`. */
export async function getText(url: string, opts: { apiKey?: string; timeoutMs?: number } = {}): Promise<GetResult> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  try {
    const res = await request(url, {
      method: "GET",
      headers: opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {},
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.statusCode, body: await res.body.text(), error: null };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    return { status: null, body: "", error: err.code ?? err.cause?.code ?? err.name ?? String(e) };
  }
}

/** `<base>/<path>` for a base URL given with or without a trailing `/` or `/v1`. */
export function serverUrl(endpoint: string, path: string): string {
  return `${endpoint.replace(/\/+$/, "").replace(/\/v1$/, "")}${path}`;
}
