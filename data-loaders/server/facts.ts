// Facts a server reports about itself, recorded once per run in the manifest (`server_facts`):
//   version       GET /version → {"version": "0.28.0"}
//   root          GET /v1/models → the card's `root` (the --model path or Hugging Face id)
//   max_model_len GET /v1/models → the card's effective context length
//   cache_config  GET /metrics → every label of vllm:cache_config_info (private ones included)
// Anything the server does not answer (Ollama and hosted providers have no /version or
// /metrics; older builds lack fields) is null, never 0 and never a failure of the run.
//
// Which card: the one whose id is the experiment's model (else the first). A LoRA adapter card
// has `parent` set and no usable max_model_len; its facts come from the parent card.
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

/** root and max_model_len from a /v1/models body (already parsed JSON); nulls when unknown. */
export function modelFacts(body: unknown, model?: string): { root: string | null; max_model_len: number | null } {
  const parsed = modelListSchema.safeParse(body);
  if (!parsed.success || parsed.data.data.length === 0) return { root: null, max_model_len: null };
  const cards = parsed.data.data;
  let card = cards.find((c) => c.id === model) ?? cards[0]!;
  if (card.parent) card = cards.find((c) => c.id === card.parent) ?? card;
  return { root: card.root ?? null, max_model_len: card.max_model_len ?? null };
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
  const m = models.status === 200 ? modelFacts(json(models.body), opts.model) : { root: null, max_model_len: null };
  return {
    version: v?.success ? v.data.version : null,
    root: m.root,
    max_model_len: m.max_model_len,
    cache_config: metrics.status === 200 ? cacheConfig(metrics.body, serverUrl(endpoint, "/metrics")) : null,
  };
}
