// Joins two runs on the same prompts by prompt_id: the basis of cascade replay, agreement and
// paired comparisons.
//
// Requests cycle through the prompt set, so a run can hold several rows for one prompt. The row
// used for a prompt is its first successful one (lowest request_index), or its first row when
// every attempt at it failed — so each prompt counts once and a retry of the same prompt later in
// the run never doubles its weight. `rowPerPrompt` picks them from rows in memory,
// `storedPromptRows` from a stored run in DuckDB (metrics/sql.ts `promptRowsSql`, the same rule).
import { promptRowsSql } from "../metrics/sql.ts";
import { selectList, type Column } from "../store/columns.ts";
import { query } from "../store/duckdb.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";

export type PairableRow = Pick<RequestRow, "prompt_id" | "request_index" | "status">;

export interface Pair<A, B> {
  promptId: string;
  a: A;
  b: B;
}

export interface Pairing<A, B> {
  /** Prompts present in both runs, in prompt_id order. */
  pairs: Pair<A, B>[];
  /** Prompt ids present only in run A / only in run B. */
  onlyA: string[];
  onlyB: string[];
}

/** One row per prompt_id: its first successful row, else its first row. */
export function rowPerPrompt<R extends PairableRow>(rows: readonly R[]): Map<string, R> {
  const byPrompt = new Map<string, R>();
  for (const row of rows) {
    const kept = byPrompt.get(row.prompt_id);
    if (kept === undefined || better(row, kept)) byPrompt.set(row.prompt_id, row);
  }
  return byPrompt;
}

/**
 * Prompts of a run that pairing reads at most. A batch job's prompts are often all different (one
 * candidate profile each), so a run of 1M requests can have 1M prompts: beyond this many, pairing
 * (paired differences, agreement, cascades) reads the prompts with the least hash of their id,
 * the same ones in every run of the prompt set, and the pages say so.
 */
export const PROMPT_SAMPLE = 5000;

/**
 * The `columns` of each prompt's row (`rowPerPrompt`) of a stored run's measured rows, in the
 * order of the prompts' first requests (as `rowPerPrompt` of the rows in request order gives
 * them), for at most `prompts` prompts (see PROMPT_SAMPLE).
 */
export async function storedPromptRows<K extends Column>(
  requestsPath: string,
  columns: readonly K[],
  prompts = PROMPT_SAMPLE,
): Promise<Pick<RequestRow, K>[]> {
  const rows = await query(promptRowsSql(selectList(columns), "measured"), { path: requestsPath, prompts });
  return rows as unknown as Pick<RequestRow, K>[];
}

/** Pairs run A's and run B's rows by prompt_id (see `rowPerPrompt`). */
export function pairByPrompt<A extends PairableRow, B extends PairableRow>(
  rowsA: readonly A[],
  rowsB: readonly B[],
): Pairing<A, B> {
  const a = rowPerPrompt(rowsA);
  const b = rowPerPrompt(rowsB);
  const pairs: Pair<A, B>[] = [];
  const onlyA: string[] = [];
  for (const promptId of [...a.keys()].sort()) {
    const rowB = b.get(promptId);
    if (rowB === undefined) onlyA.push(promptId);
    else pairs.push({ promptId, a: a.get(promptId)!, b: rowB });
  }
  const onlyB = [...b.keys()].filter((id) => !a.has(id)).sort();
  return { pairs, onlyA, onlyB };
}

function better(row: PairableRow, kept: PairableRow): boolean {
  const rowOk = row.status === "ok";
  const keptOk = kept.status === "ok";
  if (rowOk !== keptOk) return rowOk;
  return row.request_index < kept.request_index;
}
