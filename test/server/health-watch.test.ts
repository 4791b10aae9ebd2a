import { createServer, type Server } from "node:http";
import { describe, expect, it } from "vitest";
import { HealthWatch, healthy } from "../../data-loaders/server/health-watch.ts";
import { freePort } from "../../data-loaders/server/http.ts";

async function listen(port: number, status: number): Promise<Server> {
  const s = createServer((_req, res) => res.writeHead(status).end());
  await new Promise<void>((resolve) => s.listen(port, "127.0.0.1", resolve));
  return s;
}
const close = (s: Server) => new Promise((resolve) => s.close(resolve));

describe("HealthWatch", () => {
  it("healthy: any answer but 503 (a server without /health answers 404)", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    expect(await healthy(url)).toBe(false);
    for (const [status, up] of [
      [200, true],
      [404, true],
      [503, false],
    ] as const) {
      const s = await listen(port, status);
      expect(await healthy(url)).toBe(up);
      await close(s);
    }
  });

  it("up when /health answers at once; back when the server returns; concurrent callers share one outage", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const s = await listen(port, 200);
    const lines: string[] = [];
    const watch = new HealthWatch(url, { limitMs: 5_000, firstPollMs: 20, log: (l) => lines.push(l) });
    expect(await watch.connectFailed()).toBe("up");
    await close(s);
    const a = watch.connectFailed();
    const b = watch.connectFailed();
    expect(a).toBe(b);
    setTimeout(() => void listen(port, 200).then((back) => setTimeout(() => void close(back), 500)), 150);
    expect(await a).toBe("back");
    expect(await watch.clear()).toBe(true);
    expect(lines[0]).toMatch(/server not reachable; pausing and polling \/health for up to 5 s/);
    expect(lines[1]).toMatch(/server back after \d\.\d s; sending again/);
  });

  it("gone past the limit (or when stopped): nothing more is sent", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const watch = new HealthWatch(url, { limitMs: 200, firstPollMs: 20 });
    expect(await watch.connectFailed()).toBe("gone");
    expect(watch.gone).toBe(`server ${url} unreachable for more than 0 s (retry.serverGoneS)`);
    expect(await watch.clear()).toBe(false);
    expect(await watch.connectFailed()).toBe("gone");
    const stop = new AbortController();
    stop.abort();
    const stopped = new HealthWatch(url, { limitMs: 10_000, signal: stop.signal });
    expect(await stopped.connectFailed()).toBe("gone");
    expect(stopped.gone).toBe("stopped while the server was unreachable");
  });
});
