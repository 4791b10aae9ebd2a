import { describe, expect, it } from "vitest";
import { SseDecoder } from "../../data-loaders/client/sse.ts";
import { bytes, fixtureBytes, randomOffsets, rng, SSE_FIXTURES, splitAt } from "./helpers.ts";

function decodeAll(chunks: Uint8Array[]): { payloads: string[]; done: boolean } {
  const d = new SseDecoder();
  const payloads: string[] = [];
  for (const c of chunks) payloads.push(...d.push(c));
  payloads.push(...d.end());
  return { payloads, done: d.done };
}

const EVENT_COUNTS: Record<(typeof SSE_FIXTURES)[number], number> = {
  "chat-stream-0.9.2-no-usage.sse": 6,
  "chat-stream-0.21.0-single-chunk.sse": 2,
  "chat-stream-0.28.0-include-usage.sse": 3,
  "chat-stream-0.28.0-tool-call.sse": 6,
  "completions-stream-2026-04.sse": 2,
};

describe("SseDecoder on the recorded vLLM transcripts", () => {
  for (const name of SSE_FIXTURES) {
    const whole = fixtureBytes(name);

    it(`${name}: ${EVENT_COUNTS[name]} JSON events, then [DONE]`, () => {
      const { payloads, done } = decodeAll([whole]);
      expect(done).toBe(true);
      expect(payloads).toHaveLength(EVENT_COUNTS[name]);
      for (const p of payloads) expect(() => JSON.parse(p)).not.toThrow();
      expect(payloads.some((p) => p.includes("[DONE]"))).toBe(false);
    });

    it(`${name}: same payloads one byte at a time, at every single split, and at random splits`, () => {
      const expected = decodeAll([whole]);
      const oneByte = decodeAll(Array.from(whole, (_, i) => whole.subarray(i, i + 1)));
      expect(oneByte).toEqual(expected);
      for (let offset = 0; offset <= whole.length; offset++) {
        expect(decodeAll(splitAt(whole, [offset])), `split at ${offset}`).toEqual(expected);
      }
      for (let seed = 1; seed <= 200; seed++) {
        const offsets = randomOffsets(whole.length, rng(seed));
        expect(decodeAll(splitAt(whole, offsets)), `seed ${seed}`).toEqual(expected);
      }
    });
  }

  it("decodes a 4-byte UTF-8 character split inside its bytes (chat-stream-0.9.2-no-usage.sse)", () => {
    const whole = fixtureBytes("chat-stream-0.9.2-no-usage.sse");
    const emoji = bytes("😊");
    const at = Buffer.from(whole).indexOf(Buffer.from(emoji));
    expect(at).toBeGreaterThan(0);
    for (let k = 1; k < emoji.length; k++) {
      const { payloads } = decodeAll(splitAt(whole, [at + k]));
      expect(JSON.parse(payloads[4]!).choices[0].delta.content).toBe(" 😊");
    }
  });
});

describe("SseDecoder framing", () => {
  it("returns several events completed by one chunk", () => {
    const d = new SseDecoder();
    expect(d.push(bytes('data: {"a":1}\n\ndata: {"a":2}\n\ndata: {"a"'))).toEqual(['{"a":1}', '{"a":2}']);
    expect(d.push(bytes(":3}\n\n"))).toEqual(['{"a":3}']);
  });

  it("handles CRLF framing, also with CR and LF in different chunks, and bare CR", () => {
    const text = 'data: {"a":1}\r\n\r\ndata: {"a":2}\r\n\r\ndata: [DONE]\r\n\r\n';
    const whole = bytes(text);
    const expected = { payloads: ['{"a":1}', '{"a":2}'], done: true };
    expect(decodeAll([whole])).toEqual(expected);
    for (let offset = 0; offset <= whole.length; offset++)
      expect(decodeAll(splitAt(whole, [offset]))).toEqual(expected);
    expect(decodeAll([bytes('data: {"a":1}\r\rdata: {"a":2}\r\r')])).toEqual({
      payloads: ['{"a":1}', '{"a":2}'],
      done: false,
    });
  });

  it("an empty chunk between the CR and LF of one CRLF does not end the event", () => {
    const d = new SseDecoder();
    expect(d.push(bytes("data: x\r"))).toEqual([]);
    expect(d.push(new Uint8Array(0))).toEqual([]);
    expect(d.push(bytes("\ndata: y\r\n\r\n"))).toEqual(["x\ny"]);
  });

  it("ignores comment lines and non-data fields, joins multi-line data, accepts data: without a space", () => {
    const text = ": ping\n\nevent: message\nid: 7\nretry: 10\ndata:first\ndata: second\n\n:comment\ndata\n\n";
    expect(decodeAll([bytes(text)]).payloads).toEqual(["first\nsecond", ""]);
  });

  it("does not return [DONE] as a payload and drops events after it", () => {
    const { payloads, done } = decodeAll([bytes('data: {"a":1}\n\ndata: [DONE]\n\ndata: {"a":2}\n\n')]);
    expect(payloads).toEqual(['{"a":1}']);
    expect(done).toBe(true);
  });

  it("end() dispatches an event whose final blank line is missing; a stream without [DONE] is not done", () => {
    expect(decodeAll([bytes('data: {"a":1}\n\ndata: {"a":')])).toEqual({ payloads: ['{"a":1}', '{"a":'], done: false });
    expect(decodeAll([bytes("data: [DONE]")])).toEqual({ payloads: [], done: true });
    expect(decodeAll([bytes('data: {"a":1}\n')])).toEqual({ payloads: ['{"a":1}'], done: false });
  });

  it("is linear: a 400 KB event fed one byte at a time", () => {
    const big = bytes(`data: {"content":"${"x".repeat(400_000)}"}\n\n`);
    const d = new SseDecoder();
    const started = performance.now();
    const out: string[] = [];
    for (let i = 0; i < big.length; i++) out.push(...d.push(big.subarray(i, i + 1)));
    const elapsed = performance.now() - started;
    expect(out).toHaveLength(1);
    expect(out[0]!.length).toBe(400_000 + 14);
    // Quadratic re-scanning or re-concatenation of the pending text would take minutes here.
    expect(elapsed).toBeLessThan(10_000);
  });

  it("keeps 1,000 interleaved streams apart", () => {
    const streams = Array.from({ length: 1000 }, () => new SseDecoder());
    const seen = streams.map(() => [] as string[]);
    const events = 50;
    for (let e = 0; e < events; e++) {
      // Each event arrives in two reads, interleaved across all streams.
      for (let half = 0; half < 2; half++) {
        streams.forEach((d, s) => {
          const text = `data: {"s":${s},"e":${e},"t":"ü€😊"}\n\n`;
          const b = bytes(text);
          const cut = 3 + ((s + e) % (b.length - 3));
          seen[s]!.push(...d.push(half === 0 ? b.subarray(0, cut) : b.subarray(cut)));
        });
      }
    }
    const expected = streams.map((_, s) => Array.from({ length: events }, (_, e) => ({ s, e, t: "ü€😊" })));
    expect(seen.map((payloads) => payloads.map((p) => JSON.parse(p)))).toEqual(expected);
  });
});
