// `tracker merge <id> <folders…>`: joins the complete shard runs of one experiment (run/shard.ts)
// into one run of results/<id>/, reported like any other run. The shards' folders are only read.
//
// The shards must make one run: the same experiment, spec hash, shard count, repeat and grid
// cell, every shard index present exactly once, each complete, each holding exactly its own
// request indices. Anything else is an error naming the folder and what is wrong.
//
// The merged rows (DuckDB, never all rows in JavaScript):
// * request indices are kept for the measured requests (they are disjoint across shards); every
//   shard sent the whole warm-up, so shard 0's warm-up keeps indices 0 … W−1 and shard k's
//   (k ≥ 1) is renumbered after the last measured index, from W + N + (k−1)·W;
// * run clocks go on one axis: shard k's times (sent_ms, first_event_ms, first_token_ms,
//   done_ms, last_chunk_ms) are shifted by its clock offset, the wall-clock time of its run
//   clock's zero (manifest clock_zero_at, else started_at) minus the earliest shard's. It
//   assumes the machines' clocks agree (NTP); durations (ttft_ms, e2e_ms, …) are unchanged;
// * workers are renumbered so that each shard's are its own (shard k's from the sum of the
//   earlier shards' worker counts).
// Server metrics: every shard scraped the same endpoints (the same spec), so each endpoint's
// series would be there once per shard; interleaving them would make a counter appear to fall
// whenever two scrapes' clocks disagree by a few ms. Instead each endpoint's series is relayed:
// the shard that scraped it first, then each later one only after the last sample kept so far
// (plus one scrape interval), on the merged time axis. The GPU series (nvidia-smi) are the
// client host's own GPUs: shards on one host sampled the same GPUs (relayed like an endpoint),
// shards on several hosts different ones, so there each host's GPUs are kept, labelled
// `<host>/<index>`, and the run's energy is their sum.
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { listRuns } from "../store/folders.ts";
import { JOURNAL_FILE, MANIFEST_FILE, newRunId, PARQUET_FILE, runDir } from "../store/layout.ts";
import { readManifest, writeManifest } from "../store/manifest.ts";
import { sqlString } from "../store/duckdb.ts";
import { runDuckdbRow } from "../store/parquet.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import { duckdbColumns, REQUEST_COLUMNS, ROW_SCHEMA_VERSION } from "../store/schemas/request-row.ts";
import { serverMetricRowSchema } from "../store/schemas/server-metric.ts";
import { SERVER_METRICS_FILE } from "../store/server-metrics.ts";
import { GPU_ENDPOINT } from "../server/gpu-telemetry.ts";

/** The request columns on the run clock (ms since the run's start); shifted by a shard's clock offset. */
export const RUN_CLOCK_COLUMNS = ["sent_ms", "first_event_ms", "first_token_ms", "done_ms", "last_chunk_ms"] as const;

/** Least gap (ms) between the last sample kept from one shard's scrapes of an endpoint and the next shard's. */
const RELAY_GAP_MS = 1000;

/** One shard folder, read and checked. */
interface ShardRun {
  dir: string;
  manifest: Manifest & { shard: NonNullable<Manifest["shard"]> };
  index: number;
}

/** Where one shard's rows go in the merged run. */
interface Placement {
  shard: ShardRun;
  clockOffsetMs: number;
  workerOffset: number;
  warmupFirstIndex: number;
}

export interface MergeResult {
  runId: string;
  dir: string;
  manifest: Manifest;
}

/** Joins the shard folders into a new run of results/<id>/ (see the top of this file). */
export async function mergeShards(id: string, folders: string[], resultsRoot: string): Promise<MergeResult> {
  const shards = checkSet(folders.map((f) => readShard(id, f)));
  const { warmup, measured } = runShape(shards[0]!);
  const workers = await Promise.all(shards.map((s) => checkRows(s, warmup)));
  const placements = place(shards, workers, warmup, measured);
  const runId = mergedRunId(shards);
  const dir = runDir(resultsRoot, id, runId);
  refuseRemerge(id, shards, resultsRoot, dir);
  const creating = runDir(resultsRoot, id, `.${runId}.creating`);
  rmSync(creating, { recursive: true, force: true });
  mkdirSync(creating, { recursive: true });
  try {
    const rows = await writeMerged(creating, runId, placements);
    const manifest = mergedManifest(runId, placements);
    if (rows !== manifest.counts.done)
      throw new Error(`merged ${rows} rows, but the shards' manifests count ${manifest.counts.done} done requests`);
    writeManifest(creating, manifest);
    renameSync(creating, dir);
    return { runId, dir, manifest };
  } finally {
    rmSync(creating, { recursive: true, force: true });
  }
}

/** A shard folder's manifest, checked to be a complete shard run of experiment `id`. */
function readShard(id: string, folder: string): ShardRun {
  const dir = resolve(folder);
  if (!existsSync(join(dir, MANIFEST_FILE))) throw new Error(`${dir}: no ${MANIFEST_FILE}: not a run folder`);
  const manifest = readManifest(dir);
  const fail = (what: string) => new Error(`${dir}: ${what}`);
  if (manifest.experiment_id !== id) throw fail(`a run of experiment ${manifest.experiment_id}, not ${id}`);
  const shard = manifest.shard;
  if (!shard) throw fail("not a shard run (its manifest has no shard; `tracker run <id> --shard i/n` makes them)");
  const which = `shard ${shard.index}/${shard.count}`;
  if (manifest.status !== "complete")
    throw fail(`${which} is not complete (${manifest.status}${manifest.reason ? `: ${manifest.reason}` : ""})`);
  if (existsSync(join(dir, JOURNAL_FILE))) throw fail(`${which} still has its journal (a run not finalised)`);
  if (!existsSync(join(dir, PARQUET_FILE))) throw fail(`${which} has no ${PARQUET_FILE}`);
  if (manifest.row_schema_version !== ROW_SCHEMA_VERSION)
    throw fail(
      `${which} was stored with row schema ${manifest.row_schema_version}, this tracker writes ${ROW_SCHEMA_VERSION}`,
    );
  return { dir, manifest: { ...manifest, shard }, index: shard.index };
}

/** The shards in index order, checked to make one run: same spec, count, repeat and cell, every index once. */
function checkSet(shards: ShardRun[]): ShardRun[] {
  if (shards.length === 0) throw new Error("tracker merge needs the shard folders to join");
  const first = shards[0]!;
  const same = (s: ShardRun, what: string, get: (m: Manifest) => unknown) => {
    const [a, b] = [JSON.stringify(get(s.manifest)), JSON.stringify(get(first.manifest))];
    if (a !== b) throw new Error(`${s.dir}: ${what} ${a} differs from ${b} of ${first.dir}`);
  };
  for (const s of shards) {
    same(s, "spec hash", (m) => m.spec_hash);
    same(s, "shard count n", (m) => m.shard!.count);
    same(s, "repeat", (m) => m.group?.repeat ?? 0);
    same(s, "grid cell", (m) => m.cell?.key ?? null);
  }
  const count = first.manifest.shard.count;
  const byIndex = new Map<number, ShardRun>();
  for (const s of shards) {
    const other = byIndex.get(s.index);
    if (other) throw new Error(`${s.dir}: shard ${s.index}/${count} is given twice (also ${other.dir})`);
    byIndex.set(s.index, s);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length)
    throw new Error(
      `${first.dir} is shard ${first.index} of ${count} shards; missing: ${missing.map((i) => `${i}/${count}`).join(", ")} (run them with \`tracker run ${first.manifest.experiment_id} --shard i/${count}\`)`,
    );
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

/** Warm-up and measured requests of the unsharded run, from the spec the shards ran. */
function runShape(shard: ShardRun): { warmup: number; measured: number } {
  const spec = shard.manifest.spec as { load?: { warmup?: number }; requests?: unknown };
  if (typeof spec.requests !== "number") throw new Error(`${shard.dir}: its spec's requests is not a number`);
  return { warmup: spec.load?.warmup ?? 0, measured: spec.requests };
}

/**
 * Checks that the shard's requests.parquet holds exactly its own indices, each once, as many as
 * its manifest counts; returns how many workers it used (highest worker + 1).
 */
async function checkRows(shard: ShardRun, warmup: number): Promise<number> {
  const { count, index } = shard.manifest.shard;
  const file = `read_parquet(${sqlString(join(shard.dir, PARQUET_FILE))})`;
  const row = await runDuckdbRow({ threads: "1", memory_limit: "256MB" }, [
    `SELECT count(*)::DOUBLE, count(DISTINCT request_index)::DOUBLE,
       -- a shard's own measured indices (run/shard.ts ownsPosition): (index − warmup) mod count = shard index
       count(*) FILTER (WHERE request_index < 0 OR (request_index >= ${warmup}
         AND (request_index - ${warmup}) % ${count} <> ${index}))::DOUBLE,
       coalesce(max(worker), -1)::DOUBLE FROM ${file}`,
  ]);
  const [rows, distinct, foreign, maxWorker] = row ?? [0, 0, 0, -1];
  const where = `${shard.dir}: shard ${index}/${count}`;
  if (foreign! > 0) throw new Error(`${where}: ${foreign} rows have request indices of other shards`);
  if (distinct !== rows) throw new Error(`${where}: ${rows! - distinct!} request indices appear more than once`);
  if (rows !== shard.manifest.counts.done)
    throw new Error(`${where}: ${PARQUET_FILE} has ${rows} rows, its manifest counts ${shard.manifest.counts.done}`);
  return maxWorker! + 1;
}

/** Each shard's clock offset, worker offset and first warm-up index in the merged run. */
function place(shards: ShardRun[], workers: number[], warmup: number, measured: number): Placement[] {
  const zero = (s: ShardRun) => Date.parse(s.manifest.clock_zero_at ?? s.manifest.started_at);
  const earliest = Math.min(...shards.map(zero));
  let workerOffset = 0;
  return shards.map((shard, k) => {
    const placement = {
      shard,
      clockOffsetMs: zero(shard) - earliest,
      workerOffset,
      warmupFirstIndex: k === 0 ? 0 : warmup + measured + (k - 1) * warmup,
    };
    workerOffset += workers[k]!;
    return placement;
  });
}

/** The merged run's id: the earliest shard's start and the spec hash, `-merged`, its repeat as the shards'. */
function mergedRunId(shards: ShardRun[]): string {
  const first = shards[0]!.manifest;
  const start = shards.map((s) => s.manifest.started_at).sort()[0]!;
  const repeats = (first.spec as { load?: { repeats?: number } }).load?.repeats ?? 1;
  const repeat = repeats > 1 ? `-r${first.group?.repeat ?? 0}` : "";
  return `${newRunId(first.spec_hash, new Date(start))}${repeat}-merged`;
}

/** Refuses to merge shards already merged (the same run folder, or a run merged from the same shard runs). */
function refuseRemerge(id: string, shards: ShardRun[], resultsRoot: string, dir: string): void {
  if (existsSync(dir)) throw new Error(`${dir} exists: these shards are already merged`);
  const runIds = shards.map((s) => s.manifest.run_id).join(" ");
  const twin = listRuns(resultsRoot, () => {}).find(
    (r) => r.experimentId === id && r.manifest.merged_from?.shards.map((s) => s.run_id).join(" ") === runIds,
  );
  if (twin) throw new Error(`${twin.path} is already merged from these shards (${runIds})`);
}

/** Writes requests.parquet and server-metrics.parquet of the merged run into `dir`; returns the row count. */
async function writeMerged(dir: string, runId: string, placements: Placement[]): Promise<number> {
  const out = join(dir, PARQUET_FILE);
  const metrics = join(dir, SERVER_METRICS_FILE);
  const count = await runDuckdbRow(
    { threads: "1", memory_limit: "512MB", temp_directory: join(dir, ".spill"), preserve_insertion_order: "false" },
    [
      `COPY (${placements.map((p) => shardRowsSql(runId, p)).join("\nUNION ALL\n")} ORDER BY request_index)
       TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 20000)`,
      `COPY (${serverMetricsSql(runId, placements)}) TO ${sqlString(metrics)} (FORMAT parquet, COMPRESSION zstd)`,
      `SELECT count(*)::DOUBLE, count(DISTINCT request_index)::DOUBLE FROM read_parquet(${sqlString(out)})`,
    ],
  );
  rmSync(join(dir, ".spill"), { recursive: true, force: true });
  const [rows, distinct] = count ?? [0, 0];
  if (rows !== distinct) throw new Error(`merged rows hold ${rows! - distinct!} duplicated request indices`);
  return rows!;
}

/** One shard's rows as the merged run stores them. */
function shardRowsSql(runId: string, p: Placement): string {
  const types = duckdbColumns();
  const warmup = runShape(p.shard).warmup;
  const select = REQUEST_COLUMNS.map((c) => {
    if (c === "run_id") return `${sqlString(runId)} AS run_id`;
    if (c === "request_index")
      return `(CASE WHEN request_index < ${warmup} THEN request_index + ${p.warmupFirstIndex} ELSE request_index END)::BIGINT AS request_index`;
    if (c === "worker") return `(worker + ${p.workerOffset})::BIGINT AS worker`;
    if ((RUN_CLOCK_COLUMNS as readonly string[]).includes(c)) return `(${c} + ${p.clockOffsetMs})::${types[c]} AS ${c}`;
    return `"${c}"`;
  });
  return `SELECT ${select.join(", ")} FROM read_parquet(${sqlString(join(p.shard.dir, PARQUET_FILE))})`;
}

/** The shards' server metrics on the merged time axis, each endpoint's series relayed (see the top). */
function serverMetricsSql(runId: string, placements: Placement[]): string {
  const types = duckdbColumns(serverMetricRowSchema);
  const empty = `SELECT ${Object.entries(types)
    .map(([c, t]) => `NULL::${t} AS "${c}"`)
    .join(", ")} LIMIT 0`;
  const withMetrics = placements.filter((p) => existsSync(join(p.shard.dir, SERVER_METRICS_FILE)));
  if (withMetrics.length === 0) return empty;
  const hosts = new Set(placements.map((p) => p.shard.manifest.environment.host));
  // `src`: what a series is relayed within: an endpoint, or for GPU rows an endpoint and host.
  const gpu = `endpoint = ${sqlString(GPU_ENDPOINT)}`;
  const labels =
    hosts.size > 1
      ? `CASE WHEN ${gpu} THEN json_object('gpu', host || '/' || json_extract_string(labels, '$.gpu'))::VARCHAR ELSE labels END`
      : "labels";
  const sources = withMetrics.map(
    (p) =>
      `SELECT ${p.shard.index} AS k, ${sqlString(p.shard.manifest.environment.host)} AS host, endpoint,
         t_ms + ${p.clockOffsetMs} AS t_ms, metric, labels, value
       FROM read_parquet(${sqlString(join(p.shard.dir, SERVER_METRICS_FILE))})`,
  );
  return `WITH s AS (SELECT k, endpoint, CASE WHEN ${gpu} THEN host ELSE '' END AS src, t_ms, metric,
         ${labels} AS labels, value FROM (${sources.join(" UNION ALL ")})),
     spans AS (SELECT k, endpoint, src, min(t_ms) AS first, max(t_ms) AS last FROM s GROUP BY k, endpoint, src),
     cut AS (SELECT k, endpoint, src, max(last) OVER (PARTITION BY endpoint, src ORDER BY first, k
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS after FROM spans)
     SELECT ${sqlString(runId)}::VARCHAR AS run_id, s.endpoint::VARCHAR AS endpoint, s.t_ms::DOUBLE AS t_ms,
       s.metric::VARCHAR AS metric, s.labels::VARCHAR AS labels, s.value::DOUBLE AS value
     FROM s JOIN cut USING (k, endpoint, src) WHERE cut.after IS NULL OR s.t_ms > cut.after + ${RELAY_GAP_MS}
     ORDER BY endpoint, metric, labels, t_ms`;
}

/** The merged run's manifest: the first shard's spec and server, the shards' counts and clocks together. */
function mergedManifest(runId: string, placements: Placement[]): Manifest {
  const ms = placements.map((p) => p.shard.manifest);
  const first = ms[0]!;
  const sum = (get: (m: Manifest) => number) => ms.reduce((t, m) => t + get(m), 0);
  const reasons = ms.flatMap((m, k) => (m.reason ? [`shard ${k}: ${m.reason}`] : []));
  const starts = placements.flatMap((p) =>
    p.shard.manifest.load_started_ms === undefined ? [] : [p.shard.manifest.load_started_ms + p.clockOffsetMs],
  );
  const merged: Manifest = {
    ...first,
    run_id: runId,
    status: "complete",
    reason: reasons.length ? reasons.join("; ") : null,
    started_at: ms.map((m) => m.started_at).sort()[0]!,
    finished_at: ms
      .map((m) => m.finished_at ?? m.started_at)
      .sort()
      .at(-1)!,
    clock_zero_at: new Date(
      Date.parse(first.clock_zero_at ?? first.started_at) - placements[0]!.clockOffsetMs,
    ).toISOString(),
    counts: {
      requests: sum((m) => m.counts.requests),
      done: sum((m) => m.counts.done),
      ok: sum((m) => m.counts.ok),
      error: sum((m) => m.counts.error),
    },
    load_started_ms: Math.min(...starts),
    interruptions: ms.flatMap((m, k) =>
      (m.interruptions ?? []).map((i) => ({ ...i, reason: `shard ${k}: ${i.reason}` })),
    ),
    self_check: mergedSelfCheck(ms),
    merged_from: {
      count: ms.length,
      shards: placements.map((p) => ({
        index: p.shard.index,
        run_id: p.shard.manifest.run_id,
        host: p.shard.manifest.environment.host,
        started_at: p.shard.manifest.started_at,
        clock_offset_ms: p.clockOffsetMs,
        worker_offset: p.workerOffset,
        warmup_first_index: p.warmupFirstIndex,
        requests: p.shard.manifest.counts.requests,
      })),
    },
  };
  delete merged.shard;
  if (starts.length !== ms.length) delete merged.load_started_ms;
  return merged;
}

/** The shards' self-checks together: client-bound when any shard was; the worst lags, the in-flight sums. */
function mergedSelfCheck(ms: Manifest[]): Manifest["self_check"] {
  const checks = ms.map((m) => m.self_check);
  if (checks.some((c) => c === undefined)) return undefined;
  const all = checks as NonNullable<Manifest["self_check"]>[];
  const worst = (get: (c: (typeof all)[number]) => number | null) => {
    const v = all.map(get).filter((x): x is number => x !== null);
    return v.length ? Math.max(...v) : null;
  };
  const total = (get: (c: (typeof all)[number]) => number | null) =>
    all.some((c) => get(c) === null) ? null : all.reduce((t, c) => t + get(c)!, 0);
  const reasons = all.flatMap((c, k) => (c.reason ? [`shard ${k}: ${c.reason}`] : []));
  return {
    send_lag_p99_ms: worst((c) => c.send_lag_p99_ms),
    event_loop_delay_p99_ms: worst((c) => c.event_loop_delay_p99_ms),
    mean_in_flight: total((c) => c.mean_in_flight),
    target_in_flight: total((c) => c.target_in_flight),
    client_bound: all.some((c) => c.client_bound),
    reason: reasons.length ? reasons.join("; ") : null,
  };
}
