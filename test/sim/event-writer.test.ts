import { createServer, type Server, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { EventWriter } from "../../data-loaders/sim/event-writer.ts";

let server: Server | null = null;
afterEach(() => {
  server?.close();
  server = null;
});

/** A server whose one response is written by `write`; returns what a client read, with arrival times. */
async function exchange(
  write: (res: ServerResponse) => void,
): Promise<{ chunks: [number, string][]; error: string | null }> {
  server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    write(res);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const t0 = performance.now();
  const chunks: [number, string][] = [];
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`);
    const decoder = new TextDecoder();
    for await (const part of res.body!) chunks.push([performance.now() - t0, decoder.decode(part)]);
    return { chunks, error: null };
  } catch (e) {
    return { chunks, error: String((e as Error & { cause?: Error }).cause ?? e) };
  }
}

describe("EventWriter", () => {
  it("writes data events in order and ends the response", async () => {
    let writes = 0;
    const { chunks, error } = await exchange((res) => {
      const w = new EventWriter(res, () => writes++);
      w.event('{"a":1}');
      w.event("[DONE]");
      w.end();
      w.event("after the end is dropped");
    });
    expect(error).toBeNull();
    expect(chunks.map(([, text]) => text).join("")).toBe('data: {"a":1}\n\ndata: [DONE]\n\n');
    expect(writes).toBe(2);
  });

  it("a stall holds back everything written until it ends", async () => {
    const { chunks } = await exchange((res) => {
      const w = new EventWriter(res);
      w.event("first");
      const until = performance.now() + 150;
      w.stall(until);
      expect(w.releaseTime(performance.now())).toBe(until);
      w.event("held");
      w.end();
    });
    const text = chunks.map(([, t]) => t).join("");
    expect(text).toBe("data: first\n\ndata: held\n\n");
    const held = chunks.find(([, t]) => t.includes("held"))!;
    expect(held[0] - chunks[0]![0]).toBeGreaterThanOrEqual(100);
  });

  it("a reset drops the connection after what was written before it", async () => {
    const { chunks, error } = await exchange((res) => {
      const w = new EventWriter(res);
      w.event("before");
      w.reset();
      w.event("never");
    });
    expect(chunks.map(([, t]) => t).join("")).toBe("data: before\n\n");
    expect(error).not.toBeNull();
  });
});
