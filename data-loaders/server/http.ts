// HTTP plumbing for the routes around a server's completions (/health, /v1/models, /metrics,
// /version): one GET that never throws, one poll loop with a growing delay, and a free port.
// A connection error or timeout comes back as `{ status: null }`, never as an exception.
import { createServer } from "node:net";
import { request, type Dispatcher } from "undici";

export interface GetResult {
  /** HTTP status, null when no response arrived (connection refused, reset, timeout). */
  status: number | null;
  body: string;
  /** Why no response arrived (null when one did). */
  error: string | null;
}

export interface GetOptions {
  apiKey?: string;
  /** Gives up after this long (default 5 s). */
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

/** GET `url` with an optional Bearer key, giving up after `timeoutMs`. */
export async function getText(url: string, opts: GetOptions = {}): Promise<GetResult> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  try {
    const res = await request(url, {
      method: "GET",
      headers: opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {},
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
      dispatcher: opts.dispatcher,
    });
    return { status: res.statusCode, body: await res.body.text(), error: null };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    // DOMExceptions (a timeout) carry a numeric code; their name says what happened.
    const code = [err.code, err.cause?.code].find((c) => typeof c === "string");
    return { status: null, body: "", error: code ?? err.name ?? String(e) };
  }
}

export interface PollOptions {
  /** Time allowed from the call; the last probe runs when it is up. */
  timeoutMs: number;
  /** Delay before the second probe; doubles after every probe up to `maxDelayMs` (default: stays). */
  delayMs: number;
  maxDelayMs?: number;
  /** Wait `delayMs` before the first probe too (the caller has just probed). */
  waitFirst?: boolean;
  /** No further probe once aborted. */
  signal?: AbortSignal;
}

/**
 * Calls `probe` until it gives a value (anything but undefined) and returns it; undefined when
 * the time ran out or the signal aborted first. A probe that throws ends the poll with its error.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, opts: PollOptions): Promise<T | undefined> {
  const deadline = performance.now() + opts.timeoutMs;
  let delay = opts.delayMs;
  if (!opts.waitFirst) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0 || opts.signal?.aborted) return undefined;
    await new Promise((r) => setTimeout(r, Math.min(delay, left)));
    delay = Math.min(delay * 2, opts.maxDelayMs ?? opts.delayMs);
    const value = await probe();
    if (value !== undefined) return value;
  }
}

/** A TCP port free on `host` right now (the OS picks it; it may be taken again before it is used). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", reject);
    probe.listen(0, host, resolve);
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("could not pick a free port");
  return address.port;
}
