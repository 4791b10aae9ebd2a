// Plain-fetch helpers for the simulator tests (independent of data-loaders/client).
import { performance } from "node:perf_hooks";

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

export interface SseEvent {
  data: string;
  atMs: number;
}

/** Reads an SSE body incrementally; each `data:` event with the time it was parsed. */
export async function readSse(res: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(part, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const raw = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      if (raw.startsWith("data: ")) events.push({ data: raw.slice(6), atMs: performance.now() });
    }
  }
  return events;
}

/**
 * A JSON value from the simulator, read field by field in assertions: the assertions are what
 * check its shape, so it is not typed here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** JSON events of a stream (without [DONE]). */
export function jsonEvents(events: SseEvent[]): Record<string, Json>[] {
  return events.filter((e) => e.data !== "[DONE]").map((e) => JSON.parse(e.data) as Record<string, Json>);
}

/** Concatenated `delta.content` (chat) or `text` (completions). */
export function streamedText(events: Record<string, Json>[]): string {
  return events.map((e) => e.choices?.[0]?.delta?.content ?? e.choices?.[0]?.text ?? "").join("");
}

/** Prometheus text → map of `name{labels}` → value, plus a label parser. */
export function parseMetrics(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`bad metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[4]) });
  }
  return out;
}

export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const found = parseMetrics(text).find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (!found) throw new Error(`metric ${name} not found`);
  return found.value;
}
