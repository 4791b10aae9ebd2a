// vLLM's HTTP routes on the simulator: /health (503 once the engine is dead), /version,
// /v1/models, /metrics (unless the simulator runs without it), the two completion routes,
// /tokenize and /detokenize; `--api-key` protects /v1/*
// (and /v2, /inference) like vLLM's middleware. A route that exists answers other methods with
// 405, anything else is 404. An HttpError thrown by a handler becomes its status and body; any
// other error a 500 (or, once a stream started, a dropped connection).
import type { IncomingMessage, ServerResponse } from "node:http";
import { hashParts } from "../random.ts";
import { errorBody, VLLM_VERSION } from "./chunks.ts";
import { handleCompletions, type CompletionsContext } from "./completions.ts";
import { fieldError, HttpError, requestValidationError } from "./http-error.ts";
import type { PrometheusMetrics } from "./prometheus.ts";
import { detokenize, tokenize } from "./tokenize.ts";

export interface RouteContext extends CompletionsContext {
  /** Like `vllm serve --api-key`. */
  apiKey?: string;
  /** The model card's `created` (seconds). */
  created: number;
  metrics: PrometheusMetrics;
  /** /metrics is served (false: 404, like a server behind a proxy that hides it). */
  serveMetrics: boolean;
}

const KNOWN = [
  "/health",
  "/version",
  "/v1/models",
  "/metrics",
  "/v1/chat/completions",
  "/v1/completions",
  "/tokenize",
  "/detokenize",
];

/** The request listener of the simulator's node:http server. */
export function requestListener(ctx: RouteContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(ctx, req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.socket?.destroy();
      if (err instanceof HttpError) return send(res, err.status, err.body);
      send(res, 500, errorBody(500, err instanceof Error ? err.message : String(err)));
    });
  };
}

async function route(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? "/").split("?")[0]!;
  const method = req.method ?? "GET";
  if (ctx.apiKey && /^\/(v1|v2|inference)(\/|$)/.test(path) && method !== "OPTIONS") {
    if (req.headers.authorization !== `Bearer ${ctx.apiKey}`)
      return send(res, 401, JSON.stringify({ error: "Unauthorized" }));
  }
  if (method === "GET") {
    if (path === "/health") return send(res, ctx.isDead() ? 503 : 200, "", "text/plain");
    if (path === "/version") return send(res, 200, JSON.stringify({ version: VLLM_VERSION }));
    if (path === "/v1/models") return send(res, 200, JSON.stringify(modelCard(ctx)));
    if (path === "/metrics" && ctx.serveMetrics) {
      const { numRunning, numWaiting, kvUsage } = ctx.engine;
      const text = ctx.metrics.render({ numRunning, numWaiting, kvUsage });
      return send(res, 200, text, "text/plain; version=0.0.4; charset=utf-8");
    }
  }
  const api = path === "/v1/chat/completions" ? "chat" : path === "/v1/completions" ? "completions" : null;
  if ((api || path === "/tokenize" || path === "/detokenize") && method === "POST") {
    const body = await readJson(req, res);
    if (body === NO_BODY) return;
    if (api) return handleCompletions(ctx, api, body, req, res);
    const answer = path === "/tokenize" ? tokenize(ctx.profile, body) : detokenize(ctx.profile, body);
    return send(res, 200, JSON.stringify(answer));
  }
  if (KNOWN.includes(path) && (path !== "/metrics" || ctx.serveMetrics))
    return send(res, 405, JSON.stringify({ detail: "Method Not Allowed" }));
  return send(res, 404, JSON.stringify({ detail: "Not Found" }));
}

const NO_BODY = Symbol("no body");

/** The JSON body of a POST; NO_BODY once a 400 was sent (not JSON, or not parsable), as vLLM does. */
async function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const contentType = String(req.headers["content-type"] ?? "").toLowerCase();
  const raw = await readBody(req);
  if (!/^application\/json\s*(;|$)/.test(contentType)) {
    send(res, 400, errorBody(400, "Unsupported Media Type: Only 'application/json' is allowed"));
    return NO_BODY;
  }
  try {
    return JSON.parse(raw);
  } catch (e) {
    // FastAPI reports where Python's JSON decoder stopped; JavaScript's parser says it differently,
    // so the position is taken from its message when it gives one and the reason is generic.
    const at = /position (\d+)/.exec(String((e as Error).message));
    const error = { ...fieldError("json_invalid", [], "JSON decode error", {}), ctx: { error: "'Expecting value'" } };
    error.loc.push(at ? Number(at[1]) : raw.length);
    const refused = requestValidationError([error], null);
    send(res, refused.status, refused.body);
    return NO_BODY;
  }
}

function modelCard(ctx: RouteContext): unknown {
  const { profile, seed, created } = ctx;
  const hex = (label: string): string => hashParts(label, seed).toString(16).padStart(8, "0");
  const permission = {
    id: `modelperm-${hex("perm")}${hex("perm2")}`,
    object: "model_permission",
    created,
    allow_create_engine: false,
    allow_sampling: true,
    allow_logprobs: true,
    allow_search_indices: false,
    allow_view: true,
    allow_fine_tuning: false,
    organization: "*",
    group: null,
    is_blocking: false,
  };
  const card = { id: profile.model, object: "model", created, owned_by: "vllm", root: profile.model, parent: null };
  return { object: "list", data: [{ ...card, max_model_len: profile.maxModelLen, permission: [permission] }] };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

function send(res: ServerResponse, status: number, body: string, type = "application/json"): void {
  res.writeHead(status, { "content-type": type }).end(body);
}
