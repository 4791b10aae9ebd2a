import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { pairwiseRowSchema, qualityRowSchema } from "../../../data-loaders/store/schemas/quality.ts";
import { duckdbColumns } from "../../../data-loaders/store/schemas/request-row.ts";

/** The `| \`column\` | TYPE | meaning |` rows of the README section under `heading`. */
function documented(heading: string): string[] {
  const readme = readFileSync("README.md", "utf8");
  const start = readme.indexOf(heading);
  expect(start, heading).toBeGreaterThan(0);
  const section = readme.slice(start, readme.indexOf("\n### ", start + 1));
  return [...section.matchAll(/^\| `([a-z0-9_]+)` \| (.+?) \| .+ \|$/gm)].map((m) => `${m[1]} ${m[2]}`);
}

describe("quality files contract", () => {
  it("maps lists of structs to DuckDB STRUCT lists", () => {
    const t = duckdbColumns(qualityRowSchema);
    expect(t.checks).toBe(`STRUCT("name" VARCHAR, "pass" BOOLEAN, "score" DOUBLE, "reason" VARCHAR)[]`);
    expect(t.request_index).toBe("BIGINT");
    expect(t.judge_score).toBe("BIGINT");
    expect(t.correct).toBe("BOOLEAN");
  });

  for (const [file, schema] of [
    ["quality.parquet", qualityRowSchema],
    ["pairwise.parquet", pairwiseRowSchema],
  ] as const) {
    it(`${file} is documented in the README, column by column, in order`, () => {
      const types = duckdbColumns(schema);
      expect(documented(`### \`${file}\` columns`)).toEqual(Object.keys(schema.shape).map((c) => `${c} ${types[c]}`));
    });
  }
});
