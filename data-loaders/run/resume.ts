// Picking a run up where it stopped: which request indices its journal already holds, what they
// counted, and where its clock was. Only runs of the same spec hash and the same (level, repeat)
// are ever resumed (run/plan.ts `unitRuns` decides which folder).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { dropTruncatedTail, readJournal } from "../store/journal.ts";
import { JOURNAL_FILE } from "../store/layout.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import { ROW_SCHEMA_VERSION } from "../store/schemas/request-row.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";

export interface JournalState {
  /** done[i] = 1 when request index i has a journaled row. */
  done: Uint8Array;
  doneCount: number;
  ok: number;
  error: number;
  /** Latest done_ms (else sent_ms) in the journal: a resumed run's clock continues from here. */
  lastMs: number;
  /** Bytes of a truncated last line that were dropped (0 when the journal ended cleanly). */
  droppedBytes: number;
  /** Rows whose index was already journaled or is out of range (skipped; should never happen). */
  ignored: number;
}

/**
 * Reads a run folder's journal (if any) for a run of `total` requests and cuts a truncated last
 * line off so appending continues cleanly. Memory: one byte per request index. `onRow` sees each
 * row kept (a run until precise refills its window).
 */
export function readJournalState(dir: string, total: number, onRow?: (row: RequestRow) => void): JournalState {
  const path = join(dir, JOURNAL_FILE);
  const state: JournalState = {
    done: new Uint8Array(total),
    doneCount: 0,
    ok: 0,
    error: 0,
    lastMs: 0,
    droppedBytes: 0,
    ignored: 0,
  };
  if (!existsSync(path)) return state;
  const scan = readJournal(path, (row) => {
    const i = row.request_index;
    if (!Number.isInteger(i) || i < 0 || i >= total || state.done[i]) {
      state.ignored++;
      return;
    }
    state.done[i] = 1;
    state.doneCount++;
    if (row.status === "ok") state.ok++;
    else state.error++;
    const t = row.done_ms ?? row.sent_ms;
    if (t !== null && t > state.lastMs) state.lastMs = t;
    onRow?.(row);
  });
  state.droppedBytes = scan.truncatedBytes;
  dropTruncatedTail(path, scan);
  return state;
}

/**
 * Whether a run folder can be resumed: it stopped early and kept its journal (partial, failed
 * with server gone, or still "running" because its process was killed). A "running" run killed
 * before its journal existed is resumable too (nothing was done). Runs finalised without a
 * journal (complete, all-failed, duration cap) are not, and neither is a run whose rows were
 * written under another row contract (`row_schema_version`): its rows would mean other things than
 * the new ones (a new run replaces it).
 */
export function isResumable(manifest: Manifest, hasJournal: boolean): boolean {
  if (manifest.status === "complete") return false;
  if (manifest.row_schema_version !== ROW_SCHEMA_VERSION) return false;
  return hasJournal || manifest.status === "running";
}

/** The interruption a resume records: what the previous session left behind. */
export function interruptionReason(manifest: Manifest, state: JournalState): string {
  const before =
    manifest.status === "running"
      ? "the run process ended without finishing (killed or crashed)"
      : `${manifest.status}${manifest.reason ? `: ${manifest.reason}` : ""}`;
  const dropped = state.droppedBytes > 0 ? `; dropped a truncated last journal line (${state.droppedBytes} bytes)` : "";
  return `${before}; resumed with ${state.doneCount} of ${state.done.length} requests done${dropped}`;
}
