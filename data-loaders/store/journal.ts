// The append-only journal of a run: one JSON row per finished request.
//
// Guarantee: `append` returns after one `writeSync` of the whole line to a file descriptor opened
// for appending, so the row is in the operating system's page cache before the request counts as
// done. A process killed at any moment (kill -9, crash, OOM kill) therefore loses at most the line
// being written, which `readJournal` detects as a truncated last line and drops. Power loss can
// also lose what the OS had not yet written to disk: `fsync` every N rows and/or every N ms bounds
// that loss (default: at most once a second, when rows were appended).
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { redactText } from "../server/url.ts";
import type { RequestRow } from "./schemas/request-row.ts";

export interface FsyncPolicy {
  /** fsync after this many appended rows (0 or undefined: never by count). */
  everyRows?: number;
  /** fsync on the first append this many ms after the last fsync (0 or undefined: never by time). */
  everyMs?: number;
}

const DEFAULT_FSYNC: FsyncPolicy = { everyMs: 1000 };

export class Journal {
  private fd: number;
  private sinceSync = 0;
  private lastSync = performance.now();

  constructor(
    readonly path: string,
    private readonly fsync: FsyncPolicy = DEFAULT_FSYNC,
  ) {
    this.fd = openSync(path, "a");
  }

  append(row: RequestRow): void {
    writeSync(this.fd, JSON.stringify(redacted(row)) + "\n");
    this.sinceSync++;
    const { everyRows, everyMs } = this.fsync;
    const now = performance.now();
    if ((everyRows && this.sinceSync >= everyRows) || (everyMs && now - this.lastSync >= everyMs)) this.sync(now);
  }

  private sync(now: number): void {
    fsyncSync(this.fd);
    this.sinceSync = 0;
    this.lastSync = now;
  }

  close(): void {
    if (this.sinceSync > 0) this.sync(performance.now());
    closeSync(this.fd);
  }
}

/** The row as stored: a URL in its endpoint or error message never carries credentials. */
function redacted(row: RequestRow): RequestRow {
  const clean = <T>(value: T): T => (typeof value === "string" ? (redactText(value) as T) : value);
  const endpoint = clean(row.endpoint);
  const message = clean(row.error_message);
  return endpoint === row.endpoint && message === row.error_message
    ? row
    : { ...row, endpoint, error_message: message };
}

export interface JournalScan {
  /** Complete lines read. */
  rows: number;
  /** Bytes of a last line without its newline (cut by a kill), 0 when the file ends cleanly. */
  truncatedBytes: number;
  /** Byte length of the complete lines (where a truncated tail starts). */
  cleanLength: number;
}

/**
 * Reads a journal line by line with a fixed buffer (memory does not grow with the file) and calls
 * `onRow` with each parsed row. A last line without a newline is not parsed: it is reported in
 * `truncatedBytes`. A complete line that is not valid JSON is an error naming the file and line.
 */
export function readJournal(path: string, onRow: (row: RequestRow, line: number) => void): JournalScan {
  if (!existsSync(path)) return { rows: 0, truncatedBytes: 0, cleanLength: 0 };
  const fd = openSync(path, "r");
  const buffer = Buffer.alloc(1 << 20);
  let carry = Buffer.alloc(0);
  let rows = 0;
  let cleanLength = 0;
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      let chunk = carry.length ? Buffer.concat([carry, buffer.subarray(0, n)]) : buffer.subarray(0, n);
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
        const text = chunk.toString("utf8", start, nl);
        rows++;
        let row: RequestRow;
        try {
          row = JSON.parse(text) as RequestRow;
        } catch (e) {
          throw new Error(`${path}: line ${rows} is not valid JSON (${(e as Error).message})`, { cause: e });
        }
        onRow(row, rows);
        cleanLength += nl - start + 1;
        start = nl + 1;
      }
      chunk = chunk.subarray(start);
      carry = Buffer.from(chunk);
    }
  } finally {
    closeSync(fd);
  }
  return { rows, truncatedBytes: carry.length, cleanLength };
}

/** Cuts a truncated last line off, so appending continues on a line boundary. */
export function dropTruncatedTail(path: string, scan: JournalScan): void {
  if (scan.truncatedBytes === 0) return;
  const fd = openSync(path, "r+");
  try {
    ftruncateSync(fd, scan.cleanLength);
  } finally {
    closeSync(fd);
  }
}
