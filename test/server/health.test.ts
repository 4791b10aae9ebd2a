import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { healthStatus, ServerUnavailable, waitReady } from "../../data-loaders/server/health.ts";
import { freePort } from "../../data-loaders/server/http.ts";

let server: Server;
let base: string;
let modelsStatus = 200;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/health") return void res.writeHead(503).end();
    if (req.url === "/v1/models") return void res.writeHead(modelsStatus).end('{"error":"Unauthorized"}');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.close();
});

describe("health", () => {
  it("healthStatus is the status of GET /health, null when nothing answers", async () => {
    expect(await healthStatus(`${base}/v1`)).toBe(503);
    expect(await healthStatus(`http://127.0.0.1:${await freePort()}`)).toBeNull();
  });

  it("waitReady returns once /v1/models answers 200 and reports a 401 at once", async () => {
    await waitReady(base, undefined, 1_000);
    modelsStatus = 401;
    const t0 = performance.now();
    await expect(waitReady(base, "wrong", 5_000)).rejects.toThrow(
      /refused the API key \(401 \{"error":"Unauthorized"\}\)/,
    );
    expect(performance.now() - t0).toBeLessThan(1_000);
    modelsStatus = 200;
  });

  it("waitReady gives up on an unreachable server after the timeout, naming the reason", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const t0 = performance.now();
    const err = await waitReady(url, undefined, 400).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerUnavailable);
    expect((err as Error).message).toBe(`cannot reach ${url} within 0 s (ECONNREFUSED)`);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(390);
  });
});
