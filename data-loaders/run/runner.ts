// The runner: sends an experiment's requests with a fixed number of workers, appends one row
// per finished request to the journal, then finalises the run (Parquet + manifest).
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { checkAnswer } from "../analysis/quality.ts";
import type { CompletionRequest, Outcome } from "../client/outcome.ts";
import { createDispatcher, send } from "../client/request.ts";
import type { LoadedExperiment } from "../experiment/load.ts";
import { tpotMs } from "../metrics/latency.ts";
import { Journal } from "../store/journal.ts";
import { JOURNAL_FILE, newRunId, PARQUET_FILE, runDir } from "../store/layout.ts";
import { writeManifest } from "../store/manifest.ts";
import { journalToParquet } from "../store/parquet.ts";
import { ROW_SCHEMA_VERSION, type Manifest, type RequestRow } from "../store/rows.ts";
import { captureEnvironment } from "./environment.ts";
import { createProgress, type Progress } from "./progress.ts";
import { openServer, type OpenServer } from "./server.ts";

export const TRACKER_VERSION = "0.1.0";

export interface RunOptions {
  resultsRoot: string;
  /** Stops sending new requests; in-flight requests are aborted. */
  signal?: AbortSignal;
  progress?: (label: string, total: number) => Progress;
  log?: (line: string) => void;
}

export interface RunResult {
  runId: string;
  dir: string;
  manifest: Manifest;
}

export async function runExperiment(exp: LoadedExperiment, opts: RunOptions): Promise<RunResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + "\n"));
  const runId = newRunId(exp.specHash);
  const dir = runDir(opts.resultsRoot, exp.id, runId);
  mkdirSync(dir, { recursive: true });
  const simulated = "simulate" in exp.spec.server;
  const manifest: Manifest = {
    row_schema_version: ROW_SCHEMA_VERSION,
    tracker_version: TRACKER_VERSION,
    run_id: runId,
    experiment_id: exp.id,
    source: simulated ? "simulated" : "measured",
    status: "running",
    reason: null,
    spec_hash: exp.specHash,
    prompt_hash: exp.promptHash,
    spec: exp.resolvedSpec,
    server: {
      kind: simulated ? "simulate" : "url",
      endpoint: "url" in exp.spec.server ? exp.spec.server.url : "",
      model: "model" in exp.spec.server ? exp.spec.server.model : "",
      profile: "simulate" in exp.spec.server ? exp.spec.server.simulate : null,
    },
    started_at: new Date().toISOString(),
    finished_at: null,
    counts: { requests: exp.spec.requests, done: 0, ok: 0, error: 0 },
    environment: captureEnvironment(),
  };
  writeManifest(dir, manifest);

  let server: OpenServer;
  try {
    server = await openServer(exp.spec.server, { seed: exp.spec.workload.seed });
  } catch (e) {
    return finish(dir, manifest, "failed", `server: ${(e as Error).message}`);
  }
  manifest.server.endpoint = server.endpoints.join(" ");
  manifest.server.model = server.model;
  writeManifest(dir, manifest);
  log(`${exp.id}: ${exp.spec.requests} requests to ${server.model} at ${server.endpoints.join(", ")}${server.simulated ? " (simulated)" : ""}, concurrency ${exp.spec.load.concurrency}`);

  const journal = new Journal(join(dir, JOURNAL_FILE));
  const progress = (opts.progress ?? ((label, total) => createProgress({ label, total })))(exp.id, exp.spec.requests);
  const dispatcher = createDispatcher(exp.spec.load.concurrency);
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  let next = 0;
  const worker = async (w: number) => {
    for (;;) {
      if (opts.signal?.aborted) return;
      const i = next++;
      if (i >= exp.spec.requests) return;
      const prompt = exp.prompts[i % exp.prompts.length]!;
      const endpoint = server.endpoints[i % server.endpoints.length]!;
      const req = buildRequest(exp, server, endpoint, runId, i, prompt, opts.signal);
      const outcome = await send(req, { dispatcher, now });
      const row = toRow(exp, runId, endpoint, w, i, prompt.id, req.requestId, outcome);
      journal.append(row);
      manifest.counts.done++;
      manifest.counts[row.status === "ok" ? "ok" : "error"]++;
      progress.tick(row.status === "ok");
    }
  };
  try {
    await Promise.all(Array.from({ length: exp.spec.load.concurrency }, (_, w) => worker(w)));
  } finally {
    progress.stop();
    journal.close();
    await dispatcher.close();
    await server.close();
  }

  await journalToParquet(join(dir, JOURNAL_FILE), join(dir, PARQUET_FILE));
  rmSync(join(dir, JOURNAL_FILE));
  const { done, ok, requests } = manifest.counts;
  if (done < requests) return finish(dir, manifest, "partial", `stopped after ${done} of ${requests} requests`);
  if (ok === 0) return finish(dir, manifest, "failed", `all ${requests} requests failed`);
  return finish(dir, manifest, "complete", null);
}

function finish(dir: string, manifest: Manifest, status: Manifest["status"], reason: string | null): RunResult {
  manifest.status = status;
  manifest.reason = reason;
  manifest.finished_at = new Date().toISOString();
  writeManifest(dir, manifest);
  return { runId: manifest.run_id, dir, manifest };
}

function buildRequest(
  exp: LoadedExperiment,
  server: OpenServer,
  endpoint: string,
  runId: string,
  i: number,
  prompt: LoadedExperiment["prompts"][number],
  signal: AbortSignal | undefined,
): CompletionRequest {
  const w = exp.spec.workload;
  const schema = exp.spec.quality?.schema;
  return {
    baseUrl: endpoint,
    apiKey: server.apiKey,
    model: server.model,
    api: w.api,
    messages: w.api === "chat" ? prompt.messages : undefined,
    prompt: w.api === "completions" ? prompt.text : undefined,
    maxTokens: w.maxTokens,
    temperature: w.temperature,
    seed: (w.seed + i) % 2 ** 31,
    stream: w.stream,
    jsonSchema: w.structuredOutput && schema ? (z.toJSONSchema(schema) as Record<string, unknown>) : undefined,
    requestId: `${runId}-${i}`,
    signal,
  };
}

export function toRow(
  exp: LoadedExperiment,
  runId: string,
  endpoint: string,
  worker: number,
  index: number,
  promptId: string,
  requestId: string,
  o: Outcome,
): RequestRow {
  const ttft = o.firstEventMs === null ? null : o.firstEventMs - o.sentMs;
  const e2e = o.doneMs === null ? null : o.doneMs - o.sentMs;
  const quality = checkAnswer(o.ok ? o.answer : null, exp.spec.quality?.schema);
  return {
    run_id: runId,
    experiment_id: exp.id,
    request_index: index,
    prompt_id: promptId,
    request_id: requestId,
    endpoint,
    worker,
    attempts: 1,
    status: o.ok ? "ok" : "error",
    error_class: o.errorClass,
    http_status: o.httpStatus,
    error_message: o.errorMessage,
    sent_ms: o.sentMs,
    first_event_ms: o.firstEventMs,
    first_token_ms: o.firstTokenMs,
    done_ms: o.doneMs,
    ttft_ms: ttft,
    e2e_ms: e2e,
    tpot_ms: tpotMs({ ttft_ms: ttft, e2e_ms: e2e, completion_tokens: o.completionTokens }),
    itl_ms: o.itlMs,
    prompt_tokens: o.promptTokens,
    completion_tokens: o.completionTokens,
    finish_reason: o.finishReason,
    answer: o.answer,
    reasoning: o.reasoning,
    ...quality,
  };
}
