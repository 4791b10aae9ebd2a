// Facts a server reports about itself, recorded once per run in the manifest (`server_facts`):
//   version       GET /version → {"version": "0.28.0"}
//   root          GET /v1/models → the card's `root` (the --model path or Hugging Face id)
//   max_model_len GET /v1/models → the card's effective context length
//   cache_config  GET /metrics → every label of vllm:cache_config_info (private ones included)
//   adapter       GET /v1/models → when the experiment's model is a LoRA adapter: its name, path and base model
// Anything the server does not answer (Ollama and hosted providers have no /version or
// /metrics; older builds lack fields) is null, never 0 and never a failure of the run. Without
// /version the version is read from the responses' system_fingerprint after the run
// (`withFingerprint`; vLLM writes it as vllm-<version>[-<parallelism>]-<hash>).
//
// Which card: the one whose id is the experiment's model (else the first). A LoRA adapter card
// (vLLM lists one per --lora-modules entry) has `parent`, the base model's card id, its adapter
// path as `root`, and max_model_len null: the context length is the parent's, and root is the
// parent's model, so the facts describe the base model with the adapter beside it.
import { z } from "zod";
import type { Manifest } from "../store/schemas/manifest.ts";
import { getText } from "./http.ts";
import { parsePrometheus, values } from "./prometheus.ts";
import { serverUrl } from "./url.ts";

export type ServerFacts = NonNullable<Manifest["server_facts"]>;

const modelCardSchema = z.looseObject({
  id: z.string(),
  root: z.string().nullish(),
  parent: z.string().nullish(),
  max_model_len: z.number().nullish(),
});
const modelListSchema = z.looseObject({ data: z.array(modelCardSchema) });
const versionSchema = z.looseObject({ version: z.string() });

export type ModelFacts = Pick<ServerFacts, "root" | "max_model_len"> & {
  adapter: NonNullable<ServerFacts["adapter"]> | null;
};

/** root, max_model_len and the LoRA adapter (if the model is one) from a /v1/models body (already parsed JSON); nulls when unknown. */
export function modelFacts(body: unknown, model?: string): ModelFacts {
  const parsed = modelListSchema.safeParse(body);
  if (!parsed.success || parsed.data.data.length === 0) return { root: null, max_model_len: null, adapter: null };
  const cards = parsed.data.data;
  const card = cards.find((c) => c.id === model) ?? cards[0]!;
  if (!card.parent) return { root: card.root ?? null, max_model_len: card.max_model_len ?? null, adapter: null };
  const parent = cards.find((c) => c.id === card.parent);
  return {
    root: parent?.root ?? null,
    max_model_len: card.max_model_len ?? parent?.max_model_len ?? null,
    adapter: { name: card.id, path: card.root ?? null, base_model: card.parent },
  };
}

/** The vLLM version a system_fingerprint names (`vllm-0.28.0-54757788` → 0.28.0); null for any other fingerprint. */
export function versionFromFingerprint(fingerprint: string | null): string | null {
  const m = fingerprint === null ? null : /^vllm-(\d[^-\s]*)-/.exec(fingerprint);
  return m ? m[1]! : null;
}

/**
 * The facts completed with what the responses said: the first system_fingerprint seen, and the
 * version it names when /version did not answer.
 */
export function withFingerprint(facts: ServerFacts, fingerprint: string | null): ServerFacts {
  if (fingerprint === null) return facts;
  const fromFingerprint = facts.version === null ? versionFromFingerprint(fingerprint) : null;
  return fromFingerprint
    ? { ...facts, system_fingerprint: fingerprint, version: fromFingerprint, version_source: "system_fingerprint" }
    : { ...facts, system_fingerprint: fingerprint };
}

/** The labels of vllm:cache_config_info in a /metrics body; null when absent or unparsable. */
export function cacheConfig(metricsText: string, source = "metrics"): Record<string, string> | null {
  try {
    const info = values(parsePrometheus(metricsText, source), "vllm:cache_config_info")[0];
    return info ? { ...info.labels } : null;
  } catch {
    return null;
  }
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * Asks the server at `endpoint` (base URL, with or without /v1) for its facts. Never throws;
 * each request has `timeoutMs` (default 5 s). `model` picks the /v1/models card.
 */
export async function fetchServerFacts(
  endpoint: string,
  apiKey?: string,
  opts: { model?: string; timeoutMs?: number } = {},
): Promise<ServerFacts> {
  const get = (path: string) => getText(serverUrl(endpoint, path), { apiKey, timeoutMs: opts.timeoutMs });
  const [version, models, metrics] = await Promise.all([get("/version"), get("/v1/models"), get("/metrics")]);
  const v = version.status === 200 ? versionSchema.safeParse(json(version.body)) : null;
  const m = models.status === 200 ? modelFacts(json(models.body), opts.model) : modelFacts(null);
  return {
    version: v?.success ? v.data.version : null,
    ...(v?.success ? { version_source: "version" as const } : {}),
    root: m.root,
    max_model_len: m.max_model_len,
    cache_config: metrics.status === 200 ? cacheConfig(metrics.body, serverUrl(endpoint, "/metrics")) : null,
    ...(m.adapter ? { adapter: m.adapter } : {}),
  };
}
