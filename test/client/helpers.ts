// Shared helpers for the client tests: fixture access and feeding SSE bytes through the decoder.
import { readFileSync } from "node:fs";
import { SseDecoder } from "../../data-loaders/client/sse.ts";
import { StreamState, type ResponseFields } from "../../data-loaders/client/stream-state.ts";

const FIXTURES = new URL("../fixtures/vllm/", import.meta.url);

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURES)));
}

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), "utf8");
}

export const SSE_FIXTURES = [
  "chat-stream-0.9.2-no-usage.sse",
  "chat-stream-0.21.0-single-chunk.sse",
  "chat-stream-0.28.0-include-usage.sse",
  "chat-stream-0.28.0-tool-call.sse",
  "completions-stream-2026-04.sse",
] as const;

export interface Decoded {
  payloads: string[];
  done: boolean;
  events: number;
  fields: ResponseFields;
}

/** Feeds chunks through SseDecoder and StreamState; chunk i arrives at time `times[i]` (default 0). */
export function decodeChunks(chunks: Uint8Array[], times: number[] = []): Decoded {
  const decoder = new SseDecoder();
  const state = new StreamState();
  const payloads: string[] = [];
  chunks.forEach((chunk, i) => {
    for (const data of decoder.push(chunk)) {
      payloads.push(data);
      state.add(data, times[i] ?? 0);
    }
  });
  for (const data of decoder.end()) {
    payloads.push(data);
    state.add(data, times[chunks.length - 1] ?? 0);
  }
  return { payloads, done: decoder.done, events: state.events, fields: state.result(decoder.done) };
}

/** Splits bytes at the given sorted offsets. */
export function splitAt(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const end of [...offsets, bytes.length]) {
    chunks.push(bytes.subarray(start, end));
    start = end;
  }
  return chunks;
}

/** Small deterministic PRNG (mulberry32) so failures are reproducible from the seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random split points (possibly empty chunks) of a byte array. */
export function randomOffsets(length: number, random: () => number): number[] {
  const n = Math.floor(random() * Math.min(length, 64));
  const offsets: number[] = [];
  for (let i = 0; i < n; i++) offsets.push(Math.floor(random() * (length + 1)));
  return offsets.sort((a, b) => a - b);
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** One SSE event per element, `data: <json>\n\n` each, then `data: [DONE]\n\n`. */
export function sse(events: unknown[], eol = "\n"): string {
  return (
    events.map((e) => `data: ${typeof e === "string" ? e : JSON.stringify(e)}${eol}${eol}`).join("") +
    `data: [DONE]${eol}${eol}`
  );
}
