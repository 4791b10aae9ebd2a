import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, getText, pollUntil } from "../../data-loaders/server/http.ts";

let server: Server;
let base: string;
const seen: (string | undefined)[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    if (req.url === "/slow") return void setTimeout(() => res.end("late"), 2_000);
    res.writeHead(req.url === "/missing" ? 404 : 200, { "content-type": "text/plain" }).end(`path ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe("getText", () => {
  it("returns the status and body, with the Bearer key when given", async () => {
    expect(await getText(`${base}/metrics`, { apiKey: "k" })).toEqual({
      status: 200,
      body: "path /metrics",
      error: null,
    });
    expect(seen.at(-1)).toBe("Bearer k");
    expect((await getText(`${base}/missing`)).status).toBe(404);
  });

  it("never throws: a refused connection or a timeout is status null with the reason", async () => {
    const refused = await getText(`http://127.0.0.1:${await freePort()}/health`);
    expect(refused).toMatchObject({ status: null, body: "", error: "ECONNREFUSED" });
    const late = await getText(`${base}/slow`, { timeoutMs: 100 });
    expect(late.status).toBeNull();
    expect(late.error).toMatch(/Timeout/);
  });
});

describe("pollUntil", () => {
  it("returns the first value a probe gives, probing at once and then with a growing delay", async () => {
    const at: number[] = [];
    const t0 = performance.now();
    const value = await pollUntil(
      async () => {
        at.push(performance.now() - t0);
        return at.length === 4 ? "ready" : undefined;
      },
      { timeoutMs: 5_000, delayMs: 100, maxDelayMs: 200 },
    );
    expect(value).toBe("ready");
    expect(at[0]).toBeLessThan(50);
    // delays 100, 200, 200 (doubling, capped)
    expect(at[3]! - at[0]!).toBeGreaterThanOrEqual(499);
  });

  it("gives undefined once the time is up (the last probe at the deadline), or when the signal aborts", async () => {
    const probes: number[] = [];
    const t0 = performance.now();
    const none = await pollUntil(async () => void probes.push(performance.now() - t0), { timeoutMs: 120, delayMs: 50 });
    expect(none).toBeUndefined();
    // at 0, 50, 100 and 120 ms on a quiet machine; the last one never before the deadline
    expect(probes.length).toBeGreaterThanOrEqual(2);
    expect(probes.at(-1)).toBeGreaterThanOrEqual(115);
    const stop = new AbortController();
    stop.abort();
    let after = 0;
    expect(await pollUntil(async () => void after++, { timeoutMs: 1_000, delayMs: 10, signal: stop.signal })).toBe(
      undefined,
    );
    expect(after).toBe(1);
  });

  it("waits before the first probe with waitFirst, and passes a probe's error on", async () => {
    const t0 = performance.now();
    await pollUntil(async () => true, { timeoutMs: 1_000, delayMs: 60, waitFirst: true });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
    await expect(
      pollUntil(
        async () => {
          throw new Error("refused the API key");
        },
        { timeoutMs: 1_000, delayMs: 10 },
      ),
    ).rejects.toThrow("refused the API key");
  });
});

describe("freePort", () => {
  it("gives a port that can be listened on", async () => {
    const port = await freePort();
    const s = createServer();
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", resolve);
    });
    expect((s.address() as { port: number }).port).toBe(port);
    await new Promise((resolve) => s.close(resolve));
  });
});
