// Reading and writing a run's quality files (the contract in schemas/quality.ts): quality.json
// beside quality.parquet and pairwise.parquet. The Parquet files are written by DuckDB in a
// short-lived child (store/parquet.ts) from JSON-lines files the scoring step appends to, so no
// step holds a run's rows in memory; each file appears atomically (temp file + rename).
import { appendFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sqlString } from "./duckdb.ts";
import { readJsonSql, runDuckdbRow } from "./parquet.ts";
import {
  PAIRWISE_COLUMNS,
  QUALITY_COLUMNS,
  qualityManifestSchema,
  qualityRowSchema,
  type QualityManifest,
} from "./schemas/quality.ts";
import { duckdbColumns } from "./schemas/request-row.ts";

export const QUALITY_FILE = "quality.parquet";
export const QUALITY_MANIFEST_FILE = "quality.json";
export const PAIRWISE_FILE = "pairwise.parquet";
/** A run's quality Parquet files by kind (the downloads name them so). */
export const QUALITY_FILES = { quality: QUALITY_FILE, pairwise: PAIRWISE_FILE } as const;
export type QualityFileKind = keyof typeof QUALITY_FILES;

/** The run's quality.json, or null when there is none or it does not parse (then it is written again). */
export function readQualityManifest(dir: string): QualityManifest | null {
  const path = join(dir, QUALITY_MANIFEST_FILE);
  if (!existsSync(path)) return null;
  try {
    const parsed = qualityManifestSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function writeQualityManifest(dir: string, manifest: QualityManifest): void {
  const path = join(dir, QUALITY_MANIFEST_FILE);
  writeFileSync(path + ".tmp", JSON.stringify(qualityManifestSchema.parse(manifest), null, 2) + "\n");
  renameSync(path + ".tmp", path);
}

/** A JSON-lines file written a batch of rows at a time (one write per batch). */
export class LinesFile {
  rows = 0;
  constructor(readonly path: string) {
    writeFileSync(path, "");
  }
  append(rows: readonly object[]): void {
    if (rows.length === 0) return;
    appendFileSync(this.path, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    this.rows += rows.length;
  }
  remove(): void {
    rmSync(this.path, { force: true });
  }
}

/** A verdict as the scoring step reads it from a judge run: `ok` when it parsed. */
export interface VerdictLine {
  key: string;
  ok: boolean;
  pass: boolean | null;
  score: number | null;
  /** For a pairwise verdict: A, B or tie. */
  winner: string | null;
  reason: string | null;
  error: string | null;
  /** Order read: a later line of the same key wins, a parsed verdict over an error. */
  seq: number;
}

const VERDICT_TYPES = {
  key: "VARCHAR",
  ok: "BOOLEAN",
  pass: "BOOLEAN",
  score: "BIGINT",
  winner: "VARCHAR",
  reason: "VARCHAR",
  error: "VARCHAR",
  seq: "BIGINT",
};

/** One verdict per key: a parsed one when there is one, else the latest error. */
const bestVerdicts = (path: string) =>
  `SELECT * FROM ${readJsonSql(path, VERDICT_TYPES)}
   QUALIFY row_number() OVER (PARTITION BY key ORDER BY ok DESC, seq DESC) = 1`;

const DUCKDB = (spill: string) => ({
  threads: "1",
  memory_limit: "256MB",
  temp_directory: spill,
  preserve_insertion_order: "false",
});

/** Writes `statements`' COPY … TO `tmp` output at `path` atomically; resolves with the last statement's row. */
async function writeAtomically(path: string, statements: (tmp: string) => string[]): Promise<number[]> {
  const tmp = path + ".tmp";
  const spill = path + ".spill";
  try {
    const row = await runDuckdbRow(DUCKDB(spill), statements(tmp));
    renameSync(tmp, path);
    return row ?? [];
  } finally {
    rmSync(spill, { recursive: true, force: true });
    rmSync(tmp, { force: true });
  }
}

export interface QualityCounts {
  judged: number;
  errors: number;
  notJudged: number;
}

/**
 * Writes `<dir>/quality.parquet` from the scored rows (JSON lines with every quality column; a
 * row to be judged has its `judge_key` and no verdict yet) and the verdicts read from the judge
 * runs: each row gets the best verdict of its key, or `not_judged` with `notJudgedReason` when
 * its key has none. Returns the judge counts.
 */
export async function writeQualityParquet(
  dir: string,
  scoredPath: string,
  verdictsPath: string,
  notJudgedReason: string,
): Promise<QualityCounts> {
  const types = duckdbColumns(qualityRowSchema);
  const keyed = "s.judge_key IS NOT NULL";
  const verdictColumns: Record<string, string> = {
    judge_status: `CASE WHEN NOT (${keyed}) THEN s.judge_status WHEN v.key IS NULL THEN 'not_judged' WHEN v.ok THEN 'judged' ELSE 'error' END`,
    judge_pass: `CASE WHEN ${keyed} AND v.ok THEN v.pass END`,
    judge_score: `CASE WHEN ${keyed} AND v.ok THEN v.score END`,
    judge_reason: `CASE WHEN ${keyed} AND v.ok THEN v.reason END`,
    judge_error: `CASE WHEN NOT (${keyed}) THEN s.judge_error WHEN v.key IS NULL THEN ${sqlString(notJudgedReason)} WHEN v.ok THEN NULL ELSE v.error END`,
  };
  const select = QUALITY_COLUMNS.map((c) => (c in verdictColumns ? `${verdictColumns[c]} AS "${c}"` : `s."${c}"`));
  const path = join(dir, QUALITY_FILE);
  const [judged = 0, errors = 0, notJudged = 0] = await writeAtomically(path, (tmp) => [
    `COPY (SELECT ${select.join(", ")} FROM ${readJsonSql(scoredPath, types)} s
       LEFT JOIN (${bestVerdicts(verdictsPath)}) v ON v.key = s.judge_key ORDER BY s.request_index)
     TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 20000)`,
    `SELECT count(*) FILTER (judge_status = 'judged'), count(*) FILTER (judge_status = 'error'),
       count(*) FILTER (judge_status = 'not_judged' AND judge_key IS NOT NULL) FROM read_parquet(${sqlString(tmp)})`,
  ]);
  return { judged, errors, notJudged };
}

/** A prompt pair to write into pairwise.parquet: the keys of its two verdicts (null: not asked). */
export interface PairLine {
  run_id: string;
  other_experiment_id: string;
  other_run_id: string;
  prompt_id: string;
  request_index: number;
  other_request_index: number;
  this_first_key: string | null;
  other_first_key: string | null;
  /** Why the pair was not asked (e.g. an answer is missing). */
  error: string | null;
}

const PAIR_TYPES = {
  run_id: "VARCHAR",
  other_experiment_id: "VARCHAR",
  other_run_id: "VARCHAR",
  prompt_id: "VARCHAR",
  request_index: "BIGINT",
  other_request_index: "BIGINT",
  this_first_key: "VARCHAR",
  other_first_key: "VARCHAR",
  error: "VARCHAR",
};

/**
 * Writes `<dir>/pairwise.parquet` from the pairs and the pairwise verdicts: the outcome for this
 * run is a win or a loss only when both orders prefer the same run (this run first: A is this
 * run; other first: B is this run), every other pair of verdicts a tie (analysis/judging.ts).
 * Returns [pairs with both verdicts, pairs with a judge error, pairs not judged].
 */
export async function writePairwiseParquet(
  dir: string,
  pairsPath: string,
  verdictsPath: string,
  notJudgedReason: string,
): Promise<QualityCounts> {
  const thisWins = "a.winner = 'A' AND b.winner = 'B'";
  const otherWins = "a.winner = 'B' AND b.winner = 'A'";
  const both = "a.ok AND b.ok";
  const columns: Record<string, string> = {
    this_first: `CASE WHEN a.ok THEN a.winner END`,
    other_first: `CASE WHEN b.ok THEN b.winner END`,
    outcome: `CASE WHEN NOT coalesce(${both}, false) THEN NULL WHEN ${thisWins} THEN 'win' WHEN ${otherWins} THEN 'loss' ELSE 'tie' END`,
    this_first_reason: `CASE WHEN a.ok THEN a.reason END`,
    other_first_reason: `CASE WHEN b.ok THEN b.reason END`,
    error: `coalesce(p.error, CASE WHEN a.key IS NULL OR b.key IS NULL THEN ${sqlString(notJudgedReason)} END,
      CASE WHEN NOT a.ok THEN a.error END, CASE WHEN NOT b.ok THEN b.error END)`,
  };
  const select = PAIRWISE_COLUMNS.map((c) => (c in columns ? `${columns[c]} AS "${c}"` : `p."${c}"`));
  const path = join(dir, PAIRWISE_FILE);
  const verdicts = bestVerdicts(verdictsPath);
  const joined = `${readJsonSql(pairsPath, PAIR_TYPES)} p
    LEFT JOIN (${verdicts}) a ON a.key = p.this_first_key
    LEFT JOIN (${verdicts}) b ON b.key = p.other_first_key`;
  const asked = "p.error IS NULL";
  const [judged = 0, errors = 0, notJudged = 0] = await writeAtomically(path, (tmp) => [
    `COPY (SELECT ${select.join(", ")} FROM ${joined} ORDER BY p.prompt_id)
     TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
    `SELECT count(*) FILTER (${asked} AND coalesce(${both}, false)),
       count(*) FILTER (${asked} AND a.key IS NOT NULL AND b.key IS NOT NULL AND NOT (${both})),
       count(*) FILTER (${asked} AND (a.key IS NULL OR b.key IS NULL))
     FROM ${joined}`,
  ]);
  return { judged, errors, notJudged };
}
