// Streaming and non-streaming answers: consistency, determinism, limits, structured output and
// the per-profile behaviour on the candidate-evaluation task.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { candidateAnswerSchema, generateCandidatePrompts } from "../../data-loaders/experiment/candidate-profiles.ts";
import { composeAnswer } from "../../data-loaders/sim/answers.ts";
import { PROFILES, type ProfileName } from "../../data-loaders/sim/profiles.ts";
import { startSimulator, type Simulator } from "../../data-loaders/sim/simulator.ts";
import { chatPromptTokens, countTokens, splitTokens } from "../../data-loaders/sim/tokenizer.ts";
import { jsonEvents, postJson, readSse, streamedText } from "./http.ts";

const prompts = generateCandidatePrompts(200, 11, "detailed");
const joined = (i: number): string => prompts[i]!.messages.map((m) => m.content).join("\n");

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ profile: "gemma-3-4b@rtx-4080", speedup: 500, seed: 5 });
});
afterAll(async () => {
  await sim.close();
});

const ask = (extra: Record<string, unknown>, headers: Record<string, string> = {}) =>
  postJson(
    `${sim.url}/v1/chat/completions`,
    { messages: prompts[0]!.messages, max_completion_tokens: 2000, temperature: 0.8, seed: 42, ...extra },
    headers,
  );

describe("tokenizer", () => {
  it("pieces join back to the text and average about 4 characters", () => {
    const text = prompts
      .slice(0, 20)
      .map((p) => p.messages.at(-1)!.content)
      .join("\n");
    expect(splitTokens(text).join("")).toBe(text);
    const ratio = text.length / countTokens(text);
    expect(ratio).toBeGreaterThan(3.3);
    expect(ratio).toBeLessThan(5);
    expect(splitTokens("Hi 😊 café")).toEqual(["Hi", " 😊", " café"]);
  });

  it("chat prompt tokens include the profile's template overhead", () => {
    const messages = [{ role: "user", content: "hello world" }];
    expect(chatPromptTokens(PROFILES["gemma-3-4b@rtx-4080"], messages)).toBe(4 + 4 + 2);
    expect(chatPromptTokens(PROFILES["llama-3.2-1b@rtx-4080"], messages)).toBe(25 + 5 + 2);
  });
});

describe("streaming and non-streaming", () => {
  it("stream text equals the non-streaming answer, and usage matches the chunks", async () => {
    const full = await (await ask({})).json();
    const events = jsonEvents(
      await readSse(await ask({ stream: true, stream_options: { include_usage: true, continuous_usage_stats: true } })),
    );
    expect(streamedText(events)).toBe(full.choices[0].message.content);
    const usage = events.at(-1)!.usage;
    expect(usage).toEqual({
      prompt_tokens: full.usage.prompt_tokens,
      total_tokens: full.usage.total_tokens,
      completion_tokens: full.usage.completion_tokens,
    });
    // One chunk per token: every content chunk, then the EOS finish chunk; continuous usage counts up.
    const tokenChunks = events.slice(1, -1);
    expect(tokenChunks).toHaveLength(usage.completion_tokens);
    tokenChunks.forEach((e, i) => expect(e.usage.completion_tokens).toBe(i + 1));
    expect(events[0]!.usage.completion_tokens).toBe(0);
    expect(countTokens(full.choices[0].message.content) + 1).toBe(full.usage.completion_tokens);
  });

  it("the same seed gives the same answer; another request seed can differ", async () => {
    const a = await (await ask({})).json();
    const b = await (await ask({})).json();
    expect(b.choices[0].message.content).toBe(a.choices[0].message.content);
    const others = await Promise.all(
      [1, 2, 3, 4, 5].map(async (seed) => (await (await ask({ seed })).json()).choices[0].message.content),
    );
    expect(others.some((c) => c !== a.choices[0].message.content)).toBe(true);
    const other = await startSimulator({ profile: "gemma-3-4b@rtx-4080", speedup: 500, seed: 5 });
    try {
      const c = await (
        await postJson(`${other.url}/v1/chat/completions`, {
          messages: prompts[0]!.messages,
          max_completion_tokens: 2000,
          temperature: 0.8,
          seed: 42,
        })
      ).json();
      expect(c.choices[0].message.content).toBe(a.choices[0].message.content);
    } finally {
      await other.close();
    }
  });

  it("max_completion_tokens cuts with finish_reason length; max_tokens is honoured too", async () => {
    const cut = await (await ask({ max_completion_tokens: 7 })).json();
    expect(cut.choices[0]).toMatchObject({ finish_reason: "length", stop_reason: null });
    expect(cut.usage.completion_tokens).toBe(7);
    const legacy = await (await ask({ max_completion_tokens: undefined, max_tokens: 9 })).json();
    expect(legacy.usage.completion_tokens).toBe(9);
    const events = jsonEvents(await readSse(await ask({ stream: true, max_completion_tokens: 3 })));
    expect(events.at(-1)!.choices[0]).toMatchObject({ finish_reason: "length" });
    expect(events.at(-1)!.choices[0].delta.content.length).toBeGreaterThan(0);
  });

  it("X-Request-Id becomes the response id", async () => {
    expect((await (await ask({}, { "x-request-id": "my-req-7" })).json()).id).toBe("chatcmpl-my-req-7");
    const res = await postJson(`${sim.url}/v1/completions`, { prompt: "abc", max_tokens: 2 }, { "x-request-id": "x9" });
    expect((await res.json()).id).toBe("cmpl-x9");
  });

  it("json_schema structured output is valid for the schema", async () => {
    const schema = z.toJSONSchema(candidateAnswerSchema);
    for (const i of [0, 1, 2, 3]) {
      const res = await postJson(`${sim.url}/v1/chat/completions`, {
        messages: prompts[i]!.messages,
        max_completion_tokens: 2000,
        temperature: 0,
        response_format: { type: "json_schema", json_schema: { name: "candidate", schema } },
      });
      const content = (await res.json()).choices[0].message.content;
      expect(candidateAnswerSchema.safeParse(JSON.parse(content)).success).toBe(true);
    }
    const other = z.object({
      title: z.string(),
      tags: z.array(z.string()).min(2),
      rating: z.number().int().min(1).max(10),
    });
    const res = await postJson(`${sim.url}/v1/chat/completions`, {
      messages: [{ role: "user", content: "Describe a book." }],
      max_completion_tokens: 500,
      response_format: { type: "json_schema", json_schema: { name: "book", schema: z.toJSONSchema(other) } },
    });
    expect(other.safeParse(JSON.parse((await res.json()).choices[0].message.content)).success).toBe(true);
  });

  it("client disconnect aborts the request (finished_reason abort)", async () => {
    const slow = await startSimulator({ profile: "gemma-3-4b@rtx-4080", speedup: 5, groundTruth: true });
    try {
      const ctrl = new AbortController();
      const res = await fetch(`${slow.url}/v1/chat/completions`, {
        method: "POST",
        signal: ctrl.signal,
        headers: { "content-type": "application/json", "x-request-id": "gone" },
        body: JSON.stringify({ messages: prompts[1]!.messages, max_completion_tokens: 2000, stream: true }),
      });
      const reader = res.body!.getReader();
      await reader.read();
      ctrl.abort();
      await new Promise((r) => setTimeout(r, 50));
      const text = await (await fetch(`${slow.url}/metrics`)).text();
      expect(text).toMatch(
        /vllm:request_success_total\{engine="0",finished_reason="abort",model_name="google\/gemma-3-4b-it"\} 1\.0/,
      );
      expect(text).toMatch(/vllm:num_requests_running\{[^}]*\} 0\.0/);
      const truth = slow.groundTruth().find((r) => r.requestId === "gone")!;
      expect(truth.finishReason).toBe("abort");
      expect(truth.completionTokens).toBeLessThan(50);
    } finally {
      await slow.close();
    }
  });
});

describe("candidate evaluation behaviour by profile", () => {
  const answer = (profile: ProfileName, i: number, extra: Partial<Parameters<typeof composeAnswer>[0]> = {}) =>
    composeAnswer({
      profile: PROFILES[profile],
      simSeed: 1,
      content: joined(i),
      temperature: 0,
      requestSeed: undefined,
      jsonSchema: undefined,
      enableThinking: true,
      ...extra,
    });
  const validShare = (profile: ProfileName): number => {
    let valid = 0;
    for (let i = 0; i < prompts.length; i++) {
      try {
        if (candidateAnswerSchema.safeParse(JSON.parse(answer(profile, i).content)).success) valid++;
      } catch {
        // not JSON
      }
    }
    return valid / prompts.length;
  };
  const recommendation = (profile: ProfileName, i: number): string | undefined => {
    const text = answer(profile, i).content;
    const json = /\{[\s\S]*\}/.exec(text.replace(/<think>[\s\S]*<\/think>/, ""))?.[0];
    try {
      return json ? (JSON.parse(json) as { recommendation?: string }).recommendation : undefined;
    } catch {
      return undefined;
    }
  };

  it("llama-3.2-1b often breaks the format, gemma-3-4b mostly does not", () => {
    const llama = validShare("llama-3.2-1b@rtx-4080");
    const gemma = validShare("gemma-3-4b@rtx-4080");
    expect(llama).toBeGreaterThan(0.5);
    expect(llama).toBeLessThan(0.85);
    expect(gemma).toBeGreaterThan(0.9);
    const llamaTexts = prompts.map((_, i) => answer("llama-3.2-1b@rtx-4080", i).content);
    expect(llamaTexts.some((t) => t.startsWith("```json"))).toBe(true);
    expect(llamaTexts.some((t) => t.startsWith("**Recommendation:**"))).toBe(true);
  });

  it("qwen3-4b thinks inline or in the reasoning field, not when thinking is off or output is structured", () => {
    expect(answer("qwen3-4b@rtx-4080", 0).content).toMatch(/^<think>\n[\s\S]+\n<\/think>\n\n\{/);
    const parsed = answer("qwen3-4b-reasoning-parser@rtx-4080", 0);
    expect(parsed.reasoning.length).toBeGreaterThan(100);
    expect(parsed.content.trim().startsWith("{")).toBe(true);
    expect(answer("qwen3-4b@rtx-4080", 0, { enableThinking: false }).content.startsWith("{")).toBe(true);
    const schema = z.toJSONSchema(candidateAnswerSchema);
    for (const profile of [
      "qwen3-4b@rtx-4080",
      "qwen3-4b-reasoning-parser@rtx-4080",
      "llama-3.2-1b@rtx-4080",
    ] as const) {
      for (const i of [0, 1, 2, 3, 4, 5]) {
        const structured = answer(profile, i, { jsonSchema: schema });
        expect(candidateAnswerSchema.safeParse(JSON.parse(structured.content)).success).toBe(true);
      }
    }
  });

  it("recommendations follow the candidate, so models mostly but not always agree", () => {
    let agree = 0;
    const seen = new Set<string>();
    for (let i = 0; i < prompts.length; i++) {
      const a = recommendation("gemma-3-4b@rtx-4080", i);
      const b = recommendation("gemma-3-12b@rtx-4080", i);
      if (a) seen.add(a);
      if (a === b) agree++;
    }
    expect(agree / prompts.length).toBeGreaterThan(0.6);
    expect(agree / prompts.length).toBeLessThan(0.98);
    expect([...seen].sort()).toEqual(["maybe", "no", "strong_yes", "yes"]);
  });

  it("the reasoning-field profile streams `reasoning` deltas before the content", async () => {
    const qwen = await startSimulator({ profile: "qwen3-4b-reasoning-parser@rtx-4080", speedup: 500 });
    try {
      const events = jsonEvents(
        await readSse(
          await postJson(`${qwen.url}/v1/chat/completions`, {
            messages: prompts[0]!.messages,
            max_completion_tokens: 2000,
            stream: true,
          }),
        ),
      );
      const deltas = events.slice(1).map((e) => e.choices[0].delta);
      const firstContent = deltas.findIndex((d) => "content" in d);
      expect(deltas[0]).toHaveProperty("reasoning");
      expect(firstContent).toBeGreaterThan(10);
      expect(deltas.slice(firstContent).every((d) => !("reasoning" in d))).toBe(true);
      const full = await (
        await postJson(`${qwen.url}/v1/chat/completions`, {
          messages: prompts[0]!.messages,
          max_completion_tokens: 2000,
        })
      ).json();
      expect(full.choices[0].message.reasoning.length).toBeGreaterThan(100);
    } finally {
      await qwen.close();
    }
  });
});
