import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hashJson } from "../../data-loaders/experiment/hash.ts";
import { loadExperiment, loadExperiments } from "../../data-loaders/experiment/load.ts";
import { smallSpec, tempDir, writeExperiment } from "../helpers/temp.ts";

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

describe("quality: checks, judge and ground truth in the spec hash", async () => {
  const tmp = tempDir("load-quality");
  afterAll(() => tmp.cleanup());
  const load = async (id: string, quality: string) =>
    loadExperiment(
      writeExperiment(
        tmp.dir,
        id,
        smallSpec({ extra: "" }).replace(
          /quality: \{[^\n]*\},\n/,
          `quality: { schema: z.object({ recommendation: z.enum(["strong_yes", "yes", "maybe", "no"]) }), ${quality} },\n`,
        ),
      ),
    );
  const judge = (rubric: string) =>
    `judge: { server: { simulate: "judge@rtx-4080" }, rubric: "${rubric}", scale: "pass-fail" }`;
  const [plain, fnA, fnA2, fnB, judgedA, judgedB] = await Promise.all([
    load("plain", ""),
    load("fn-a", `checks: [{ name: "yes", fn: (a) => (a as { recommendation?: string })?.recommendation === "yes" }]`),
    load(
      "fn-a2",
      `checks: [{ name: "yes", fn: (a: unknown) => /* a comment */ (a as  { recommendation?: string })?.recommendation   ===   "yes" }]`,
    ),
    load("fn-b", `checks: [{ name: "yes", fn: (a) => (a as { recommendation?: string })?.recommendation === "no" }]`),
    load("judged-a", judge("Grade {{answer}} for {{prompt}}.")),
    load("judged-b", judge("Grade {{answer}} against {{expected}}.")),
  ]);

  it("a function check is hashed by its source text: editing it re-runs", () => {
    const checks = (fnA.resolvedSpec.quality as { checks: { fn: string }[] }).checks;
    // The source as loaded: TypeScript compiled, so types, comments and formatting do not count.
    expect(checks[0]!.fn).toMatch(/recommendation\s*===\s*"yes"/);
    expect(fnA.specHash).not.toBe(fnB.specHash);
    expect(fnA2.specHash).toBe(fnA.specHash);
    expect(fnA.specHash).not.toBe(plain.specHash);
    expect(typeof fnA.spec.quality!.checks![0]!.fn).toBe("function");
  });

  it("the judge is not part of the spec hash: a rubric edit re-judges without re-sending requests", () => {
    expect(judgedA.specHash).toBe(plain.specHash);
    expect(judgedB.specHash).toBe(plain.specHash);
    expect(judgedA.resolvedSpec.quality).not.toHaveProperty("judge");
    expect(judgedA.spec.quality!.judge!.rubric).toMatch(/\{\{prompt\}\}/);
  });

  it("generated prompts carry the truth, which is part of the prompt hash", () => {
    expect(plain.prompts.every((p) => p.expected !== undefined)).toBe(true);
    expect(plain.promptHash).toBe(hashJson(plain.prompts));
  });
});
