import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  pairByPrompt,
  rowPerPrompt,
  storedPromptRows,
  type PairableRow,
} from "../../data-loaders/analysis/by-prompt.ts";
import { measured, writeStoredRun, type StoredRun } from "../metrics/stored-run.ts";

type Row = PairableRow & { tag: string };
const r = (prompt_id: string, request_index: number, status: "ok" | "error", tag: string): Row => ({
  prompt_id,
  request_index,
  status,
  tag,
});

describe("rowPerPrompt", () => {
  it("keeps the first successful row of each prompt, else its first row", () => {
    const rows = [
      r("a", 3, "ok", "a-late"),
      r("a", 0, "error", "a-failed"),
      r("a", 1, "ok", "a-first-ok"),
      r("b", 5, "error", "b-5"),
      r("b", 2, "error", "b-2"),
    ];
    const kept = rowPerPrompt(rows);
    expect(kept.get("a")!.tag).toBe("a-first-ok");
    expect(kept.get("b")!.tag).toBe("b-2");
  });
});

describe("pairByPrompt", () => {
  it("pairs prompts present in both runs and lists the others", () => {
    const { pairs, onlyA, onlyB } = pairByPrompt(
      [r("z", 0, "ok", "A-z"), r("m", 1, "ok", "A-m"), r("a", 2, "ok", "A-a"), r("q", 3, "ok", "A-q")],
      [r("a", 0, "ok", "B-a"), r("m", 1, "error", "B-m"), r("k", 2, "ok", "B-k"), r("c", 3, "ok", "B-c")],
    );
    expect(pairs.map((p) => [p.promptId, p.a.tag, p.b.tag])).toEqual([
      ["a", "A-a", "B-a"],
      ["m", "A-m", "B-m"],
    ]);
    expect(onlyA).toEqual(["q", "z"]);
    expect(onlyB).toEqual(["c", "k"]);
  });
});

describe("storedPromptRows (DuckDB) equals rowPerPrompt of the measured rows in request order", () => {
  let twin: StoredRun;
  beforeAll(async () => {
    twin = await writeStoredRun();
  });
  afterAll(() => twin.cleanup());

  it("one row per prompt: its first successful request, else its first, in order of first appearance", async () => {
    const columns = ["prompt_id", "request_index", "status", "answer", "completion_tokens"] as const;
    const expected = [...rowPerPrompt(measured(twin.rows)).values()].map((r) =>
      Object.fromEntries(columns.map((c) => [c, r[c]])),
    );
    expect(expected.length).toBe(97);
    expect(await storedPromptRows(twin.requestsPath, columns)).toEqual(expected);
  });

  it("beyond `prompts` prompts, the same subset of prompts from every run of the prompt set", async () => {
    const columns = ["prompt_id", "request_index", "status"] as const;
    const all = await storedPromptRows(twin.requestsPath, columns);
    const some = await storedPromptRows(twin.requestsPath, columns, 20);
    expect(some).toHaveLength(20);
    // Each kept prompt's row is its row among all prompts, in the same order.
    expect(some).toEqual(all.filter((r) => some.some((s) => s.prompt_id === r.prompt_id)));
    // Another run of the same prompts, with other requests: the same 20 prompts.
    const other = await writeStoredRun(300, 41);
    try {
      const ids = (rows: { prompt_id: string }[]) => rows.map((r) => r.prompt_id).sort();
      const otherAll = await storedPromptRows(other.requestsPath, columns);
      expect(new Set(ids(otherAll))).toEqual(new Set(ids(all)));
      expect(ids(await storedPromptRows(other.requestsPath, columns, 20))).toEqual(ids(some));
    } finally {
      other.cleanup();
    }
  });
});
