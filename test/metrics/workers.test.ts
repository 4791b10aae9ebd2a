import { describe, expect, it } from "vitest";
import {
  measuredRows,
  perEndpoint,
  perWorker,
  storedPerEndpoint,
  storedPerWorker,
  type WorkerRow,
} from "../../data-loaders/metrics/workers.ts";
import { expectClose, storedTwins } from "./stored-run.ts";

const r = (
  worker: number,
  sent: number,
  done: number,
  ok: boolean,
  attempts = 1,
  warmup = false,
  out = 10,
  inp = 100,
): WorkerRow => ({
  worker,
  attempts,
  warmup,
  status: ok ? "ok" : "error",
  sent_ms: sent,
  done_ms: done,
  prompt_tokens: ok ? inp : null,
  completion_tokens: ok ? out : null,
});

describe("perWorker", () => {
  it("counts requests, successes, errors and retries and computes rates per worker, without warm-up rows", () => {
    const rows = [
      r(0, 0, 0, true, 1, true), // warm-up: ignored
      r(0, 1000, 2000, true),
      r(0, 2000, 3000, true, 3),
      r(0, 3000, 5000, false, 2),
      r(1, 0, 500, true, 1, false, 20, 50),
      r(1, 500, 1000, false, 4),
    ];
    const stats = perWorker(rows);
    expect(stats).toEqual([
      {
        worker: 0,
        requests: 3,
        successes: 2,
        errors: 1,
        retries: 3,
        durationS: 4,
        requestRate: 0.5,
        outputTokensPerS: 5,
        totalTokensPerS: 55,
      },
      {
        worker: 1,
        requests: 2,
        successes: 1,
        errors: 1,
        retries: 3,
        durationS: 1,
        requestRate: 1,
        outputTokensPerS: 20,
        totalTokensPerS: 70,
      },
    ]);
  });

  it("rows stored before the warmup column existed count as measured", () => {
    const old = { ...r(2, 0, 1000, true) };
    delete old.warmup;
    expect(measuredRows([old, r(2, 0, 1, true, 1, true)])).toEqual([old]);
    expect(perWorker([old])[0]!.requests).toBe(1);
  });
});

describe("perEndpoint", () => {
  it("groups the same statistics by replica, whichever worker sent the request", () => {
    const rows = [
      { ...r(0, 0, 1000, true), endpoint: "http://b:8000" },
      { ...r(1, 0, 2000, true), endpoint: "http://a:8000" },
      { ...r(0, 1000, 2000, false, 2), endpoint: "http://b:8000" },
      { ...r(1, 0, 0, true, 1, true), endpoint: "http://a:8000" }, // warm-up: ignored
    ];
    expect(perEndpoint(rows)).toEqual([
      {
        endpoint: "http://a:8000",
        requests: 1,
        successes: 1,
        errors: 0,
        retries: 0,
        durationS: 2,
        requestRate: 0.5,
        outputTokensPerS: 5,
        totalTokensPerS: 55,
      },
      {
        endpoint: "http://b:8000",
        requests: 2,
        successes: 1,
        errors: 1,
        retries: 1,
        durationS: 2,
        requestRate: 0.5,
        outputTokensPerS: 5,
        totalTokensPerS: 55,
      },
    ]);
  });
});

describe("storedPerWorker and storedPerEndpoint (DuckDB) equal perWorker and perEndpoint", () => {
  const runs = storedTwins();

  it("on the irregular run (6 workers, 3 endpoints, retries) and on a closed loop", async () => {
    for (const run of [runs.twin, runs.loop]) {
      expectClose(await storedPerWorker(run.requestsPath), perWorker(run.rows));
      expectClose(await storedPerEndpoint(run.requestsPath), perEndpoint(run.rows));
    }
    expect((await storedPerEndpoint(runs.twin.requestsPath)).map((e) => e.endpoint)).toHaveLength(3);
  });
});
