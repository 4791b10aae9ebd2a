import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadExperiments } from "../../data-loaders/experiment/load.ts";

const BAD = "test/fixtures/bad-experiments";

describe("loading malformed experiment files", async () => {
  const { experiments, errors } = await loadExperiments(BAD);
  const cases = readdirExpectations();

  it("has a corpus of at least 30 malformed files", () => expect(cases.length).toBeGreaterThanOrEqual(30));

  it("loads only the valid file and reports every other one", () => {
    expect(experiments.map((e) => e.id)).toEqual(["twin"]);
    for (const { file } of cases)
      expect(
        errors.some((e) => e.file === file),
        `no error for ${file}`,
      ).toBe(true);
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
  return readdirSync(BAD)
    .filter((f) => /\.m?ts$/.test(f))
    .map((f) => ({
      file: join(BAD, f),
      expected: /^\/\/ expect: (.*)$/m.exec(readFileSync(join(BAD, f), "utf8"))![1]!,
    }))
    .filter((c) => !c.expected.startsWith("(valid"));
}
