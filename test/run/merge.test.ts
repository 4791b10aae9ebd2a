// run/merge.ts on hand-made shard folders: the clock offsets, renumbered warm-ups and workers,
// the server series relayed per endpoint, and which columns move with the run clock.
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { POWER_SERIES } from "../../data-loaders/metrics/energy.ts";
import { mergeShards, RUN_CLOCK_COLUMNS } from "../../data-loaders/run/merge.ts";
import { GPU_ENDPOINT } from "../../data-loaders/server/gpu-telemetry.ts";
import { query } from "../../data-loaders/store/duckdb.ts";
import { readServerMetrics, writeServerMetrics } from "../../data-loaders/store/server-metrics.ts";
import type { Manifest } from "../../data-loaders/store/schemas/manifest.ts";
import { requestRowSchema, REQUEST_COLUMNS } from "../../data-loaders/store/schemas/request-row.ts";
import { makeManifest, makeRow, writeRun } from "../site/fixture-store.ts";
import { tempDir } from "../helpers/temp.ts";

const WARMUP = 1;
const MEASURED = 5;

/** Shard k of 2 with its warm-up and own indices, its run clock's zero `zeroMs` after 10:00, scrapes of one endpoint at `scrapes`. */
async function writeShard(
  root: string,
  k: number,
  zeroMs: number,
  scrapes: number[],
  gpu: { host: string; watts: number } | null = null,
): Promise<string> {
  const runId = `20260101-100000Z-abcdef12-s${k}of2`;
  const indices = [
    0,
    ...Array.from({ length: MEASURED }, (_, p) => p)
      .filter((p) => p % 2 === k)
      .map((p) => p + WARMUP),
  ];
  const rows = indices.map((i, n) =>
    makeRow({
      run_id: runId,
      experiment_id: "m",
      request_index: i,
      warmup: i < WARMUP,
      worker: n % 2,
      sent_ms: 100 * n,
      first_event_ms: 100 * n + 10,
      first_token_ms: 100 * n + 11,
      done_ms: 100 * n + 50,
      last_chunk_ms: 100 * n + 49,
      ttft_ms: 10,
      e2e_ms: 49,
      completion_tokens: 3 + k,
    }),
  );
  const manifest: Manifest = makeManifest({
    run_id: runId,
    experiment_id: "m",
    spec_hash: "abcdef12" + "0".repeat(56),
    spec: { requests: MEASURED, load: { concurrency: 2, warmup: WARMUP } },
    started_at: new Date(Date.parse("2026-01-01T10:00:00.000Z") + zeroMs - 200).toISOString(),
    clock_zero_at: new Date(Date.parse("2026-01-01T10:00:00.000Z") + zeroMs).toISOString(),
    counts: { requests: rows.length, done: rows.length, ok: rows.length, error: 0 },
    shard: { index: k, count: 2 },
    load_started_ms: 5,
  });
  if (gpu) manifest.environment = { ...manifest.environment, host: gpu.host };
  const dir = await writeRun(join(root, "shards"), manifest, rows);
  await writeServerMetrics(dir, [
    ...scrapes.map((t, n) => ({
      run_id: runId,
      endpoint: "http://a",
      t_ms: t,
      metric: "vllm:x",
      labels: "{}",
      value: n,
    })),
    // The client host's GPU 0, sampled every second from its run clock's zero.
    ...(gpu ? [0, 1000, 2000] : []).map((t) => ({
      run_id: runId,
      endpoint: GPU_ENDPOINT,
      t_ms: t,
      metric: POWER_SERIES,
      labels: '{"gpu":"0"}',
      value: gpu!.watts,
    })),
  ]);
  return dir;
}

describe("mergeShards", () => {
  const tmp = tempDir("merge");
  afterAll(() => tmp.cleanup());

  it("puts the shards on one clock, renumbers warm-ups and workers, relays each endpoint's series", async () => {
    const root = join(tmp.dir, "a");
    const s0 = await writeShard(root, 0, 0, [0, 1000, 2000, 3000]);
    // Shard 1's clock starts 1.5 s later: its scrapes at 1500 … 6000 on the merged axis.
    const s1 = await writeShard(root, 1, 1500, [0, 1500, 3000, 4500]);
    const merged = await mergeShards("m", [s1, s0], join(root, "results"));
    const m = merged.manifest;
    expect(
      m.merged_from!.shards.map((s) => [s.index, s.clock_offset_ms, s.worker_offset, s.warmup_first_index]),
    ).toEqual([
      [0, 0, 0, 0],
      [1, 1500, 2, WARMUP + MEASURED],
    ]);
    expect(m.counts).toEqual({ requests: 7, done: 7, ok: 7, error: 0 });
    expect(m.load_started_ms).toBe(5);
    expect(m.clock_zero_at).toBe("2026-01-01T10:00:00.000Z");
    const rows = await query(
      `SELECT request_index, warmup, worker, sent_ms, done_ms, ttft_ms, run_id FROM requests ORDER BY request_index`,
      { path: join(merged.dir, "requests.parquet") },
    );
    expect(rows.map((r) => [r.request_index, r.warmup, r.worker, r.sent_ms, r.ttft_ms])).toEqual([
      [0, true, 0, 0, 10], // shard 0's warm-up
      [1, false, 1, 100, 10],
      [2, false, 3, 1600, 10], // shard 1: +1500 ms, workers from 2
      [3, false, 0, 200, 10],
      [4, false, 2, 1700, 10],
      [5, false, 1, 300, 10],
      [6, true, 2, 1500, 10], // shard 1's warm-up, after the last measured index
    ]);
    expect(new Set(rows.map((r) => r.run_id))).toEqual(new Set([merged.runId]));
    // Shard 0's scrapes up to 3000, then shard 1's (at 1500, 3000, 4500, 6000) only after 3000 + one interval.
    const series = await readServerMetrics(merged.dir);
    expect(series.map((r) => [r.t_ms, r.value])).toEqual([
      [0, 0],
      [1000, 1],
      [2000, 2],
      [3000, 3],
      [4500, 2],
      [6000, 3],
    ]);
  });

  it("keeps each host's GPU series (labelled host/index) when the shards ran on several hosts, relays them on one", async () => {
    const gpuRows = async (dir: string) =>
      (await readServerMetrics(dir)).filter((r) => r.endpoint === GPU_ENDPOINT).map((r) => [r.labels, r.t_ms, r.value]);
    const apart = join(tmp.dir, "hosts");
    const merged = await mergeShards(
      "m",
      [
        await writeShard(apart, 0, 0, [0], { host: "client-a", watts: 200 }),
        await writeShard(apart, 1, 500, [0], { host: "client-b", watts: 300 }),
      ],
      join(apart, "results"),
    );
    expect(await gpuRows(merged.dir)).toEqual([
      ['{"gpu":"client-a/0"}', 0, 200],
      ['{"gpu":"client-a/0"}', 1000, 200],
      ['{"gpu":"client-a/0"}', 2000, 200],
      ['{"gpu":"client-b/0"}', 500, 300],
      ['{"gpu":"client-b/0"}', 1500, 300],
      ['{"gpu":"client-b/0"}', 2500, 300],
    ]);
    // One host: its GPU sampled by both shards is one series, relayed like a server endpoint.
    const together = join(tmp.dir, "one-host");
    const relayed = await mergeShards(
      "m",
      [
        await writeShard(together, 0, 0, [0], { host: "client-a", watts: 200 }),
        await writeShard(together, 1, 2500, [0], { host: "client-a", watts: 300 }),
      ],
      join(together, "results"),
    );
    expect(await gpuRows(relayed.dir)).toEqual([
      ['{"gpu":"0"}', 0, 200],
      ['{"gpu":"0"}', 1000, 200],
      ['{"gpu":"0"}', 2000, 200],
      ['{"gpu":"0"}', 3500, 300],
      ['{"gpu":"0"}', 4500, 300],
    ]);
  });

  it("shifts exactly the columns on the run clock (the times ms since run start), not durations", () => {
    const onClock = REQUEST_COLUMNS.filter((c) => {
      const description = requestRowSchema.shape[c].meta()?.description ?? "";
      return c.endsWith("_ms") && !/−|latency|gaps/i.test(description);
    });
    expect([...RUN_CLOCK_COLUMNS].sort()).toEqual(onClock.sort());
  });
});
