import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SpecError } from "../../data-loaders/experiment/errors.ts";
import { resolvePrompts } from "../../data-loaders/experiment/prompts.ts";
import { workloadSchema } from "../../data-loaders/experiment/schema.ts";
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
      /line 1: body.messages\[0\].content: /,
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
