// The SQL forms of metric definitions give the same numbers as the JS functions.
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, test } from "vitest";
import { latencyValues } from "../../data-loaders/metrics/latency.ts";
import {
  distributionFromRow,
  distributionSql,
  itlValuesSql,
  latencyValuesSql,
  quantilesSql,
} from "../../data-loaders/metrics/sql.ts";
import { distribution, percentile } from "../../data-loaders/metrics/stats.ts";
import { tpotMs } from "../../data-loaders/metrics/latency.ts";

async function sql(statements: string[], select: string): Promise<Record<string, unknown>> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    for (const s of statements) await connection.run(s);
    return (await connection.runAndReadAll(select)).getRowObjectsJS()[0]!;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function expectSame(actual: Record<string, number | null>, expected: Record<string, number | null>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [k, v] of Object.entries(expected)) {
    if (v === null) expect(actual[k], k).toBeNull();
    else expect(Math.abs(actual[k]! - v), k).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v)));
  }
}

describe("distributionSql", () => {
  test.each([
    ["odd count with ties", [5, 1, 3, 3, 9, 2, 7]],
    ["even count", [0.5, 100, 2.25, 8]],
    ["one value", [42]],
    ["skewed", Array.from({ length: 1001 }, (_, i) => (i * 7919) % 1000 ** 1.3)],
  ])("agrees with stats.ts distribution (%s)", async (_name, values) => {
    const row = await sql(
      ["CREATE TABLE t (x DOUBLE)", ...values.map((v) => `INSERT INTO t VALUES (${v})`), "INSERT INTO t VALUES (NULL)"],
      `SELECT ${distributionSql("x")} FROM t`,
    );
    expectSame(distributionFromRow(row) as never, distribution(values) as never);
  });

  test("an empty set gives n = 0 and nulls, like distribution([])", async () => {
    const row = await sql(["CREATE TABLE t (x DOUBLE)"], `SELECT ${distributionSql("x")} FROM t`);
    expect(distributionFromRow(row)).toEqual(distribution([]));
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
    const row = await sql(
      ["CREATE TABLE t (status VARCHAR, itl_ms DOUBLE[])", ...inserts],
      `SELECT ${distributionSql("v")} FROM (${itlValuesSql("t")})`,
    );
    expectSame(distributionFromRow(row) as never, distribution(latencyValues(rows).itlMs) as never);
    expect(distributionFromRow(row).n).toBe(4);
  });
});

describe("quantilesSql and latencyValuesSql", () => {
  test("give percentile() of latencyValues' TTFT, TPOT and E2EL lists", async () => {
    const rows = Array.from({ length: 37 }, (_, i) => {
      const ok = i % 9 !== 4;
      const r = {
        status: ok ? ("ok" as const) : ("error" as const),
        ttft_ms: ok ? 20 + ((i * 37) % 11) : null,
        e2e_ms: ok ? 300 + ((i * 53) % 97) : 15,
        completion_tokens: ok ? 1 + (i % 6) : null,
        itl_ms: null,
      };
      return { ...r, tpot_ms: tpotMs(r) };
    });
    const ps = [0, 2, 37, 50, 90, 99, 100];
    const inserts = rows.map(
      (r) =>
        `INSERT INTO t VALUES ('${r.status}', ${r.ttft_ms ?? "NULL"}, ${r.tpot_ms ?? "NULL"}, ${r.e2e_ms ?? "NULL"})`,
    );
    const row = await sql(
      ["CREATE TABLE t (status VARCHAR, ttft_ms DOUBLE, tpot_ms DOUBLE, e2e_ms DOUBLE)", ...inserts],
      `SELECT ${quantilesSql("ttft_ms", ps)} AS ttft, ${quantilesSql("tpot_ms", ps)} AS tpot, ${quantilesSql("e2e_ms", ps)} AS e2e FROM (${latencyValuesSql("t")})`,
    );
    const values = latencyValues(rows);
    for (const [column, list] of [
      ["ttft", values.ttftMs],
      ["tpot", values.tpotMs],
      ["e2e", values.e2elMs],
    ] as const) {
      const fromSql = (row[column] as number[]).map(Number);
      ps.forEach((p, i) =>
        expect(Math.abs(fromSql[i]! - percentile(list, p)!), `${column} p${p}`).toBeLessThanOrEqual(1e-9),
      );
    }
  });
});
