// The database of all runs, updated from the previous one: after adding a run, re-scoring one and
// removing one it equals a database written whole (same schema, same rows in every table), and it
// is written whole when it cannot or should not be updated (no previous one, an unreadable one,
// most rows deleted, another schema, rows under other ids). Answers stay published as the
// experiment says.
import { cpSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { reportSettings } from "../../data-loaders/report/settings.ts";
import {
  updatePlan,
  writeAllRuns,
  writeAllRunsDatabase,
  type AllRunsWrite,
  type Contents,
  type FreeLimits,
} from "../../data-loaders/site/all-runs.ts";
import { query } from "../../data-loaders/store/duckdb.ts";
import type { RunFolder } from "../../data-loaders/store/folders.ts";
import { smallSpec, tempDir, writeExperiment } from "../helpers/temp.ts";
import {
  compareDatabases,
  downloadStore,
  queryDatabase,
  writeQualityFile,
  type DownloadStore,
} from "./download-store.ts";

const temp = tempDir("all-runs");
let store: DownloadStore;
let step = 0;
/** The database the last step wrote, with its record: the next step's previous database. */
let previous: { path: string; contents: Contents } | null = null;

beforeAll(async () => {
  process.env.TRACKER_DIGEST_CACHE = join(temp.dir, "memo");
  store = await downloadStore(temp.dir, 3, 2_000);
  await writeQualityFile(store.runs()[0]!, "quality", "first scoring");
  await writeQualityFile(store.runs()[1]!, "quality", "hashed experiment's verdict");
  await writeQualityFile(store.runs()[2]!, "pairwise", "pairwise verdict");
}, 60_000);
afterAll(() => temp.cleanup());

async function publishOf(runs: RunFolder[]) {
  const modes = new Map<string, Awaited<ReturnType<typeof reportSettings>>["publish"]>();
  for (const r of runs) modes.set(r.experimentId, (await reportSettings(store.experiments, r.experimentId)).publish);
  return (id: string) => modes.get(id) ?? "full";
}

/** Writes the database of the store's current runs from `from` (or the last step's); checks it equals a whole write. */
async function write(from = previous, limits?: FreeLimits): Promise<AllRunsWrite> {
  const runs = store.runs();
  const publish = await publishOf(runs);
  const path = join(temp.dir, `step-${++step}.duckdb`);
  const written = await writeAllRuns(runs, publish, path, from, limits);
  const whole = join(temp.dir, `step-${step}-whole.duckdb`);
  await writeAllRunsDatabase(runs, publish, whole);
  const compared = await compareDatabases(path, whole);
  for (const [table, c] of Object.entries(compared)) {
    expect(c.sameSchema, table).toBe(true);
    expect(c.rows[0], table).toBe(c.rows[1]);
    expect([c.onlyA, c.onlyB], table).toEqual([0, 0]);
  }
  if (written.contents) previous = { path, contents: written.contents };
  return written;
}

const NOTHING = { requests: [], quality: [], pairwise: [] };
const mapTables = <T, U>(byTable: Record<string, T>, f: (v: T) => U) =>
  Object.fromEntries(Object.entries(byTable).map(([t, v]) => [t, f(v)]));

const tableRows = async (path: string) =>
  Object.fromEntries(
    await Promise.all(
      ["requests", "quality", "pairwise", "runs"].map(
        async (t) => [t, Number((await queryDatabase(path, `SELECT count(*) AS n FROM ${t}`))[0]!.n)] as const,
      ),
    ),
  );

describe("the database of all runs", () => {
  test("written whole the first time, with what it holds: each run's key and rows per table", async () => {
    const written = await write(null);
    expect(written).toMatchObject({ updated: false, why: "no previous database" });
    expect(written.contents!.runs.map((r) => r.rows)).toEqual([
      { requests: 2_000, quality: 50, pairwise: 0 },
      { requests: 2_000, quality: 50, pairwise: 0 },
      { requests: 2_000, quality: 0, pairwise: 50 },
    ]);
    expect(await tableRows(previous!.path)).toEqual({ requests: 6_000, quality: 100, pairwise: 50, runs: 3 });
  });

  test("answers and the judge's reasons as the experiment publishes them", async () => {
    const hashed = await queryDatabase(
      previous!.path,
      `SELECT DISTINCT left(answer, 8) AS a FROM requests WHERE experiment_id = '${store.hashed}' AND answer IS NOT NULL`,
    );
    expect(hashed).toEqual([{ a: "[sha256 " }]);
    const reasons = await queryDatabase(previous!.path, `SELECT experiment_id, judge_reason FROM quality`);
    for (const r of reasons)
      if (r.experiment_id === store.hashed) expect(r.judge_reason).toMatch(/^\[sha256 [0-9a-f]{16}\]$/);
      else expect(r.judge_reason).toMatch(/^first scoring because of answer \d+$/);
    const full = await queryDatabase(previous!.path, `SELECT count(*) AS n FROM requests WHERE answer LIKE '{%'`);
    expect(Number(full[0]!.n)).toBeGreaterThan(3_000);
  });

  test("a new run: updated, its rows inserted", async () => {
    await store.add(3, 500);
    const before = previous!.contents;
    const written = await write();
    expect(written).toMatchObject({ updated: true });
    expect(written.contents!.runs).toHaveLength(4);
    expect(written.contents!.runs.slice(0, 3)).toEqual(before.runs);
    expect(await tableRows(previous!.path)).toEqual({ requests: 6_500, quality: 100, pairwise: 50, runs: 4 });
  });

  test("a re-scored quality file: updated, that run's rows replaced", async () => {
    const run = store.runs()[0]!;
    const plan = async () => {
      const { drop, add } = updatePlan(previous!.contents, store.runs(), await publishOf(store.runs()));
      const ids = (runs: { runId: string }[]) => runs.map((r) => r.runId);
      return { drop: mapTables(drop, ids), add: mapTables(add, ids) };
    };
    expect(await plan()).toEqual({ drop: NOTHING, add: NOTHING });
    await writeQualityFile(run, "quality", "second scoring", 60);
    // Only its quality rows change: its requests stay.
    const only = { ...NOTHING, quality: [run.runId] };
    expect(await plan()).toEqual({ drop: only, add: only });
    const written = await write();
    expect(written).toMatchObject({ updated: true });
    const reasons = await queryDatabase(
      previous!.path,
      `SELECT DISTINCT regexp_extract(judge_reason, '^\\w+ scoring') AS r FROM quality WHERE run_id = '${run.runId}'`,
    );
    expect(reasons).toEqual([{ r: "second scoring" }]);
    expect(await tableRows(previous!.path)).toMatchObject({ requests: 6_500, quality: 110 });
  });

  test("a removed run: updated, its rows deleted", async () => {
    rmSync(store.runs()[3]!.path, { recursive: true });
    const written = await write();
    expect(written).toMatchObject({ updated: true });
    expect(await tableRows(previous!.path)).toEqual({ requests: 6_000, quality: 110, pairwise: 50, runs: 3 });
  });

  test("free blocks over the limit after an update: written whole", async () => {
    const kept = previous!;
    const run = store.runs()[0]!;
    renameSync(run.path, join(temp.dir, run.runId));
    const written = await write(kept, { maxShare: 0.01, minBytes: 0 });
    expect(written).toMatchObject({ updated: false });
    expect((written as { why: string }).why).toMatch(/^\d+% of the file would be free blocks$/);
    renameSync(join(temp.dir, run.runId), run.path);
    expect(await write(kept)).toMatchObject({ updated: true });
  });

  test("an experiment published otherwise: updated, its rows replaced and published the new way", async () => {
    const run = store.runs()[0]!;
    writeExperiment(temp.dir, run.experimentId, smallSpec({ extra: `publish: { answers: "hashed" },` }));
    const { drop } = updatePlan(previous!.contents, store.runs(), await publishOf(store.runs()));
    expect(mapTables(drop, (runs) => runs.map((r) => r.runId))).toEqual({
      requests: [run.runId],
      quality: [run.runId],
      pairwise: [run.runId],
    });
    expect(await write()).toMatchObject({ updated: true });
    const hashed = await queryDatabase(
      previous!.path,
      `SELECT (SELECT DISTINCT left(judge_reason, 8) FROM quality WHERE run_id = '${run.runId}') AS reason,
              (SELECT DISTINCT left(answer, 8) FROM requests WHERE run_id = '${run.runId}' AND answer IS NOT NULL) AS answer`,
    );
    expect(hashed).toEqual([{ reason: "[sha256 ", answer: "[sha256 " }]);
    rmSync(join(store.experiments, `${run.experimentId}.ts`));
    expect(await write()).toMatchObject({ updated: true });
  });

  test("a previous database that cannot be read: written whole", async () => {
    const broken = join(temp.dir, "broken.duckdb");
    writeFileSync(broken, "not a database");
    const written = await write({ path: broken, contents: previous!.contents });
    expect(written).toMatchObject({ updated: false });
    expect((written as { why: string }).why).toMatch(/^the previous database could not be updated/);
  });

  test("more than half of the rows deleted: written whole", async () => {
    const kept = previous!;
    const removed = store.runs().slice(0, 2);
    // Moved away and back: their files keep their times, so their download keys.
    for (const run of removed) renameSync(run.path, join(temp.dir, run.runId));
    const rows = (runs: Contents["runs"]) =>
      runs.reduce((n, r) => n + r.rows.requests + r.rows.quality + r.rows.pairwise, 0);
    const share = rows(kept.contents.runs.slice(0, 2)) / rows(kept.contents.runs);
    expect(share).toBeGreaterThan(0.5);
    const written = await write(kept);
    expect(written).toMatchObject({ updated: false, why: `${Math.round(share * 100)}% of its rows would be deleted` });
    // Put back as they were, the runs are the ones the database holds: nothing to change.
    for (const run of removed) renameSync(join(temp.dir, run.runId), run.path);
    const { drop, add } = updatePlan(kept.contents, store.runs(), await publishOf(store.runs()));
    expect([...Object.values(drop), ...Object.values(add)].flat()).toEqual([]);
    expect(await write(kept)).toMatchObject({ updated: true });
  });

  test("a run stored with another column type: written whole with the schema a whole write gives", async () => {
    const id = await store.add(4, 300);
    const run = store.run(id);
    await query(
      `COPY (SELECT * REPLACE (prompt_tokens::VARCHAR AS prompt_tokens) FROM read_parquet('${run.requestsPath}'))
       TO '${run.requestsPath}.new' (FORMAT parquet)`,
      {},
    );
    cpSync(`${run.requestsPath}.new`, run.requestsPath!);
    rmSync(`${run.requestsPath}.new`);
    const written = await write();
    expect(written).toMatchObject({ updated: false, why: "the requests table's schema differs from a whole write's" });
    const types = await queryDatabase(
      previous!.path,
      `SELECT column_type FROM (DESCRIBE requests) WHERE column_name = 'prompt_tokens'`,
    );
    expect(types).toEqual([{ column_type: "VARCHAR" }]);
    rmSync(run.path, { recursive: true });
    expect(await write()).toMatchObject({
      updated: false,
      why: "the requests table's schema differs from a whole write's",
    });
  });

  test("a run whose rows carry another run's ids: written whole, and no record kept (the next is whole too)", async () => {
    expect(await write()).toMatchObject({ updated: true });
    const original = store.runs()[2]!;
    const copy = join(store.results, original.experimentId, `${original.runId}-copy`);
    cpSync(original.path, copy, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(copy, "manifest.json"), "utf8"));
    writeFileSync(join(copy, "manifest.json"), JSON.stringify({ ...manifest, run_id: `${original.runId}-copy` }));
    const kept = previous;
    const written = await write();
    expect(written).toMatchObject({
      updated: false,
      why: "its rows per run differ from the runs' files",
      contents: null,
    });
    expect(previous).toBe(kept);
  });
});
