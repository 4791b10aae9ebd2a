// Redaction of published answers: the JS rule (page data) and the SQL rule (downloads) agree.
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, test } from "vitest";
import { TRUNCATE_CHARS, redact, redactSql } from "../../data-loaders/report/publish.ts";

const TEXTS = [
  null,
  "",
  "short answer",
  "x".repeat(TRUNCATE_CHARS),
  "y".repeat(TRUNCATE_CHARS + 1),
  `{"recommendation": "yes", "reasoning": "${"é😀".repeat(60)}"}`,
  `<script>window.__pwned=1</script> and ' quotes`,
];

async function sqlRedact(mode: "full" | "truncated" | "hashed"): Promise<(string | null)[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run(`CREATE TABLE t (i INTEGER, answer VARCHAR)`);
    for (const [i, text] of TEXTS.entries()) await connection.run(`INSERT INTO t VALUES ($1, $2)`, [i, text]);
    const rows = (
      await connection.runAndReadAll(`SELECT ${redactSql("answer", mode)} AS a FROM t ORDER BY i`)
    ).getRowObjectsJS();
    return rows.map((r) => r.a as string | null);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe("redact", () => {
  test("full keeps the text; truncated keeps the first characters and says how long it was; hashed keeps nothing readable", () => {
    expect(redact("abc", "full")).toBe("abc");
    expect(redact("short", "truncated")).toBe("short");
    const long = "z".repeat(200);
    expect(redact(long, "truncated")).toBe(`${"z".repeat(TRUNCATE_CHARS)}… [truncated, 200 chars]`);
    const hashed = redact("personal data: Jane Doe", "hashed")!;
    expect(hashed).toMatch(/^\[sha256 [0-9a-f]{16}\]$/);
    expect(hashed).not.toContain("Jane");
    expect(redact("personal data: Jane Doe", "hashed")).toBe(hashed);
    expect(redact(null, "hashed")).toBeNull();
  });

  test.each(["full", "truncated", "hashed"] as const)(
    "the SQL rule gives the same text as the JS rule (%s)",
    async (mode) => {
      expect(await sqlRedact(mode)).toEqual(TEXTS.map((t) => redact(t, mode)));
    },
  );
});
