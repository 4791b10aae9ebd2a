import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { candidateAnswerSchema } from "../../data-loaders/experiment/candidate-profiles.ts";
import { SpecError } from "../../data-loaders/experiment/errors.ts";
import { hashJson } from "../../data-loaders/experiment/hash.ts";
import { resolvePrompts } from "../../data-loaders/experiment/prompts.ts";
import { workloadSchema, type Workload } from "../../data-loaders/experiment/schema.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";

const tmp = tempDir("prompts");
afterAll(() => tmp.cleanup());
const experimentFile = join(tmp.dir, "exp.ts");
const workload = (batch: string, system?: string) =>
  workloadSchema.parse({ prompts: { batch }, maxTokens: 64, temperature: 0, seed: 1, ...(system ? { system } : {}) });

describe("OpenAI batch input as a prompt source", () => {
  it("custom_id becomes the prompt id; messages are kept, text parts joined", () => {
    const file = join(PROJECT, "test/fixtures/openai-batch/candidates.jsonl");
    const prompts = resolvePrompts(workload(relative(tmp.dir, file)), experimentFile);
    expect(prompts.map((p) => p.id)).toEqual(["request-1", "request-2", "request-3"]);
    expect(prompts[0]!.messages).toEqual([
      { role: "system", content: "You are a recruiter. Answer in JSON." },
      { role: "user", content: "Candidate: 5 years of Go, led a team of 4. Recommend?" },
    ]);
    expect(prompts[1]!.messages).toEqual([
      { role: "user", content: "Candidate: new graduate, strong open-source record. Recommend?" },
    ]);
    expect(prompts[2]!.text).toBe("Candidate: 12 years of Java, no references. Recommend?");
  });

  it("the workload's system message comes first", () => {
    writeFileSync(
      join(tmp.dir, "one.jsonl"),
      `{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"Hi"}]}}\n`,
    );
    const [p] = resolvePrompts(workload("one.jsonl", "You are a recruiter."), experimentFile);
    expect(p!.messages.map((m) => m.role)).toEqual(["system", "system", "user"]);
  });

  const bad: [string, string, RegExp][] = [
    ["not-json", `{"custom_id":"a",`, /bad-not-json.jsonl line 1: not valid JSON/],
    [
      "url",
      `{"custom_id":"a","method":"POST","url":"/v1/completions","body":{"messages":[{"role":"user","content":"x"}]}}`,
      /line 1: url: must be "\/v1\/chat\/completions"/,
    ],
    [
      "method",
      `{"custom_id":"a","method":"GET","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"x"}]}}`,
      /line 1: method: must be "POST"/,
    ],
    [
      "no-messages",
      `{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"prompt":"x"}}`,
      /line 1: body.messages: /,
    ],
    [
      "image",
      `{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}}`,
      /line 1: body.messages\[0\].content\[0\].type: only "text" content parts are supported/,
    ],
    [
      "no-id",
      `{"method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"x"}]}}`,
      /line 1: custom_id: /,
    ],
  ];
  for (const [name, line, expected] of bad) {
    it(`a bad line (${name}) names the experiment, the batch file, the line and the field`, () => {
      writeFileSync(join(tmp.dir, `bad-${name}.jsonl`), line + "\n");
      let error: unknown;
      try {
        resolvePrompts(workload(`bad-${name}.jsonl`), experimentFile);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SpecError);
      expect((error as SpecError).field).toBe("workload.prompts.batch");
      expect((error as Error).message).toMatch(expected);
      expect((error as Error).message.startsWith(`${experimentFile}: workload.prompts.batch: `)).toBe(true);
    });
  }

  it("a duplicate custom_id names both lines", () => {
    const line = `{"custom_id":"same","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"x"}]}}`;
    writeFileSync(join(tmp.dir, "dup.jsonl"), `${line}\n\n${line}\n`);
    expect(() => resolvePrompts(workload("dup.jsonl"), experimentFile)).toThrow(
      /dup.jsonl line 3: custom_id: duplicate "same" \(also line 1\)/,
    );
  });

  it("a missing or empty file", () => {
    expect(() => resolvePrompts(workload("missing.jsonl"), experimentFile)).toThrow(
      /missing.jsonl: cannot read batch file: ENOENT/,
    );
    writeFileSync(join(tmp.dir, "empty.jsonl"), "\n");
    expect(() => resolvePrompts(workload("empty.jsonl"), experimentFile)).toThrow(/empty.jsonl: no lines to read/);
  });
});

describe("expected answers (ground truth)", () => {
  const schema = z.object({ recommendation: z.enum(["yes", "no"]), years: z.number().int() });
  const of = (prompts: Workload["prompts"]) =>
    workloadSchema.parse({ prompts, maxTokens: 64, temperature: 0, seed: 1 });
  const error = (f: () => unknown): SpecError => {
    try {
      f();
    } catch (e) {
      return e as SpecError;
    }
    throw new Error("no error");
  };

  it("inline prompts carry it; prompts without it stay as they were", () => {
    const prompts = resolvePrompts(
      of({ inline: [{ id: "a", prompt: "x", expected: { recommendation: "yes" } }, "y"] }),
      experimentFile,
      schema,
    );
    expect(prompts[0]!.expected).toEqual({ recommendation: "yes" });
    expect(prompts[1]).not.toHaveProperty("expected");
  });

  it("is part of the prompt hash: it changes what is scored", () => {
    const hash = (expected?: Record<string, string>) =>
      hashJson(
        resolvePrompts(of({ inline: [expected ? { prompt: "x", expected } : { prompt: "x" }] }), experimentFile),
      );
    expect(hash({ recommendation: "yes" })).not.toBe(hash({ recommendation: "no" }));
    expect(hash({ recommendation: "yes" })).not.toBe(hash());
    expect(hash()).toBe(hashJson(resolvePrompts(of({ inline: ["x"] }), experimentFile)));
  });

  it("a malformed inline expected names the prompt and the field", () => {
    const e = error(() =>
      resolvePrompts(
        of({ inline: ["ok", { prompt: "x", expected: { recommendation: "hire" } }] }),
        experimentFile,
        schema,
      ),
    );
    expect(e).toBeInstanceOf(SpecError);
    expect(e.field).toBe("workload.prompts.inline[1].expected.recommendation");
    expect(e.message).toMatch(/Invalid option: expected one of "yes"\|"no"/);
    expect(
      error(() => resolvePrompts(of({ inline: [{ prompt: "x", expected: { years: 2.5 } }] }), experimentFile, schema))
        .field,
    ).toBe("workload.prompts.inline[0].expected.years");
    expect(
      error(() => resolvePrompts(of({ inline: [{ prompt: "x", expected: { level: 2 } }] }), experimentFile, schema))
        .message,
    ).toMatch(/expected.level: not a field of quality.schema \(recommendation, years\)/);
    // Without a schema nothing but the shape is checked.
    expect(
      resolvePrompts(of({ inline: [{ prompt: "x", expected: { level: 2 } }] }), experimentFile)[0]!.expected,
    ).toEqual({ level: 2 });
  });

  it("JSONL lines carry it; a bad one names the file and the line", () => {
    writeFileSync(
      join(tmp.dir, "truth.jsonl"),
      '{"id": "a", "prompt": "x", "expected": {"recommendation": "no", "years": 3}}\n{"id": "b", "prompt": "y"}\n',
    );
    const prompts = resolvePrompts(of({ jsonl: "truth.jsonl" }), experimentFile, schema);
    expect(prompts.map((p) => p.expected)).toEqual([{ recommendation: "no", years: 3 }, undefined]);
    writeFileSync(
      join(tmp.dir, "bad-truth.jsonl"),
      '{"id": "a", "prompt": "x"}\n\n{"id": "b", "prompt": "y", "expected": {"recommendation": "maybe"}}\n',
    );
    const e = error(() => resolvePrompts(of({ jsonl: "bad-truth.jsonl" }), experimentFile, schema));
    expect(e.field).toBe("workload.prompts.jsonl");
    expect(e.message).toMatch(/bad-truth.jsonl line 3: expected.recommendation: Invalid option/);
    writeFileSync(join(tmp.dir, "empty-truth.jsonl"), '{"prompt": "y", "expected": {}}\n');
    expect(() => resolvePrompts(of({ jsonl: "empty-truth.jsonl" }), experimentFile)).toThrow(
      /empty-truth.jsonl line 1: expected: give at least one field of the answer/,
    );
  });

  it("OpenAI batch lines carry it as a sibling of body", () => {
    const line = (id: string, expected: string) =>
      `{"custom_id":"${id}","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"x"}]}${expected}}`;
    writeFileSync(
      join(tmp.dir, "truth-batch.jsonl"),
      `${line("a", ', "expected": {"recommendation": "yes"}')}\n${line("b", "")}\n`,
    );
    const prompts = resolvePrompts(of({ batch: "truth-batch.jsonl" }), experimentFile, schema);
    expect(prompts.map((p) => [p.id, p.expected])).toEqual([
      ["a", { recommendation: "yes" }],
      ["b", undefined],
    ]);
    writeFileSync(join(tmp.dir, "bad-truth-batch.jsonl"), `${line("a", ', "expected": {"years": "3"}')}\n`);
    expect(() => resolvePrompts(of({ batch: "bad-truth-batch.jsonl" }), experimentFile, schema)).toThrow(
      /workload.prompts.batch: .*bad-truth-batch.jsonl line 1: expected.years: Invalid input: expected number/,
    );
  });

  it("generated prompts carry the generator's truth, kept to the schema's fields", () => {
    const generate = of({ generate: "candidate-profiles", count: 20 });
    const full = resolvePrompts(generate, experimentFile, candidateAnswerSchema);
    expect(full.every((p) => ["strong_yes", "yes", "maybe", "no"].includes(p.expected!.recommendation as string))).toBe(
      true,
    );
    // A schema without the field: no truth to score against.
    expect(resolvePrompts(generate, experimentFile, z.object({ score: z.number() }))[0]).not.toHaveProperty("expected");
    // A schema with another scale for the field: the generator's truth does not fit, and says so.
    expect(() => resolvePrompts(generate, experimentFile, schema)).toThrow(
      /workload.prompts.generate: the generator's ground truth does not fit quality.schema: expected.recommendation: /,
    );
  });
});

describe("where prompt files may be read from", () => {
  const jsonl = (path: string) =>
    workloadSchema.parse({ prompts: { jsonl: path }, maxTokens: 64, temperature: 0, seed: 1 });
  // A folder outside the project (the project is the working directory).
  const outside = mkdtempSync(join(tmpdir(), "tracker-outside-"));
  afterAll(() => rmSync(outside, { recursive: true, force: true }));
  const line = `{"id": "a", "prompt": "hi"}\n`;

  it("reads a file beside the experiment or elsewhere in the project, by a relative or absolute path", () => {
    writeFileSync(join(tmp.dir, "beside.jsonl"), line);
    expect(resolvePrompts(jsonl("beside.jsonl"), experimentFile)).toHaveLength(1);
    expect(resolvePrompts(jsonl(join(tmp.dir, "beside.jsonl")), experimentFile)).toHaveLength(1);
    const inFixtures = relative(tmp.dir, join(PROJECT, "test/fixtures/bad-experiments/unknown-field.jsonl"));
    expect(inFixtures.startsWith("../")).toBe(true);
    expect(() => resolvePrompts(jsonl(inFixtures), experimentFile)).toThrow(/line 1: unknown field/); // read, not refused
  });

  it("refuses a path that leaves the project, absolute or by ../, without reading it", () => {
    writeFileSync(join(outside, "secret.jsonl"), `{"id": "a", "prompt": "sk-do-not-show"}\n`);
    for (const path of [join(outside, "secret.jsonl"), relative(tmp.dir, join(outside, "secret.jsonl"))]) {
      const error = catchError(() => resolvePrompts(jsonl(path), experimentFile));
      expect(error).toBeInstanceOf(SpecError);
      expect(error.message).toContain(
        `workload.prompts.jsonl: ${path}: outside the allowed folders: prompt files must be inside the project folder (${process.cwd()})`,
      );
      expect(error.message).not.toContain("sk-do-not-show");
    }
  });

  it("refuses a symbolic link inside the project to a file outside it", () => {
    writeFileSync(join(outside, "linked.jsonl"), line);
    symlinkSync(join(outside, "linked.jsonl"), join(tmp.dir, "link.jsonl"));
    expect(() => resolvePrompts(jsonl("link.jsonl"), experimentFile)).toThrow(
      "workload.prompts.jsonl: link.jsonl: a symbolic link to a file outside the allowed folders",
    );
  });

  it("reads from the folder named by TRACKER_DATA", () => {
    writeFileSync(join(outside, "data.jsonl"), line);
    const read = () => resolvePrompts(jsonl(join(outside, "data.jsonl")), experimentFile);
    expect(read).toThrow(/outside the allowed folders/);
    process.env.TRACKER_DATA = outside;
    try {
      expect(read()).toHaveLength(1);
    } finally {
      delete process.env.TRACKER_DATA;
    }
  });

  it("refuses what is not a regular file (a FIFO would block the loader)", () => {
    execFileSync("mkfifo", [join(tmp.dir, "pipe.jsonl")]);
    expect(() => resolvePrompts(jsonl("pipe.jsonl"), experimentFile)).toThrow(
      "workload.prompts.jsonl: pipe.jsonl: not a regular file",
    );
  });

  it("quotes at most a short, marked start of a line that is not JSON", () => {
    writeFileSync(
      join(tmp.dir, "long.jsonl"),
      `{"id": "a", "prompt": "0123456789abcdefghij" "sk-beyond-the-excerpt"}\n`,
    );
    const error = catchError(() => resolvePrompts(jsonl("long.jsonl"), experimentFile));
    expect(error.message).toMatch(
      /long\.jsonl line 1: not valid JSON at column 46: Expected ',' or '}' after property value \(the line starts `\{"id": "a", "prompt": "0123456789abcdefg…`\)$/,
    );
    expect(error.message).not.toContain("sk-beyond");
  });

  it("says what a line must be when it is an array or a number", () => {
    writeFileSync(join(tmp.dir, "kinds.jsonl"), `["a"]\n`);
    expect(() => resolvePrompts(jsonl("kinds.jsonl"), experimentFile)).toThrow(
      'kinds.jsonl line 1: a prompt: a string, or an object {"id"?, "prompt", "expected"?} or {"id"?, "messages": [...], "expected"?}; this line is an array',
    );
    writeFileSync(join(tmp.dir, "kinds.jsonl"), `42\n`);
    expect(() => resolvePrompts(jsonl("kinds.jsonl"), experimentFile)).toThrow(
      /kinds\.jsonl line 1: a prompt: .*; this line is a number$/,
    );
    writeFileSync(join(tmp.dir, "kinds.jsonl"), `{"custom_id": "a"}\n[1]\n`);
    expect(() => resolvePrompts(workload("kinds.jsonl"), experimentFile)).toThrow(
      /kinds\.jsonl line 1: method: must be "POST"/,
    );
    writeFileSync(join(tmp.dir, "kinds.jsonl"), `[1]\n`);
    expect(() => resolvePrompts(workload("kinds.jsonl"), experimentFile)).toThrow(
      'kinds.jsonl line 1: a batch request: an object {"custom_id", "method": "POST", "url": "/v1/chat/completions", "body": {"messages": [...]}, "expected"?}; this line is an array',
    );
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}
