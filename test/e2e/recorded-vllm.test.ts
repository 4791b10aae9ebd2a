// A run against a stand-in that answers with recorded vLLM payloads (test/fixtures/vllm/): a LoRA
// adapter listed by /v1/models, no /version, a 0.28.0 tool-call stream, a 0.28.0 stream with
// usage, the current 400 context-overflow body, and two streams vLLM's own client counts as
// successes although the tracker does not: an in-band error event after the answer began
// (synthetic: no public capture exists) and a stream cut before [DONE]. Everything the run stores
// about them comes from the server's own words.
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDigest } from "../../data-loaders/report/digest.ts";
import { runExperiment } from "../../data-loaders/run/runner.ts";
import { readRows } from "../../data-loaders/store/columns.ts";
import { readRunFolder } from "../../data-loaders/store/folders.ts";
import { loadSpec, QUIET, urlSpec } from "../helpers/spec.ts";
import { tempDir } from "../helpers/temp.ts";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "../fixtures/vllm", name), "utf8");
const ADAPTER = "phh/Qwen3-0.6B-TLDR-Lora";
const inBand =
  `data: ${JSON.stringify({ id: "chatcmpl-x", object: "chat.completion.chunk", choices: [{ index: 0, delta: { role: "assistant", content: "Hel" }, finish_reason: null }] })}\n\n` +
  `data: ${JSON.stringify({ error: { message: "KV cache load failed", type: "InternalServerError", param: null, code: 500 } })}\n\n` +
  "data: [DONE]\n\n";
/** What request i of the run is answered with. */
const ANSWERS: [number, string, string][] = [
  [200, "text/event-stream", fixture("chat-stream-0.28.0-tool-call.sse")],
  [200, "text/event-stream", fixture("chat-stream-0.28.0-include-usage.sse")],
  [400, "application/json", fixture("error-400-current.json")],
  [200, "text/event-stream", inBand],
  [200, "text/event-stream", fixture("chat-stream-0.9.2-no-usage.sse").replace("data: [DONE]\n\n", "")],
];

let server: Server;
let url: string;
const bodies: Record<string, unknown>[] = [];

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  if (req.method === "GET" && req.url === "/health") return void res.writeHead(200).end();
  if (req.method === "GET" && req.url === "/v1/models")
    return void res
      .writeHead(200, { "content-type": "application/json" })
      .end(fixture("models-0.9.2-lora-2025-07.json"));
  if (req.method === "POST" && req.url === "/v1/chat/completions") {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    bodies.push(parsed);
    const i = Number(String(req.headers["x-request-id"]).split("-").at(-1));
    const [status, type, text] = ANSWERS[i % ANSWERS.length]!;
    return void res.writeHead(status, { "content-type": type }).end(text);
  }
  res.writeHead(404).end("Not Found"); // no /version, no /metrics
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => answer(req, res, Buffer.concat(parts).toString("utf8")));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe("a run against recorded vLLM payloads", () => {
  const tmp = tempDir("recorded-vllm");
  afterAll(() => tmp.cleanup());

  it("stores the server's words, tool calls, usage checks, vLLM's success count, the adapter and the version", async () => {
    const exp = await loadSpec(
      tmp.dir,
      "lora",
      urlSpec(url, ADAPTER, {
        requests: 5,
        load: { concurrency: 1 },
        workload: {
          prompts: { inline: ["What is the weather like in Seoul?"] },
          maxTokens: 32,
          temperature: 0,
          seed: 1,
          ignoreEos: true,
          minTokens: 32,
          tools: [{ type: "function", function: { name: "search_vectors", parameters: { type: "object" } } }],
          toolChoice: "auto",
        },
      }),
    );
    const { dir, manifest } = await runExperiment(exp, { resultsRoot: join(tmp.dir, "results"), ...QUIET });
    expect(bodies[0]).toMatchObject({ model: ADAPTER, ignore_eos: true, min_tokens: 32, tool_choice: "auto" });
    // No /version: the version is the one the responses' system_fingerprint names; the adapter's
    // context length is its base model's.
    expect(manifest.server_facts).toMatchObject({
      version: "0.28.0",
      version_source: "system_fingerprint",
      system_fingerprint: "vllm-0.28.0-54757788",
      root: "Qwen/Qwen3-0.6B",
      max_model_len: 8192,
      adapter: { name: ADAPTER, path: ADAPTER, base_model: "Qwen/Qwen3-0.6B" },
    });
    const rows = await readRows(join(dir, "requests.parquet"), [
      "status",
      "error_class",
      "error_type",
      "error_code",
      "error_param",
      "overflow_limit_tokens",
      "overflow_prompt_tokens",
      "vllm_success",
      "answer",
      "tool_call_count",
      "tool_call_names",
      "tool_call_types",
      "tool_call_args_json",
      "stop_token_id",
      "total_tokens",
      "usage_mismatch",
      "system_fingerprint",
      "last_chunk_ms",
      "done_ms",
    ]);
    expect(rows[0]).toMatchObject({
      status: "ok",
      answer: "",
      tool_call_count: 1,
      tool_call_names: ["search_vectors"],
      tool_call_types: ["function"],
      tool_call_args_json: [true],
      stop_token_id: 50,
      total_tokens: null,
      usage_mismatch: null,
    });
    expect(rows[1]).toMatchObject({ status: "ok", total_tokens: 56, usage_mismatch: false, stop_token_id: 106 });
    expect(rows[1]!.last_chunk_ms!).toBeLessThanOrEqual(rows[1]!.done_ms!);
    expect(rows[2]).toMatchObject({
      status: "error",
      error_class: "context_length",
      error_type: "BadRequestError",
      error_code: "400",
      error_param: "input_tokens",
      overflow_limit_tokens: 4096,
      overflow_prompt_tokens: 5000,
      vllm_success: false,
    });
    expect(rows[3]).toMatchObject({
      status: "error",
      error_class: "in_band_error",
      error_code: "500",
      vllm_success: true,
    });
    expect(rows[4]).toMatchObject({ status: "error", error_class: "malformed_stream", vllm_success: true });
    const digest = await runDigest(readRunFolder(dir, "lora")!);
    expect(digest.success).toEqual({
      completed: 2,
      vllmCompleted: 4,
      differences: [
        { status: "error", error_class: "in_band_error", vllm_success: true, requests: 1 },
        { status: "error", error_class: "malformed_stream", vllm_success: true, requests: 1 },
      ],
    });
    // Only the 0.28.0 include-usage stream reported all three counts, and they add up.
    expect(digest.usage).toEqual({ checked: 1, mismatched: 0 });
    expect(digest.peaks?.peakConcurrentRequests).toBe(1);
  });

  it("an open-loop run's duration starts at the schedule's origin, before the first gap", async () => {
    const exp = await loadSpec(
      tmp.dir,
      "open",
      urlSpec(url, ADAPTER, {
        requests: 4,
        load: { rate: 20 },
        workload: { prompts: { inline: ["hi"] }, maxTokens: 8, temperature: 0, seed: 2 },
      }),
    );
    const { dir, manifest } = await runExperiment(exp, { resultsRoot: join(tmp.dir, "results"), ...QUIET });
    const rows = await readRows(join(dir, "requests.parquet"), ["sent_ms", "done_ms"]);
    const firstSent = Math.min(...rows.map((r) => r.sent_ms!));
    expect(manifest.load_started_ms).toBeDefined();
    expect(manifest.load_started_ms!).toBeLessThan(firstSent);
    const digest = await runDigest(readRunFolder(dir, "open")!);
    const lastDone = Math.max(...rows.map((r) => r.done_ms!));
    expect(digest.summary!.durationS).toBeCloseTo((lastDone - manifest.load_started_ms!) / 1000, 9);
  });
});
