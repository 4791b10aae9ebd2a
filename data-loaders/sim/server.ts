// The simulated `vllm serve`: a node:http server on loopback with vLLM's routes, backed by the
// continuous-batching engine. While "loading" (loadTimeMs / speedup after a start or restart)
// the port is not listening, so connections are refused, as with vLLM (§5.2).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { hashParts } from "../random.ts";
import { errorBody, VLLM_VERSION } from "./chunks.ts";
import { Engine } from "./engine.ts";
import type { Faults } from "./faults.ts";
import { handleGenerate, HttpError } from "./generate.ts";
import { GroundTruth, type GroundTruthRecord } from "./ground-truth.ts";
import { Metrics } from "./metrics.ts";
import { PROFILES, type ProfileName, type SimProfile } from "./profiles.ts";
import { chatPromptTokens, completionPromptTokens, splitTokens, tokenIds } from "./tokenizer.ts";

export interface SimulatorOptions {
  profile: ProfileName;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  seed?: number;
  /** 1 = real time; N = the simulated GPU is N× faster (every simulated duration ÷ N). */
  speedup?: number;
  /** Simulated model load time (÷ speedup) before the port listens, after start and restart. */
  loadTimeMs?: number;
  faults?: Faults;
  /** Record per-request ground truth (see groundTruth()). */
  groundTruth?: boolean;
  /** Like `vllm serve --api-key`: /v1/* then needs `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Like `vllm serve --max-num-seqs` (default: the profile's). */
  maxNumSeqs?: number;
}

export interface Simulator {
  url: string;
  port: number;
  model: string;
  profile: SimProfile;
  /** Resolves when the port listens (immediately after start when loadTimeMs is 0). */
  ready: Promise<void>;
  close(): Promise<void>;
  /** Stops listening and drops every connection (in-flight requests are aborted). */
  stop(): Promise<void>;
  /** Stops, waits downMs (real ms), re-does the load time, listens again on the same port. */
  restart(opts?: { downMs?: number }): Promise<void>;
  /** A dead engine: /health 503, in-flight and new generation requests fail with 500. */
  setDead(dead: boolean): void;
  groundTruth(): GroundTruthRecord[];
}

async function freePort(host: string): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", reject);
    probe.listen(0, host, resolve);
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("could not pick a free port");
  return address.port;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

function send(res: ServerResponse, status: number, body: string, type = "application/json"): void {
  res.writeHead(status, { "content-type": type }).end(body);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const base: SimProfile = PROFILES[opts.profile];
  const profile: SimProfile = opts.maxNumSeqs ? { ...base, maxNumSeqs: opts.maxNumSeqs } : base;
  const host = opts.host ?? "127.0.0.1";
  const seed = opts.seed ?? 0;
  const speedup = opts.speedup ?? 1;
  if (!(speedup > 0)) throw new Error(`speedup must be positive, got ${speedup}`);
  const loadMs = (opts.loadTimeMs ?? 0) / speedup;
  const port = opts.port && opts.port > 0 ? opts.port : await freePort(host);
  const truth = new GroundTruth(opts.groundTruth ?? false);
  const fingerprint = `vllm-${VLLM_VERSION}-${hashParts(opts.profile, seed).toString(16).padStart(8, "0")}`;
  const created = Math.floor(Date.now() / 1000);

  let metrics = new Metrics(profile);
  let engine = new Engine(profile, speedup, metrics);
  let dead = false;
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  const ctx = {
    profile,
    seed,
    speedup,
    faults: opts.faults,
    groundTruth: truth,
    fingerprint,
    get engine() {
      return engine;
    },
    isDead: () => dead,
  };

  const modelCard = () => ({
    object: "list",
    data: [
      {
        id: profile.model,
        object: "model",
        created,
        owned_by: "vllm",
        root: profile.model,
        parent: null,
        max_model_len: profile.maxModelLen,
        permission: [
          {
            id: `modelperm-${hashParts("perm", seed).toString(16).padStart(8, "0")}${hashParts("perm2", seed).toString(16).padStart(8, "0")}`,
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
          },
        ],
      },
    ],
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!;
    const method = req.method ?? "GET";
    if (opts.apiKey && /^\/(v1|v2|inference)(\/|$)/.test(path) && method !== "OPTIONS") {
      if (req.headers.authorization !== `Bearer ${opts.apiKey}`)
        return send(res, 401, JSON.stringify({ error: "Unauthorized" }));
    }
    const isPost = method === "POST";
    if (path === "/health" && method === "GET") return send(res, dead ? 503 : 200, "", "text/plain");
    if (path === "/version" && method === "GET") return send(res, 200, JSON.stringify({ version: VLLM_VERSION }));
    if (path === "/v1/models" && method === "GET") return send(res, 200, JSON.stringify(modelCard()));
    if (path === "/metrics" && method === "GET") {
      const text = metrics.render({
        numRunning: engine.numRunning,
        numWaiting: engine.numWaiting,
        kvUsage: engine.kvUsage,
      });
      return send(res, 200, text, "text/plain; version=0.0.4; charset=utf-8");
    }
    const generate = path === "/v1/chat/completions" ? "chat" : path === "/v1/completions" ? "completions" : null;
    if ((generate || path === "/tokenize") && isPost) {
      const contentType = String(req.headers["content-type"] ?? "").toLowerCase();
      if (!/^application\/json\s*(;|$)/.test(contentType)) {
        await readBody(req);
        return send(res, 400, errorBody(400, "Unsupported Media Type: Only 'application/json' is allowed"));
      }
      const raw = await readBody(req);
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return send(res, 400, errorBody(400, "JSON decode error", "body"));
      }
      if (generate) return handleGenerate(ctx, generate, body, req, res);
      return tokenize(body, res);
    }
    const known = [
      "/health",
      "/version",
      "/v1/models",
      "/metrics",
      "/v1/chat/completions",
      "/v1/completions",
      "/tokenize",
    ];
    if (known.includes(path)) return send(res, 405, JSON.stringify({ detail: "Method Not Allowed" }));
    return send(res, 404, JSON.stringify({ detail: "Not Found" }));
  }

  function tokenize(body: unknown, res: ServerResponse): void {
    const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    if (b.model !== undefined && b.model !== profile.model) {
      throw new HttpError(404, errorBody(404, `The model \`${String(b.model)}\` does not exist.`, "model"));
    }
    let pieces: string[];
    let count: number;
    if (Array.isArray(b.messages)) {
      const messages = b.messages.map((m) => ({
        role: String((m as { role?: unknown }).role),
        content: String((m as { content?: unknown }).content ?? ""),
      }));
      count = chatPromptTokens(profile, messages);
      pieces = messages.flatMap((m) => splitTokens(m.content));
    } else if (typeof b.prompt === "string") {
      count = b.add_special_tokens === false ? splitTokens(b.prompt).length : completionPromptTokens(b.prompt);
      pieces = splitTokens(b.prompt);
    } else {
      throw new HttpError(400, errorBody(400, "Either prompt or messages must be given", "prompt"));
    }
    // Template tokens have no text; they get fixed ids at the front.
    const ids = [...Array.from({ length: count - pieces.length }, (_, i) => 128_000 + i), ...tokenIds(pieces)];
    const strs =
      b.return_token_strs === true
        ? [...Array.from({ length: count - pieces.length }, () => "<template>"), ...pieces]
        : null;
    send(res, 200, JSON.stringify({ count, max_model_len: profile.maxModelLen, tokens: ids, token_strs: strs }));
  }

  const listen = async (): Promise<void> => {
    const s = createServer((req, res) => {
      route(req, res).catch((err: unknown) => {
        if (res.headersSent) return void res.socket?.destroy();
        if (err instanceof HttpError) return send(res, err.status, err.body);
        send(res, 500, errorBody(500, err instanceof Error ? err.message : String(err)));
      });
    });
    s.keepAliveTimeout = 5_000;
    s.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, host, () => {
        s.off("error", reject);
        resolve();
      });
    });
    server = s;
  };

  const stop = async (): Promise<void> => {
    const s = server;
    server = null;
    engine.close();
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  let loading: Promise<void> = loadMs > 0 ? sleep(loadMs).then(listen) : listen();
  if (loadMs === 0) await loading;

  const sim: Simulator = {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    model: profile.model,
    profile,
    get ready() {
      return loading;
    },
    close: async () => {
      await loading.catch(() => undefined);
      await stop();
    },
    stop: async () => {
      await loading.catch(() => undefined);
      await stop();
    },
    restart: async (o) => {
      await loading.catch(() => undefined);
      await stop();
      metrics = new Metrics(profile);
      engine = new Engine(profile, speedup, metrics);
      dead = false;
      loading = sleep((o?.downMs ?? 0) + loadMs).then(listen);
      await loading;
    },
    setDead: (d) => {
      dead = d;
      if (d) engine.failAll();
    },
    groundTruth: () => truth.all(),
  };
  return sim;
}
