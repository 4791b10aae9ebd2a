// Sampling parameters and vLLM extras in the workload: validated with vLLM's bounds, sent in
// vLLM's names, and part of the spec hash only when given (existing experiments keep their hash).
import { afterAll, describe, expect, it } from "vitest";
import { experimentSchema } from "../../data-loaders/experiment/schema.ts";
import { samplingParams } from "../../data-loaders/experiment/sampling.ts";
import { SpecError } from "../../data-loaders/experiment/errors.ts";
import { loadSpec, simulatedSpec, urlSpec, type TestSpec } from "../helpers/spec.ts";
import { tempDir } from "../helpers/temp.ts";

const tmp = tempDir("sampling");
afterAll(() => tmp.cleanup());

const base = simulatedSpec();
const withWorkload = (over: Record<string, unknown>): TestSpec =>
  ({ ...base, workload: { ...base.workload, ...over } }) as TestSpec;

/** The issues of a spec as "path: message". */
function issues(over: Record<string, unknown>): string[] {
  const spec = { ...withWorkload(over), quality: undefined };
  const parsed = experimentSchema.safeParse(spec);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("spec hash", () => {
  it("omitted fields keep the hashes experiments had before the fields existed", async () => {
    // Hashes computed with the tracker before sampling fields were added (same specs, same prompts).
    const plain = await loadSpec(tmp.dir, "plain", simulatedSpec());
    expect(plain.specHash).toBe("85ded8dae1a1cacd03718c1117cfeb3e8e3c1656c844b344e27d75be14b7196e");
    const completions = await loadSpec(
      tmp.dir,
      "completions",
      urlSpec("http://gpu-box:8000", "google/gemma-3-4b-it", {
        workload: {
          prompts: { inline: ["Say hi", { id: "x", prompt: "Count to 3" }] },
          api: "completions",
          stream: false,
          maxTokens: 32,
          temperature: 0.7,
          seed: 5,
        },
      }),
    );
    expect(completions.specHash).toBe("29de3d0627e308d7eae0822c030fcadcfb2b29bc4d63306676607e79f46cd6f1");
  });

  it("each field given changes the hash", async () => {
    const plain = (await loadSpec(tmp.dir, "h0", base)).specHash;
    const variants: Record<string, unknown>[] = [
      { topP: 0.9 },
      { topK: 20 },
      { minP: 0.05 },
      { repetitionPenalty: 1.1 },
      { presencePenalty: 0.5 },
      { frequencyPenalty: -0.5 },
      { stop: ["</answer>"] },
      { ignoreEos: true },
      { minTokens: 8 },
      { logprobs: true },
      { logprobs: true, topLogprobs: 5 },
      { extraBody: { chat_template_kwargs: { enable_thinking: false } } },
    ];
    const hashes = new Set([plain]);
    for (const [i, v] of variants.entries())
      hashes.add((await loadSpec(tmp.dir, `h${i + 1}`, withWorkload(v))).specHash);
    expect(hashes.size).toBe(variants.length + 1);
  });
});

describe("validation", () => {
  it("accepts vLLM's ranges, fixed-length benchmarking included", () => {
    expect(
      issues({ topP: 1, topK: 0, minP: 0, repetitionPenalty: 1, presencePenalty: -2, frequencyPenalty: 2 }),
    ).toEqual([]);
    // vLLM quietly takes top_k −1 as off, as its older releases wrote it.
    expect(issues({ topK: -1 })).toEqual([]);
    expect(issues({ ignoreEos: true, minTokens: 256, maxTokens: 256 })).toEqual([]);
    expect(issues({ stop: "\n\n" })).toEqual([]);
  });

  it("refuses what vLLM answers 400 for, naming the field", () => {
    expect(issues({ topP: 0 })).toEqual([expect.stringMatching(/^workload\.topP: /)]);
    expect(issues({ topK: -2 })).toEqual([expect.stringMatching(/^workload\.topK: /)]);
    expect(issues({ minP: 1.5 })).toEqual([expect.stringMatching(/^workload\.minP: /)]);
    expect(issues({ repetitionPenalty: 0 })).toEqual([expect.stringMatching(/^workload\.repetitionPenalty: /)]);
    expect(issues({ presencePenalty: 2.5 })).toEqual([expect.stringMatching(/^workload\.presencePenalty: /)]);
    expect(issues({ stop: [] })).toEqual([expect.stringMatching(/^workload\.stop: /)]);
    expect(issues({ minTokens: 300 })).toEqual([
      "workload.minTokens: must not exceed maxTokens (256): vLLM refuses min_tokens > max_tokens",
    ]);
    expect(issues({ topLogprobs: 3 })).toEqual([
      "workload.topLogprobs: needs logprobs: true (vLLM refuses top_logprobs without logprobs)",
    ]);
  });

  it("tools are chat only and a tool choice needs tools", () => {
    const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }];
    expect(issues({ tools, toolChoice: "auto" })).toEqual([]);
    expect(issues({ tools, toolChoice: { type: "function", function: { name: "get_weather" } } })).toEqual([]);
    expect(issues({ tools, api: "completions" })).toEqual([
      'workload.tools: needs api: "chat" (tools are a chat feature)',
    ]);
    expect(issues({ toolChoice: "required" })).toEqual(["workload.toolChoice: needs tools to choose from"]);
    expect(issues({ tools: [{ type: "function", function: { name: "has space" } }] })).toEqual([
      expect.stringMatching(/^workload\.tools\.0\.function\.name: /),
    ]);
  });

  it("extraBody is JSON and never sets a field the tracker or a workload field sets", () => {
    expect(issues({ extraBody: { chat_template_kwargs: { enable_thinking: false }, priority: 1 } })).toEqual([]);
    expect(issues({ extraBody: { max_tokens: 10, top_p: 0.5, stream_options: {} } })).toEqual([
      "workload.extraBody.max_tokens: is set by workload.maxTokens: give it there, not in extraBody",
      "workload.extraBody.top_p: is set by workload.topP: give it there, not in extraBody",
      "workload.extraBody.stream_options: is set by the tracker (it always asks for usage): give it there, not in extraBody",
    ]);
    expect(issues({ extraBody: { n: 2 } })).toEqual([
      "workload.extraBody.n: is set by the tracker (one answer per request): give it there, not in extraBody",
    ]);
    expect(issues({ extraBody: { when: new Date(0) } })).toEqual([
      expect.stringMatching(/^workload\.extraBody\.when: /),
    ]);
  });

  it("a mistake in the file is reported with the file and field", async () => {
    const error = await loadSpec(tmp.dir, "bad-sampling", withWorkload({ minTokens: 999 })).catch((e: unknown) => e);
    const first = Array.isArray(error) ? error[0] : error;
    expect(first).toBeInstanceOf(SpecError);
    expect((first as SpecError).field).toBe("workload.minTokens");
    expect((first as SpecError).file).toMatch(/bad-sampling\.ts$/);
  });
});

describe("samplingParams", () => {
  it("sends each field in vLLM's name, extraBody as given", () => {
    expect(
      samplingParams({
        api: "chat",
        maxTokens: 64,
        topP: 0.9,
        topK: 20,
        minP: 0.05,
        repetitionPenalty: 1.1,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
        stop: ["</answer>"],
        ignoreEos: true,
        minTokens: 64,
        extraBody: { chat_template_kwargs: { enable_thinking: false } },
      }),
    ).toEqual({
      top_p: 0.9,
      top_k: 20,
      min_p: 0.05,
      repetition_penalty: 1.1,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      stop: ["</answer>"],
      ignore_eos: true,
      min_tokens: 64,
      chat_template_kwargs: { enable_thinking: false },
    });
    expect(samplingParams({ api: "chat", maxTokens: 64 })).toEqual({});
  });

  it("asks for logprobs the way each API takes them", () => {
    expect(samplingParams({ api: "chat", maxTokens: 8, logprobs: true, topLogprobs: 3 })).toEqual({
      logprobs: true,
      top_logprobs: 3,
    });
    expect(samplingParams({ api: "chat", maxTokens: 8, logprobs: true })).toEqual({ logprobs: true });
    expect(samplingParams({ api: "completions", maxTokens: 8, logprobs: true, topLogprobs: 3 })).toEqual({
      logprobs: 3,
    });
    expect(samplingParams({ api: "completions", maxTokens: 8, logprobs: true })).toEqual({ logprobs: 0 });
    expect(samplingParams({ api: "completions", maxTokens: 8, logprobs: false })).toEqual({});
  });

  it("sends tools and the tool choice", () => {
    const tools = [{ type: "function" as const, function: { name: "f" } }];
    expect(samplingParams({ api: "chat", maxTokens: 8, tools, toolChoice: "auto" })).toEqual({
      tools,
      tool_choice: "auto",
    });
  });
});
