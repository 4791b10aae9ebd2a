// The site's download files as `tracker build` writes them into its cache: Parquet for every run,
// CSV only up to the row limit, quality files, all-runs.duckdb updated after a new run; answers as
// the experiment publishes them; the cache holds nothing else; `tracker export csv` writes the
// CSV the site would have, for any run.
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CSV_ROW_LIMIT, runDownloads } from "../../data-loaders/site/download-files.ts";
import { writeDownloads, writeRunDownload, type DownloadFile } from "../../data-loaders/site/downloads.ts";
import { query } from "../../data-loaders/store/duckdb.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";
import { downloadStore, queryDatabase, writeQualityFile, type DownloadStore } from "./download-store.ts";

const temp = tempDir("downloads");
const cache = join(temp.dir, "cache");
let store: DownloadStore;
let files: DownloadFile[];
let atLimit: string;
let overLimit: string;

beforeAll(async () => {
  process.env.TRACKER_DIGEST_CACHE = join(temp.dir, "memo");
  store = await downloadStore(temp.dir, 2, 1_000);
  atLimit = await store.add(2, CSV_ROW_LIMIT);
  overLimit = await store.add(3, CSV_ROW_LIMIT + 1);
  await writeQualityFile(store.run(store.hashed), "quality", "the hashed experiment's verdict");
  await writeQualityFile(store.run(overLimit), "pairwise", "a large run's verdict");
  files = await writeDownloads(store.results, store.experiments, cache);
}, 120_000);
afterAll(() => temp.cleanup());

const cached = (path: string) => join(cache, files.find((f) => f.path === path)!.cached);
const pathOf = (id: string, ext: string) => {
  const run = store.run(id);
  return `${run.experimentId}/${run.runId}.${ext}`;
};
/** Lines of a file (its header included; none of these files has a newline inside a value). */
const lines = (file: Buffer) => {
  let n = 0;
  for (let at = file.indexOf(10); at !== -1; at = file.indexOf(10, at + 1)) n++;
  return n;
};
/** Every file under the cache folder, relative to it. */
const cacheFiles = () =>
  readdirSync(cache, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(cache.length + 1))
    .sort();

describe("writeDownloads", () => {
  test(`a run's CSV only up to ${CSV_ROW_LIMIT.toLocaleString("en-US")} rows; Parquet and quality files for every run`, () => {
    const [small, hashed] = [store.runs()[0]!, store.run(store.hashed)];
    const expected = [
      `${small.experimentId}/${small.runId}.parquet`,
      `${small.experimentId}/${small.runId}.csv`,
      pathOf(store.hashed, "parquet"),
      pathOf(store.hashed, "csv"),
      `${hashed.experimentId}/quality/${hashed.runId}.parquet`,
      pathOf(atLimit, "parquet"),
      pathOf(atLimit, "csv"),
      pathOf(overLimit, "parquet"),
      `${overLimit}/pairwise/${store.run(overLimit).runId}.parquet`,
      "all-runs.duckdb",
    ];
    expect(files.map((f) => f.path).sort()).toEqual(expected.sort());
    // The page links what runDownloads says: the same files.
    expect(store.runs().map((r) => [r.experimentId, runDownloads(r)])).toEqual([
      [small.experimentId, { rows: 1_000, csv: true, quality: [] }],
      [hashed.experimentId, { rows: 1_000, csv: true, quality: ["quality"] }],
      [atLimit, { rows: CSV_ROW_LIMIT, csv: true, quality: [] }],
      [overLimit, { rows: CSV_ROW_LIMIT + 1, csv: false, quality: ["pairwise"] }],
    ]);
    const csv = readFileSync(cached(pathOf(atLimit, "csv")));
    expect(csv.subarray(0, 200).toString()).toContain("request_index");
    expect(lines(csv)).toBe(CSV_ROW_LIMIT + 1);
  });

  test("answers and the judge's reasons as the experiment publishes them; a run published in full is its stored file", async () => {
    const hashed = store.run(store.hashed);
    expect(readFileSync(cached(pathOf(store.hashed, "csv")), "utf8")).toMatch(/\[sha256 [0-9a-f]{16}\]/);
    const answers = await query(
      `SELECT DISTINCT left(answer, 8) AS a FROM read_parquet('${cached(pathOf(store.hashed, "parquet"))}') WHERE answer IS NOT NULL`,
      {},
    );
    expect(answers).toEqual([{ a: "[sha256 " }]);
    const reasons = await query(
      `SELECT DISTINCT left(judge_reason, 8) AS r FROM read_parquet('${cached(`${hashed.experimentId}/quality/${hashed.runId}.parquet`)}')`,
      {},
    );
    expect(reasons).toEqual([{ r: "[sha256 " }]);
    const small = store.runs()[0]!;
    expect(readFileSync(cached(pathOf(small.experimentId, "parquet")))).toEqual(readFileSync(small.requestsPath!));
    const db = await queryDatabase(
      cached("all-runs.duckdb"),
      `SELECT experiment_id, count(*)::INTEGER AS n FROM requests GROUP BY 1 ORDER BY 1`,
    );
    expect(db.map((r) => r.n)).toEqual([1_000, 1_000, CSV_ROW_LIMIT, CSV_ROW_LIMIT + 1]);
  });

  test("the cache holds the current files and the database's record, nothing half-written", () => {
    const allRuns = files.find((f) => f.path === "all-runs.duckdb")!;
    expect(allRuns.written).toBe("written whole: no previous database");
    expect(cacheFiles()).toEqual([...files.map((f) => f.cached), allRuns.cached.replace(/\.duckdb$/, ".json")].sort());
  });

  test("after adding a run: the database is updated, the other runs' files kept, stale files removed", async () => {
    const before = new Map(files.map((f) => [f.path, statSync(join(cache, f.cached)).mtimeMs]));
    const added = await store.add(4, 2_000);
    files = await writeDownloads(store.results, store.experiments, cache);
    const allRuns = files.find((f) => f.path === "all-runs.duckdb")!;
    expect(allRuns.written).toBe("updated");
    for (const f of files.filter((f) => f.path !== "all-runs.duckdb" && !f.path.startsWith(`${added}/`)))
      expect(statSync(join(cache, f.cached)).mtimeMs, f.path).toBe(before.get(f.path));
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining([pathOf(added, "parquet"), pathOf(added, "csv")]));
    expect(cacheFiles()).toEqual([...files.map((f) => f.cached), allRuns.cached.replace(/\.duckdb$/, ".json")].sort());
    const runs = await queryDatabase(join(cache, allRuns.cached), `SELECT count(*)::INTEGER AS n FROM runs`);
    expect(runs).toEqual([{ n: 5 }]);
    // Nothing changed: nothing written.
    const again = await writeDownloads(store.results, store.experiments, cache);
    expect(again.find((f) => f.path === "all-runs.duckdb")!.written).toBeUndefined();
    expect(again.map((f) => f.cached)).toEqual(files.map((f) => f.cached));
  }, 60_000);
});

describe("tracker export csv", () => {
  const tracker = (args: string[]) =>
    spawnSync(process.execPath, [join(PROJECT, "bin/tracker.js"), "export", "csv", ...args], {
      cwd: PROJECT,
      env: {
        ...process.env,
        TRACKER_RESULTS: store.results,
        TRACKER_EXPERIMENTS: store.experiments,
        TRACKER_DIGEST_CACHE: join(temp.dir, "memo"),
      },
      encoding: "utf8",
      maxBuffer: 1 << 30,
    });

  test("a run over the limit: the CSV the site would have, at --out", async () => {
    const run = store.run(overLimit);
    const out = join(temp.dir, "large.csv");
    const result = tracker([overLimit, "--run", run.runId, "--out", out]);
    expect(result.stderr).toBe(`${overLimit}/${run.runId}: csv → ${out}\n`);
    expect(result.status).toBe(0);
    const site = join(temp.dir, "site-would.csv");
    await writeRunDownload(run, "csv", "full", site);
    const [written, wouldBe] = [readFileSync(out), readFileSync(site)];
    expect([written.length, written.equals(wouldBe)]).toEqual([wouldBe.length, true]);
    expect(lines(written)).toBe(CSV_ROW_LIMIT + 2);
  });

  test("answers published as the experiment says, on standard output: the site's CSV byte for byte", () => {
    const result = tracker([store.hashed]);
    expect(result.status).toBe(0);
    const site = readFileSync(cached(pathOf(store.hashed, "csv")), "utf8");
    expect([result.stdout.length, result.stdout === site]).toEqual([site.length, true]);
  });

  test("an unknown run is an error naming it; nothing is written", () => {
    const out = join(temp.dir, "none.csv");
    const result = tracker([overLimit, "--run", "nope", "--out", out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`error: no run nope of ${overLimit}\n`);
    expect(() => statSync(out)).toThrow();
    expect(execFileSync("ls", [temp.dir], { encoding: "utf8" })).not.toMatch(/partial/);
  });
});
