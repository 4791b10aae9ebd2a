import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hashJson } from "../../data-loaders/experiment/hash.ts";
import { loadExperiment, loadExperiments } from "../../data-loaders/experiment/load.ts";
import { smallSpec, tempDir, writeExperiment } from "../helpers/temp.ts";

const BAD = "test/fixtures/bad-experiments";
const LIMIT_S = 3;

describe("loading malformed experiment files", async () => {
  // A short limit: one file of the corpus never finishes loading.
  const started = performance.now();
  const { experiments, errors } = await loadExperiments(BAD, { timeLimitS: LIMIT_S });
  const tookS = (performance.now() - started) / 1000;
  const cases = readdirExpectations();

  it("has a corpus of at least 50 malformed files", () => expect(cases.length).toBeGreaterThanOrEqual(50));

  it("stops a file that never finishes loading at the limit and checks the others", () => {
    expect(errors.map((e) => e.message)).toContain(
      `${BAD}/load-never-finishes.ts: did not finish loading within ${LIMIT_S} s (an endless loop, or an await that never settles?)`,
    );
    const after = errors.filter((e) => e.file > `${BAD}/load-never-finishes.ts`);
    expect(after.length).toBeGreaterThan(10); // the files after it were still checked
    expect(tookS).toBeLessThan(LIMIT_S + 60);
  });

  it("quotes no key given in a server URL", () => {
    const messages = errors.map((e) => e.message).join("\n");
    expect(messages).toContain("credentials in the URL");
    expect(messages).not.toContain("sk-corpus-secret");
  });

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
      for (const text of expected) expect(messages.join("\n")).toContain(`${file}: ${text}`);
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

/** Each corpus file with its expected messages (its `// expect:` lines; "(valid …)" for a valid one). */
function readdirExpectations(): { file: string; expected: string[] }[] {
  return readdirSync(BAD)
    .filter((f) => /\.m?ts$/.test(f))
    .map((f) => ({
      file: join(BAD, f),
      expected: [...readFileSync(join(BAD, f), "utf8").matchAll(/^\/\/ expect: (.*)$/gm)].map((m) => m[1]!),
    }))
    .filter((c) => c.expected.length > 0 && !c.expected[0]!.startsWith("(valid"));
}

describe("quality: what is sent is in the spec hash; checks, truth and the judge are not", async () => {
  const tmp = tempDir("load-quality");
  afterAll(() => tmp.cleanup());
  const load = async (id: string, quality: string, prompts?: string) =>
    loadExperiment(
      writeExperiment(
        tmp.dir,
        id,
        smallSpec({ extra: "" })
          .replace(
            /quality: \{[^\n]*\},\n/,
            `quality: { schema: z.object({ recommendation: z.enum(["strong_yes", "yes", "maybe", "no"]) }), ${quality} },\n`,
          )
          .replace(/prompts: \{[^}]*\}/, prompts ?? "$&"),
      ),
    );
  const judge = (rubric: string) =>
    `judge: { server: { simulate: "judge@rtx-4080" }, rubric: "${rubric}", scale: "pass-fail" }`;
  const inline = (expected: string) => `prompts: { inline: [{ id: "a", prompt: "Hello", expected: ${expected} }] }`;
  const [plain, fnA, fnA2, fnB, judgedA, judgedB, tolerant, truthYes, truthNo] = await Promise.all([
    load("plain", ""),
    load("fn-a", `checks: [{ name: "yes", fn: (a) => (a as { recommendation?: string })?.recommendation === "yes" }]`),
    load(
      "fn-a2",
      `checks: [{ name: "yes", fn: (a: unknown) => /* a comment */ (a as  { recommendation?: string })?.recommendation   ===   "yes" }]`,
    ),
    load("fn-b", `checks: [{ name: "yes", fn: (a) => (a as { recommendation?: string })?.recommendation === "no" }]`),
    load("judged-a", judge("Grade {{answer}} for {{prompt}}.")),
    load("judged-b", judge("Grade {{answer}} against {{expected}}.")),
    load("tolerant", "tolerance: { recommendation: 1 }"),
    load("truth-yes", "", inline(`{ recommendation: "yes" }`)),
    load("truth-no", "", inline(`{ recommendation: "no" }`)),
  ]);

  it("checks are in the scoring hash, a function by its source text: editing one re-scores, never re-runs", () => {
    const checks = (fnA.scoringSpec as { checks: { fn: string }[] }).checks;
    // The source as loaded: TypeScript compiled, so types, comments and formatting do not count.
    expect(checks[0]!.fn).toMatch(/recommendation\s*===\s*"yes"/);
    expect(fnA.scoringHash).not.toBe(fnB.scoringHash);
    expect(fnA2.scoringHash).toBe(fnA.scoringHash);
    expect(fnA.scoringHash).not.toBe(plain.scoringHash);
    for (const e of [fnA, fnA2, fnB]) expect(e.specHash).toBe(plain.specHash);
    expect(fnA.resolvedSpec.quality).not.toHaveProperty("checks");
    expect(typeof fnA.spec.quality!.checks![0]!.fn).toBe("function");
  });

  it("the tolerance is in the scoring hash only", () => {
    expect(tolerant.specHash).toBe(plain.specHash);
    expect(tolerant.scoringHash).not.toBe(plain.scoringHash);
  });

  it("the judge is in neither hash: a rubric edit re-judges without re-sending or re-scoring", () => {
    expect(judgedA.specHash).toBe(plain.specHash);
    expect(judgedB.specHash).toBe(plain.specHash);
    expect(judgedA.scoringHash).toBe(plain.scoringHash);
    expect(judgedA.resolvedSpec.quality).not.toHaveProperty("judge");
    expect(judgedA.spec.quality!.judge!.rubric).toMatch(/\{\{prompt\}\}/);
  });

  it("the truth is in the scoring hash, not in the prompt hash: prompts are hashed as sent", () => {
    expect(plain.prompts.every((p) => p.expected !== undefined)).toBe(true);
    expect(plain.promptHash).toBe(hashJson(plain.prompts.map(({ expected: _e, ...sent }) => sent)));
    expect(truthYes.promptHash).toBe(truthNo.promptHash);
    expect(truthYes.specHash).toBe(truthNo.specHash);
    expect(truthYes.scoringHash).not.toBe(truthNo.scoringHash);
  });
});

describe("electricityPerKWh", () => {
  const tmp = tempDir("electricity");
  afterAll(() => tmp.cleanup());

  it("is a report setting outside the spec hash, and a negative price names the field", async () => {
    const priced = (extra: string) => writeExperiment(tmp.dir, "priced", smallSpec({ extra }));
    const cheap = await loadExperiment(priced("electricityPerKWh: 0.12,"));
    const dear = await loadExperiment(priced("electricityPerKWh: 0.45,"));
    const none = await loadExperiment(priced(""));
    expect(dear.specHash).toBe(cheap.specHash);
    expect(none.specHash).toBe(cheap.specHash);
    expect(cheap.spec.electricityPerKWh).toBe(0.12);
    await expect(loadExperiment(priced("electricityPerKWh: -1,"))).rejects.toThrow(/priced\.ts: electricityPerKWh/);
  });
});
