// Shards across machines, end to end through the CLI: one experiment run unsharded and as two
// shards sent at once (`tracker run <id> --shard i/2`), then `tracker merge`: the shards cover
// every request index exactly once, the merged run has the unsharded run's summary, bad
// `--shard` values and every bad merge are refused with the folder and what is wrong, and the
// shards' folders are never changed.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../data-loaders/sim/simulator.ts";
import { mergeShards } from "../../data-loaders/run/merge.ts";
import { listRuns, readRunFolder, type RunFolder } from "../../data-loaders/store/folders.ts";
import { query } from "../../data-loaders/store/duckdb.ts";
import { runDigest } from "../../data-loaders/report/digest.ts";
import { runShard, shardTarget } from "../../data-loaders/shard-command.ts";
import { urlSpec, writeSpec } from "../helpers/spec.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";

const CLI = join(PROJECT, "data-loaders/cli.ts");
const REQUESTS = 40;
const WARMUP = 2;

describe("tracker run --shard and tracker merge", () => {
  const tmp = tempDir("shards");
  const results = join(tmp.dir, "results");
  let sim: Simulator;
  const tracker = (...args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
        cwd: PROJECT,
        env: {
          ...process.env,
          TRACKER_EXPERIMENTS: join(tmp.dir, "experiments"),
          TRACKER_RESULTS: results,
          TRACKER_DIGEST_CACHE: join(tmp.dir, "memo"),
        },
      });
      const out: string[] = [];
      child.stdout.on("data", (d) => out.push(String(d)));
      child.stderr.on("data", (d) => out.push(String(d)));
      child.on("exit", (code) => resolve({ code, out: out.join("") }));
    });
  const shardRuns = () => listRuns(join(results, ".shards"), () => {}, { shards: true });
  /** Every file of a folder with its content hash: what "left untouched" means. */
  const fingerprint = (dir: string): Record<string, string> =>
    Object.fromEntries(
      readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter((f) => statSync(join(dir, f)).isFile())
        .map((f) => [
          f,
          createHash("sha256")
            .update(readFileSync(join(dir, f)))
            .digest("hex"),
        ]),
    );
  const indices = async (run: RunFolder) =>
    (await query(`SELECT request_index, warmup FROM requests ORDER BY request_index`, { path: run.requestsPath! })) as {
      request_index: number;
      warmup: boolean;
    }[];
  let whole: RunFolder;
  let shards: RunFolder[];

  beforeAll(async () => {
    process.env.TRACKER_DIGEST_CACHE = join(tmp.dir, "memo");
    sim = await startSimulator({ profile: "llama-3.2-1b@rtx-4080", speedup: 2, groundTruth: true });
    const spec = { title: "shards", promptCount: 7, maxTokens: 24, seed: 5, requests: REQUESTS };
    writeSpec(tmp.dir, "sharded", urlSpec(sim.url, sim.model, { ...spec, load: { concurrency: 4, warmup: WARMUP } }));
    writeSpec(
      tmp.dir,
      "stopped",
      urlSpec(sim.url, sim.model, { ...spec, requests: 60, load: { concurrency: 3, warmup: WARMUP } }),
    );
    writeSpec(tmp.dir, "swept", urlSpec(sim.url, sim.model, { ...spec, load: { concurrency: [2, 4] } }));
    const unsharded = await tracker("run", "sharded");
    expect(unsharded.code, unsharded.out).toBe(0);
    whole = listRuns(results, () => {}).find((r) => r.experimentId === "sharded")!;
    // Both shards at once, as two machines would send them: in this process, so that they start
    // together (two CLI processes start a second apart under load, a large part of so short a run).
    const targets = await Promise.all(
      [0, 1].map((i) => shardTarget(["sharded"], [], `${i}/2`, join(tmp.dir, "experiments"))),
    );
    const codes = await Promise.all(
      targets.map((t) => {
        if (typeof t === "string") throw new Error(t);
        return runShard(t.exp, t.shard, results, new AbortController().signal);
      }),
    );
    expect(codes).toEqual([0, 0]);
    shards = shardRuns().sort((a, b) => a.manifest.shard!.index - b.manifest.shard!.index);
    expect(shards).toHaveLength(2);
  }, 120_000);
  afterAll(async () => {
    await sim.close();
    tmp.cleanup();
  });

  it("each shard runs the spec's warm-up and its own share of the indices; together every index exactly once", async () => {
    expect(shards.map((s) => s.manifest.shard)).toEqual([
      { index: 0, count: 2 },
      { index: 1, count: 2 },
    ]);
    expect(shards.every((s) => s.manifest.spec_hash === whole.manifest.spec_hash)).toBe(true);
    expect(shards.every((s) => s.manifest.status === "complete")).toBe(true);
    const measured: number[] = [];
    for (const [k, s] of shards.entries()) {
      const rows = await indices(s);
      expect(rows.filter((r) => r.warmup).map((r) => r.request_index)).toEqual([0, 1]);
      const own = rows.filter((r) => !r.warmup).map((r) => r.request_index);
      expect(own.every((i) => (i - WARMUP) % 2 === k)).toBe(true);
      expect(s.manifest.counts).toMatchObject({ requests: WARMUP + REQUESTS / 2, done: WARMUP + REQUESTS / 2 });
      measured.push(...own);
    }
    expect(measured.sort((a, b) => a - b)).toEqual(Array.from({ length: REQUESTS }, (_, i) => WARMUP + i));
    // Shard runs are not the experiment's runs: the store's run list leaves them out.
    expect(listRuns(results, () => {}).filter((r) => r.experimentId === "sharded")).toHaveLength(1);
  });

  it("the CLI runs a shard into results/.shards/; a complete shard is not run again; a bad --shard is refused", async () => {
    const quarter = await tracker("run", "sharded", "--shard", "3/4");
    expect(quarter.code, quarter.out).toBe(0);
    const run = shardRuns().find((r) => r.manifest.shard?.count === 4)!;
    expect(run.runId).toMatch(/-s3of4$/);
    expect(run.manifest.counts).toEqual({
      requests: WARMUP + REQUESTS / 4,
      done: WARMUP + REQUESTS / 4,
      ok: 12,
      error: 0,
    });
    expect((await indices(run)).map((r) => r.request_index)).toEqual([0, 1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 41]);
    const again = await tracker("run", "sharded", "--shard", "3/4");
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(/already complete/);
    expect(shardRuns()).toHaveLength(3);
    // Listed as shards, not as the experiment's run (that stays the unsharded one).
    const list = await tracker("list");
    expect(list.out).toMatch(
      new RegExp(`shard +shard 4 of 4 \\(--shard 3/4\\) ${run.runId} \\(complete\\): not the experiment's run`),
    );
    expect(list.out).toMatch(/shard 1 of 2 \(--shard 0\/2\)/);
    expect(list.out).toMatch(new RegExp(`fresh +sharded ${whole.runId}`));
    const cases: [string[], RegExp][] = [
      [["sharded", "--shard", "0/0"], /n must be at least 1/],
      [["sharded", "--shard", "3/2"], /0-based and must be below n/],
      [["sharded", "--shard", "2/2"], /0-based and must be below n/],
      [["sharded", "--shard", "a/b"], /expected i\/n with whole numbers/],
      [["sharded", "--shard", "0/41"], /requests \(40\) is fewer than the 41 shards/],
      [["sharded", "--shard", "0/5"], /load.concurrency \(4\) is split among the shards and is fewer than 5/],
      [["swept", "--shard", "0/2"], /runs one cell of a grid, and 2 are picked: choose one with --cell/],
      [["sharded", "swept", "--shard", "0/2"], /exactly one experiment id/],
      [["nope", "--shard", "0/2"], /no experiment file for nope/],
    ];
    const answers = await Promise.all(cases.map(([args]) => tracker("run", ...args)));
    for (const [k, [args, message]] of cases.entries()) {
      expect(answers[k]!.code, args.join(" ")).toBe(2);
      expect(answers[k]!.out, args.join(" ")).toMatch(message);
    }
    expect(shardRuns()).toHaveLength(3);
  }, 120_000);

  it("a stopped shard is resumed like any run: only its own missing indices, none twice; --cell picks a grid's cell", async () => {
    const target = await shardTarget(["stopped"], [], "1/3", join(tmp.dir, "experiments"));
    if (typeof target === "string") throw new Error(target);
    const stop = new AbortController();
    const first = runShard(target.exp, target.shard, results, stop.signal);
    const folder = join(results, ".shards", "stopped");
    for (;;) {
      const run = listRuns(join(results, ".shards"), () => {}, { shards: true }).find(
        (r) => r.experimentId === "stopped",
      );
      const journal = run ? join(run.path, "journal.jsonl") : null;
      if (journal && existsSync(journal) && readFileSync(journal, "utf8").split("\n").length > 6) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    stop.abort();
    expect(await first).toBe(130);
    const [stopped] = readdirSync(folder).filter((f) => !f.startsWith("."));
    expect(readRunFolder(join(folder, stopped!), "stopped")!.manifest.status).toBe("partial");
    expect(await runShard(target.exp, target.shard, results, new AbortController().signal)).toBe(0);
    expect(readdirSync(folder).filter((f) => !f.startsWith("."))).toEqual([stopped]);
    const run = readRunFolder(join(folder, stopped!), "stopped")!;
    expect(run.manifest.status).toBe("complete");
    expect(run.manifest.interruptions).toHaveLength(1);
    const own = (await indices(run)).map((r) => r.request_index);
    expect(own).toEqual([0, 1, ...Array.from({ length: 20 }, (_, p) => WARMUP + 3 * p + 1)]);
    const cell = await shardTarget(["swept"], ["concurrency=4"], "1/2", join(tmp.dir, "experiments"));
    expect(typeof cell === "string" ? cell : cell.exp.cell?.key).toBe("concurrency=4");
  }, 120_000);

  it("bad merges are errors naming the folder and what is wrong; the shard folders are left untouched", async () => {
    const before = shards.map((s) => fingerprint(s.path));
    const copy = (s: RunFolder, name: string, edit: (m: Record<string, unknown>) => void) => {
      const dir = join(tmp.dir, "tampered", name);
      cpSync(s.path, dir, { recursive: true });
      const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
      edit(m);
      writeFileSync(join(dir, "manifest.json"), JSON.stringify(m));
      return dir;
    };
    const [s0, s1] = [shards[0]!.path, shards[1]!.path];
    const partial = copy(shards[1]!, "partial", (m) => (m.status = "partial"));
    const otherSpec = copy(shards[1]!, "spec", (m) => (m.spec_hash = "f".repeat(64)));
    const otherN = copy(shards[1]!, "n", (m) => (m.shard = { index: 1, count: 3 }));
    const cases: [string[], RegExp][] = [
      [[s0], new RegExp(`${s0} is shard 0 of 2 shards; missing: 1/2`)],
      [[s0, s0], new RegExp(`${s0}: shard 0/2 is given twice`)],
      [[s0, partial], new RegExp(`${partial}: shard 1/2 is not complete \\(partial`)],
      [[s0, otherSpec], new RegExp(`${otherSpec}: spec hash "f{64}" differs`)],
      [[s0, otherN], new RegExp(`${otherN}: shard count n 3 differs from 2`)],
      [[s0, whole.path], new RegExp(`${whole.path}: not a shard run`)],
      [[s0, join(tmp.dir, "nowhere")], /nowhere: no manifest.json/],
    ];
    for (const [folders, message] of cases)
      await expect(mergeShards("sharded", folders, results)).rejects.toThrow(message);
    const wrongId = await tracker("merge", "swept", s0, s1);
    expect(wrongId.code).toBe(1);
    expect(wrongId.out).toMatch(/a run of experiment sharded, not swept/);
    expect(shards.map((s) => fingerprint(s.path))).toEqual(before);
    expect(listRuns(results, () => {}).filter((r) => r.experimentId === "sharded")).toHaveLength(1);
  }, 60_000);

  it("merges into one run with the unsharded run's summary, clocks on one axis, shards untouched", async () => {
    const before = shards.map((s) => fingerprint(s.path));
    const r = await tracker("merge", "sharded", shards[1]!.path, shards[0]!.path);
    expect(r.code, r.out).toBe(0);
    expect(shards.map((s) => fingerprint(s.path))).toEqual(before);
    const runs = listRuns(results, () => {}).filter((x) => x.experimentId === "sharded");
    const merged = runs.find((x) => x.manifest.merged_from)!;
    expect(merged.runId).toMatch(/-merged$/);
    const m = merged.manifest;
    expect(m.status).toBe("complete");
    expect(m.spec_hash).toBe(whole.manifest.spec_hash);
    expect(m.shard).toBeUndefined();
    expect(m.counts).toEqual({ requests: 2 * WARMUP + REQUESTS, done: 2 * WARMUP + REQUESTS, ok: 44, error: 0 });
    const offsets = m.merged_from!.shards.map((s) => s.clock_offset_ms);
    expect(Math.min(...offsets)).toBe(0);
    expect(m.merged_from!.shards.map((s) => [s.index, s.run_id, s.warmup_first_index, s.worker_offset])).toEqual([
      [0, shards[0]!.runId, 0, 0],
      [1, shards[1]!.runId, WARMUP + REQUESTS, 2],
    ]);
    // Every index once: measured ones as sent, shard 1's warm-up after the last measured index.
    const rows = await indices(merged);
    expect(rows.map((x) => x.request_index)).toEqual(Array.from({ length: 2 * WARMUP + REQUESTS }, (_, i) => i));
    expect(rows.filter((x) => x.warmup).map((x) => x.request_index)).toEqual([0, 1, 42, 43]);
    // Shard 1's times moved by its offset; its workers renumbered after shard 0's.
    const shifted = (
      await query(
        `SELECT min(sent_ms) AS first, count(DISTINCT worker) AS workers, min(worker) AS low, any_value(run_id) AS run FROM requests`,
        { path: merged.requestsPath! },
      )
    )[0]!;
    expect(shifted).toMatchObject({ workers: 4, low: 0, run: merged.runId });
    const [a, b] = [await runDigest(whole), await runDigest(readRunFolder(merged.path, "sharded")!)];
    const [sa, sb] = [a.summary!, b.summary!];
    for (const key of ["requests", "completed", "failed", "totalInputTokens", "totalOutputTokens"] as const)
      expect(sb[key], key).toBe(sa[key]);
    // The merged run's duration spans both shards from the earlier's first send (the later one's
    // start-up offset included), so its rates are close to, not equal to, the unsharded run's
    // (a half-second run on a loaded machine: within a factor of two, not a timing target).
    expect(sb.requestThroughput! / sa.requestThroughput!).toBeGreaterThan(0.5);
    expect(sb.requestThroughput! / sa.requestThroughput!).toBeLessThan(2);
    expect(b.serverSeries.length).toBeGreaterThan(0);
    // The index shows the merged run as the experiment's; merging the same shards again is refused.
    const index = JSON.parse(readFileSync(join(results, "experiments.json"), "utf8"));
    const entry = index.experiments.find((e: { id: string }) => e.id === "sharded");
    expect(entry.run_id).toBe(merged.runId);
    // The merged shards are no longer listed; the 4-way shard, never merged, still is.
    expect(entry.shards.map((x: { index: number; count: number }) => `${x.index}/${x.count}`)).toEqual(["3/4"]);
    const again = await tracker("merge", "sharded", shards[0]!.path, shards[1]!.path);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/already merged/);
  }, 120_000);
});
