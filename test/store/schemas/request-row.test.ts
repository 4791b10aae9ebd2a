import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { duckdbColumns, REQUEST_COLUMNS } from "../../../data-loaders/store/schemas/request-row.ts";

describe("request row contract", () => {
  it("maps zod types to DuckDB types", () => {
    const t = duckdbColumns();
    expect(t.request_index).toBe("BIGINT");
    expect(t.ttft_ms).toBe("DOUBLE");
    expect(t.itl_ms).toBe("DOUBLE[]");
    expect(t.status).toBe("VARCHAR");
    expect(t.json_valid).toBe("BOOLEAN");
  });

  it("is documented in the README, column by column, in order", () => {
    const all = readFileSync("README.md", "utf8");
    const start = all.indexOf("### `requests.parquet` columns");
    const readme = all.slice(start, all.indexOf("\n### ", start + 1));
    const types = duckdbColumns();
    const documented = [...readme.matchAll(/^\| `([a-z0-9_]+)` \| ([A-Z[\]]+) \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(documented).toEqual(REQUEST_COLUMNS.map((c) => `${c} ${types[c]}`));
  });
});
