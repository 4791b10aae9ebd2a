// The fault mix of issue 5 against the simulator: 5 % HTTP 500, 2 % resets, stalls, malformed
// chunks and one server restart mid-run. The run must complete with every request accounted for.
import { DuckDBInstance } from "@duckdb/node-api";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runExperiment } from "../../data-loaders/run/runner.ts";
import { startSimulator } from "../../data-loaders/sim/simulator.ts";
import { ERROR_CLASSES } from "../../data-loaders/store/schemas/request-row.ts";
import { loadSpec, urlSpec } from "../helpers/spec.ts";
import { tempDir } from "../helpers/temp.ts";

describe("fault mix with a server restart", () => {
  const tmp = tempDir("faults");
  afterAll(() => tmp.cleanup());

  it("completes with one row per request, each ok or a classified error; retries and the restart are absorbed", async () => {
    const sim = await startSimulator({
      profile: "llama-3.2-1b@rtx-4080",
      speedup: 40,
      groundTruth: true,
      faults: {
        httpErrors: { "500": 0.05 },
        resetBeforeResponse: 0.01,
        resetMidStream: 0.01,
        stall: 0.04,
        stallMs: 100_000,
        malformedChunk: 0.03,
      },
    });
    const logs: string[] = [];
    try {
      const n = 240;
      const exp = await loadSpec(
        tmp.dir,
        "mix",
        urlSpec(sim.url, sim.model, {
          title: "fault mix",
          promptCount: 20,
          maxTokens: 24,
          seed: 5,
          requests: n,
          load: { concurrency: 8 },
          retry: { attempts: 3, backoffMs: 20, maxBackoffMs: 100, serverGoneS: 20 },
          timeouts: { idleS: 0.5 },
        }),
      );
      let done = 0;
      let restarted: Promise<void> | null = null;
      const progress = () => ({
        tick() {
          if (++done === 80) restarted = sim.restart({ downMs: 400 });
        },
        stop() {},
      });
      const { dir, manifest } = await runExperiment(exp, {
        resultsRoot: join(tmp.dir, "results"),
        progress,
        log: (l) => logs.push(l),
      });
      await restarted;
      expect(restarted).not.toBeNull();
      expect(manifest.status).toBe("complete");
      expect(manifest.counts.done).toBe(n);

      const db = await DuckDBInstance.create(":memory:");
      const con = await db.connect();
      const rows = (
        await con.runAndReadAll(`SELECT * FROM read_parquet('${join(dir, "requests.parquet")}') ORDER BY request_index`)
      ).getRowObjectsJson() as Record<string, unknown>[];
      con.closeSync();
      db.closeSync();
      expect(rows.map((r) => Number(r.request_index))).toEqual([...Array(n).keys()]);
      for (const r of rows) {
        if (r.status === "ok") expect(r.error_class).toBeNull();
        else expect(ERROR_CLASSES).toContain(r.error_class);
      }
      const attempts = rows.reduce((s, r) => s + Number(r.attempts), 0);
      expect(attempts).toBeGreaterThan(n + 10); // retries happened
      const ok = rows.filter((r) => r.status === "ok").length;
      expect(ok).toBeGreaterThan(n * 0.9);
      // the restart paused sending and polled /health
      expect(logs.some((l) => /server not reachable; pausing/.test(l))).toBe(true);
      expect(logs.some((l) => /server back after/.test(l))).toBe(true);
      // the server saw every final attempt we stored (X-Request-Id), and each id only once per attempt
      const truth = new Set(sim.groundTruth().map((t) => t.requestId));
      for (const r of rows) if (r.http_status !== null) expect(truth.has(r.request_id as string)).toBe(true);
      const classes = new Map<string, number>();
      for (const r of rows)
        if (r.status !== "ok") classes.set(String(r.error_class), (classes.get(String(r.error_class)) ?? 0) + 1);
      console.log(
        `fault mix: ${ok}/${n} ok, ${attempts} attempts, errors ${JSON.stringify(Object.fromEntries(classes))}`,
      );
    } finally {
      await sim.close();
    }
  });
});
