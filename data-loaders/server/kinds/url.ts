// `server: { url, model, apiKeyEnv? }`: an OpenAI-compatible server that is already running
// (vLLM, or anything speaking the same API). The key comes from the named environment variable.
import type { UrlServer } from "../../experiment/schema.ts";
import { ServerUnavailable, waitReady } from "../health.ts";
import type { OpenedServer, OpenServerOptions, ServerKind } from "../kinds.ts";
import { baseUrl } from "../url.ts";

export const urlKind: ServerKind<UrlServer> = {
  declared: (spec) => ({ kind: "url", model: spec.model, profile: null }),
  open: (spec, opts) => openUrls([spec.url], spec, opts),
};

/** Running servers at `urls` that all serve `spec.model`: each must answer within the ready timeout (default 5 s). */
export async function openUrls(
  urls: string[],
  spec: { model: string; apiKeyEnv?: string },
  opts: OpenServerOptions,
): Promise<OpenedServer> {
  let apiKey: string | undefined;
  if (spec.apiKeyEnv) {
    apiKey = process.env[spec.apiKeyEnv];
    if (!apiKey) throw new ServerUnavailable(`environment variable ${spec.apiKeyEnv} (server.apiKeyEnv) is not set`);
  }
  const endpoints = urls.map(baseUrl);
  await Promise.all(endpoints.map((endpoint) => waitReady(endpoint, apiKey, opts.readyTimeoutMs ?? 5_000)));
  return { endpoints, model: spec.model, apiKey, simulated: false, profile: null, kind: "url", close: async () => {} };
}
