// The SQL pieces the stored twins are built from give what their JS formulas give. (Each twin as
// a whole is checked in its module's test on the irregular stored run, test/metrics/stored-run.ts.)
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, test } from "vitest";
import { latencyValues, tpotMs } from "../../data-loaders/metrics/latency.ts";
import { errorEntriesSql, itlValuesSql, latencyColumnSql, tpotSql } from "../../data-loaders/metrics/sql.ts";

async function sql(statements: string[], select: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    for (const s of statements) await connection.run(s);
    return (await connection.runAndReadAll(select)).getRowObjectsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const literal = (v: number | null) => (v === null ? "NULL" : String(v));

describe("tpotSql and latencyColumnSql", () => {
  const rows = Array.from({ length: 37 }, (_, i) => {
    const ok = i % 9 !== 4;
    return {
      status: ok ? ("ok" as const) : ("error" as const),
      ttft_ms: ok && i % 11 !== 3 ? 20 + ((i * 37) % 11) : null,
      e2e_ms: ok ? 300 + ((i * 53) % 97) / 3 : 15,
      completion_tokens: ok && i % 13 !== 5 ? i % 6 : null,
      itl_ms: null,
    };
  });
  const table = [
    "CREATE TABLE t (status VARCHAR, ttft_ms DOUBLE, e2e_ms DOUBLE, completion_tokens BIGINT)",
    ...rows.map(
      (r) =>
        `INSERT INTO t VALUES ('${r.status}', ${literal(r.ttft_ms)}, ${literal(r.e2e_ms)}, ${literal(r.completion_tokens)})`,
    ),
  ];

  test("TPOT by the formula of tpotMs, null for one token or an unknown latency", async () => {
    const out = await sql(table, `SELECT ${tpotSql} AS v FROM t`);
    expect(out.map((r) => r.v)).toEqual(rows.map((r) => tpotMs(r)));
  });

  test("the TTFT, TPOT and E2EL values of successful requests, as latencyValues lists them", async () => {
    const values = latencyValues(rows);
    for (const [column, list] of [
      ["ttft_ms", values.ttftMs],
      ["tpot_ms", values.tpotMs],
      ["e2e_ms", values.e2elMs],
    ] as const) {
      const out = await sql(table, `SELECT v FROM (${latencyColumnSql(column, "t")}) WHERE v IS NOT NULL`);
      expect(out.map((r) => r.v)).toEqual(list);
    }
  });
});

describe("itlValuesSql", () => {
  test("takes the gaps of successful requests only, like latencyValues", async () => {
    const rows = [
      { status: "ok" as const, itl_ms: [1, 2, 3], ttft_ms: 1, e2e_ms: 7, completion_tokens: 4 },
      { status: "error" as const, itl_ms: [100, 200], ttft_ms: null, e2e_ms: null, completion_tokens: null },
      { status: "ok" as const, itl_ms: null, ttft_ms: 1, e2e_ms: 2, completion_tokens: 1 },
      { status: "ok" as const, itl_ms: [4.5], ttft_ms: 1, e2e_ms: 6, completion_tokens: 2 },
    ];
    const inserts = rows.map(
      (r) => `INSERT INTO t VALUES ('${r.status}', ${r.itl_ms ? `[${r.itl_ms.join(", ")}]::DOUBLE[]` : "NULL"})`,
    );
    const out = await sql(["CREATE TABLE t (status VARCHAR, itl_ms DOUBLE[])", ...inserts], itlValuesSql("t"));
    expect(out.map((r) => r.v)).toEqual(latencyValues(rows).itlMs);
  });
});

describe("errorEntriesSql", () => {
  test("trims what JavaScript's trim trims (every white space and line terminator), nothing else", async () => {
    const spaces = "\t\n\v\f\r \u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";
    const entries = [`${spaces}a: x${spaces}`, "\u200bb: zero-width space is not white space\u200b", " c: y "];
    const out = await sql(
      [
        "CREATE TABLE t (status VARCHAR, json_valid BOOLEAN, schema_errors VARCHAR)",
        `INSERT INTO t VALUES ('ok', true, '${entries.join("; ")}')`,
      ],
      errorEntriesSql("t").replace("$top", "10"),
    );
    expect(out.map((r) => r.error).sort()).toEqual(entries.map((e) => e.trim()).sort());
  });
});
