import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dropTruncatedTail, Journal, readJournal } from "../../data-loaders/store/journal.ts";
import type { RequestRow } from "../../data-loaders/store/schemas/request-row.ts";
import { tempDir } from "../helpers/temp.ts";

const row = (i: number, status: "ok" | "error" = "ok") =>
  ({ request_index: i, status, answer: `answer ${i} ✓ ${"x".repeat(i % 7)}` }) as unknown as RequestRow;

describe("journal", () => {
  const tmp = tempDir("journal");
  afterAll(() => tmp.cleanup());

  it("appends one line per row, readable before close (what a kill -9 leaves behind)", () => {
    const path = join(tmp.dir, "a.jsonl");
    const j = new Journal(path, { everyRows: 2 });
    for (let i = 0; i < 5; i++) j.append(row(i));
    // not closed: the rows are already in the file
    const seen: number[] = [];
    const scan = readJournal(path, (r) => seen.push(r.request_index));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(scan).toEqual({ rows: 5, truncatedBytes: 0, cleanLength: readFileSync(path).length });
    j.close();
    // reopening appends
    const k = new Journal(path);
    k.append(row(5));
    k.close();
    expect(readFileSync(path, "utf8").trim().split("\n")).toHaveLength(6);
  });

  it("drops a truncated last line, reports it, and appending continues on a line boundary", () => {
    const path = join(tmp.dir, "b.jsonl");
    const j = new Journal(path);
    j.append(row(0));
    j.append(row(1));
    j.close();
    const clean = readFileSync(path).length;
    appendFileSync(path, '{"request_index":2,"status":"o'); // killed mid-write
    const seen: number[] = [];
    const scan = readJournal(path, (r) => seen.push(r.request_index));
    expect(seen).toEqual([0, 1]);
    expect(scan.truncatedBytes).toBe('{"request_index":2,"status":"o'.length);
    expect(scan.cleanLength).toBe(clean);
    dropTruncatedTail(path, scan);
    const k = new Journal(path);
    k.append(row(2));
    k.close();
    const again: number[] = [];
    expect(readJournal(path, (r) => again.push(r.request_index)).truncatedBytes).toBe(0);
    expect(again).toEqual([0, 1, 2]);
  });

  it("reads journals larger than its buffer with multi-byte text across chunk edges", () => {
    const path = join(tmp.dir, "c.jsonl");
    const big = "é".repeat(300_000);
    writeFileSync(
      path,
      [0, 1, 2, 3, 4, 5].map((i) => JSON.stringify({ request_index: i, answer: big })).join("\n") + "\n",
    );
    const answers: string[] = [];
    readJournal(path, (r) => answers.push(r.answer!));
    expect(answers).toHaveLength(6);
    for (const a of answers) expect(a).toBe(big);
  });

  it("a corrupt complete line is an error naming the file and line", () => {
    const path = join(tmp.dir, "d.jsonl");
    writeFileSync(path, '{"request_index":0}\nnot json\n');
    expect(() => readJournal(path, () => {})).toThrow(`${path}: line 2 is not valid JSON`);
  });

  it("a missing journal reads as empty", () => {
    expect(readJournal(join(tmp.dir, "none.jsonl"), () => {})).toEqual({ rows: 0, truncatedBytes: 0, cleanLength: 0 });
  });

  it("stores URLs without credentials (endpoint and error message)", () => {
    const path = join(tmp.dir, "urls.jsonl");
    const j = new Journal(path);
    j.append({
      ...row(0, "error"),
      endpoint: "http://u:sk-journal-1@h:8000",
      error_message: "cannot reach http://h:8000/v1?api_key=sk-journal-2",
    } as RequestRow);
    j.close();
    const text = readFileSync(path, "utf8");
    expect(text).not.toMatch(/sk-journal/);
    expect(JSON.parse(text)).toMatchObject({
      endpoint: "http://***@h:8000/",
      error_message: "cannot reach http://h:8000/v1?api_key=***",
    });
  });
});
