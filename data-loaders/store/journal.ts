// The append-only journal of a run: one JSON row per finished request, written with a
// synchronous write per row so a crash loses at most the row being written.
import { closeSync, openSync, writeSync } from "node:fs";
import type { RequestRow } from "./rows.ts";

export class Journal {
  private fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, "a");
  }

  append(row: RequestRow): void {
    writeSync(this.fd, JSON.stringify(row) + "\n");
  }

  close(): void {
    closeSync(this.fd);
  }
}
