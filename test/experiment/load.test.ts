import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadExperiments } from "../../data-loaders/experiment/load.ts";

const BAD = "test/fixtures/bad-experiments";

describe("loading malformed experiment files", async () => {
  const { experiments, errors } = await loadExperiments(BAD);
  const cases = readdirExpectations();

  it("loads only the valid file and reports every other one", () => {
    expect(experiments.map((e) => e.id)).toEqual(["twin"]);
    for (const { file } of cases) expect(errors.some((e) => e.file === file), `no error for ${file}`).toBe(true);
  });

  for (const { file, expected } of cases) {
    it(`${basename(file)}: names the file and the field`, () => {
      const messages = errors.filter((e) => e.file === file).map((e) => e.message);
      expect(messages.join("\n")).toContain(`${file}: ${expected}`);
    });
  }
});

describe("loading a valid experiment", () => {
  it("resolves prompts and gives a stable spec hash that ignores prose", async () => {
    const a = await loadExperiments("experiments");
    const b = await loadExperiments("experiments");
    expect(a.errors).toEqual([]);
    expect(a.experiments.length).toBeGreaterThanOrEqual(3);
    for (const [i, e] of a.experiments.entries()) {
      expect(e.prompts.length).toBeGreaterThan(0);
      expect(e.specHash).toMatch(/^[0-9a-f]{64}$/);
      expect(e.specHash).toBe(b.experiments[i]!.specHash);
      expect(e.resolvedSpec).not.toHaveProperty("notes");
      expect(e.resolvedSpec).not.toHaveProperty("title");
    }
    expect(new Set(a.experiments.map((e) => e.specHash)).size).toBe(a.experiments.length);
  });
});

function readdirExpectations(): { file: string; expected: string }[] {
  const files = ["Bad_Id.ts", "bad-url.ts", "concurrency-negative.ts", "concurrency-zero.ts", "duplicate-prompt-id.ts", "malformed-jsonl-line.ts",
    "missing-prompt-file.ts", "missing-title.ts", "no-default-export.ts", "schema-not-zod.ts", "syntax-error.ts", "temperature-too-high.ts",
    "twin.ts", "unknown-field.ts", "unknown-nested-field.ts", "unknown-profile.ts", "wrong-type-requests.ts"];
  return files.map((f) => {
    const file = join(BAD, f);
    const expected = /^\/\/ expect: (.*)$/m.exec(readFileSync(file, "utf8"))![1]!;
    return { file, expected };
  });
}
