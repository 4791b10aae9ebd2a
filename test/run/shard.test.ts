import { describe, expect, it } from "vitest";
import { cursor, openLoop } from "../../data-loaders/run/loops.ts";
import { StopController } from "../../data-loaders/run/stop.ts";
import {
  ownsPosition,
  parseShard,
  shardMeasured,
  shardProblem,
  shardShare,
  type Shard,
} from "../../data-loaders/run/shard.ts";
import { loadSpec, urlSpec } from "../helpers/spec.ts";
import { tempDir } from "../helpers/temp.ts";

const drain = (take: () => number | null) => {
  const got: number[] = [];
  for (let i = take(); i !== null; i = take()) got.push(i);
  return got;
};

describe("parseShard", () => {
  it("reads a 0-based i/n, as JOB_COMPLETION_INDEX counts", () => {
    expect(parseShard("0/4")).toEqual({ index: 0, count: 4 });
    expect(parseShard(" 3 / 4 ")).toEqual({ index: 3, count: 4 });
    expect(parseShard("0/1")).toEqual({ index: 0, count: 1 });
  });
  it("says what is wrong with a bad one", () => {
    expect(parseShard("0/0")).toMatch(/n must be at least 1/);
    expect(parseShard("3/2")).toMatch(/0-based and must be below n \(0 … 1\)/);
    expect(parseShard("2/2")).toMatch(/below n/);
    for (const bad of ["a/b", "1", "-1/2", "1.5/3", "1/2/3", ""]) expect(parseShard(bad)).toMatch(/expected i\/n/);
  });
});

describe("a shard's share", () => {
  it("the shards' indices cover every measured index exactly once, with the warm-up in each", () => {
    for (const [count, measured, warmup] of [
      [1, 10, 0],
      [2, 40, 2],
      [3, 10, 1],
      [4, 7, 3],
      [7, 100, 0],
    ] as const) {
      const seen = new Map<number, number>();
      let sum = 0;
      for (let index = 0; index < count; index++) {
        const shard: Shard = { index, count };
        const own = drain(cursor(new Uint8Array(warmup + measured), warmup, warmup + measured, shard));
        expect(own.length).toBe(shardMeasured(shard, measured));
        expect(own.every((i) => ownsPosition(shard, i - warmup))).toBe(true);
        for (const i of own) seen.set(i, (seen.get(i) ?? 0) + 1);
        sum += own.length;
      }
      expect(sum).toBe(measured);
      expect([...seen.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: measured }, (_, i) => warmup + i));
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
    }
  });
  it("a resumed shard skips what it did and still only its own indices", () => {
    const done = new Uint8Array(12);
    done[3] = done[7] = 1;
    expect(drain(cursor(done, 1, 12, { index: 0, count: 2 }))).toEqual([1, 5, 9, 11]);
    expect(drain(cursor(done, 1, 12, { index: 1, count: 2 }))).toEqual([2, 4, 6, 8, 10]);
  });
  it("divides workers so that the shards together have the spec's", () => {
    for (const [total, count] of [
      [4, 2],
      [5, 2],
      [7, 3],
      [64, 5],
    ] as const) {
      const shares = Array.from({ length: count }, (_, index) => shardShare({ index, count }, total));
      expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
    }
  });
  it("an open-loop shard keeps the unsharded schedule for its own indices and starts from its origin", async () => {
    const t0 = performance.now();
    const now = () => performance.now() - t0;
    const sent: [number, number][] = [];
    const starts: number[] = [];
    const times = Float64Array.from([10, 20, 30, 40, 50, 60]);
    const ctx = {
      send: async (i: number, _w: number, due: number) => void sent.push([i, due]),
      stop: new StopController({ capMs: null, now }),
      done: new Uint8Array(8),
      now,
      onScheduleStart: (ms: number) => void starts.push(ms),
    };
    await openLoop(ctx, 2, 8, times, Infinity, { index: 1, count: 2 });
    expect(sent.map(([i]) => i)).toEqual([3, 5, 7]);
    expect(starts).toHaveLength(1);
    const gaps = sent.map(([, due]) => due - starts[0]!);
    expect(gaps.map((g) => Math.round(g))).toEqual([20, 40, 60]);
  });
});

describe("shardProblem", () => {
  const tmp = tempDir("shard-problem");
  it("refuses what cannot be split: too few requests or workers, a run until precise", async () => {
    const exp = await loadSpec(
      tmp.dir,
      "e",
      urlSpec("http://127.0.0.1:9", "m", { requests: 10, load: { concurrency: 4 } }),
    );
    expect(shardProblem(exp, { index: 0, count: 4 })).toBeNull();
    expect(shardProblem(exp, { index: 0, count: 5 })).toMatch(/load.concurrency \(4\) is split among the shards/);
    expect(shardProblem(exp, { index: 0, count: 11 })).toMatch(/requests \(10\) is fewer than the 11 shards/);
    const open = await loadSpec(
      tmp.dir,
      "o",
      urlSpec("http://127.0.0.1:9", "m", { load: { rate: 5, maxConcurrency: 2 } }),
    );
    expect(shardProblem(open, { index: 0, count: 3 })).toMatch(/load.maxConcurrency \(2\)/);
    const precise = await loadSpec(
      tmp.dir,
      "p",
      urlSpec("http://127.0.0.1:9", "m", { requests: { until: { projection: 1000, relativeError: 0.1 }, max: 50 } }),
    );
    expect(shardProblem(precise, { index: 0, count: 2 })).toMatch(/run until precise/);
    tmp.cleanup();
  });
});
