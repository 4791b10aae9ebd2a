// The simulated `vllm serve`: a node:http server on loopback with vLLM's routes (routes.ts),
// backed by the continuous-batching engine. While "loading" (loadTimeMs / speedup after a start
// or restart) the port is not listening, so connections are refused, as with vLLM. Stopping drops
// every connection (requests in flight are aborted); a restart starts a fresh engine and fresh
// Prometheus counters on the same port, as a restarted vLLM does.
import { createServer, type RequestListener, type Server } from "node:http";
import type { Socket } from "node:net";
import { hashParts } from "../random.ts";
import { freePort } from "../server/http.ts";
import { VLLM_VERSION } from "./chunks.ts";
import { Engine } from "./engine.ts";
import type { Faults } from "./faults.ts";
import { GroundTruth, type GroundTruthRecord } from "./ground-truth.ts";
import { resolveProfile } from "./derived-profiles.ts";
import type { ProfileName, SimProfile } from "./profiles.ts";
import { PrometheusMetrics } from "./prometheus.ts";
import type { EngineStats } from "./stats-log.ts";
import { requestListener, type RouteContext } from "./routes.ts";

export interface SimulatorOptions {
  /** A profile name, or "<model>[:<weights>]@<gpu>" for a derived profile (sim/derived-profiles.ts). */
  profile: ProfileName | (string & {});
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
  /** Like `vllm serve --enable-auto-tool-choice --tool-call-parser <name>` (default: the profile's). */
  toolCallParser?: string;
  /** Serve /metrics (default true; false answers 404, like a server whose /metrics is not reachable). */
  metrics?: boolean;
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
  /** What vLLM's periodic stats line reports, as of now (token counts since the engine started). */
  engineStats(): EngineStats;
  groundTruth(): GroundTruthRecord[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const base: SimProfile = resolveProfile(opts.profile);
  const profile: SimProfile = {
    ...base,
    ...(opts.maxNumSeqs ? { maxNumSeqs: opts.maxNumSeqs } : {}),
    ...(opts.toolCallParser ? { toolCallParser: opts.toolCallParser } : {}),
  };
  const host = opts.host ?? "127.0.0.1";
  const seed = opts.seed ?? 0;
  const speedup = opts.speedup ?? 1;
  if (!(speedup > 0)) throw new Error(`speedup must be positive, got ${speedup}`);
  const loadMs = (opts.loadTimeMs ?? 0) / speedup;
  const port = opts.port && opts.port > 0 ? opts.port : await freePort(host);
  const truth = new GroundTruth(opts.groundTruth ?? false);
  const engine = new EngineState(profile, speedup);
  const listener = new Listener(host, port, requestListener(routeContext(opts, profile, seed, speedup, truth, engine)));

  let loading: Promise<void> = loadMs > 0 ? sleep(loadMs).then(() => listener.listen()) : listener.listen();
  if (loadMs === 0) await loading;
  const stop = async (): Promise<void> => {
    await loading.catch(() => undefined);
    engine.current.close();
    await listener.close();
  };
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    model: profile.model,
    profile,
    get ready() {
      return loading;
    },
    close: stop,
    stop,
    restart: async (o) => {
      await stop();
      engine.reset();
      loading = sleep((o?.downMs ?? 0) + loadMs).then(() => listener.listen());
      await loading;
    },
    setDead: (d) => engine.setDead(d),
    engineStats: () => {
      const { numRunning, numWaiting, kvUsage } = engine.current;
      const totals = engine.metrics.tokenTotals;
      return { promptTokens: totals.prompt, generationTokens: totals.generation, numRunning, numWaiting, kvUsage };
    },
    groundTruth: () => truth.all(),
  };
}

/** The engine and its Prometheus counters, replaced on restart, and whether the engine is dead. */
class EngineState {
  metrics: PrometheusMetrics;
  current: Engine;
  dead = false;

  constructor(
    private readonly profile: SimProfile,
    private readonly speedup: number,
  ) {
    this.metrics = new PrometheusMetrics(profile);
    this.current = new Engine(profile, speedup, this.metrics);
  }

  reset(): void {
    this.metrics = new PrometheusMetrics(this.profile);
    this.current = new Engine(this.profile, this.speedup, this.metrics);
    this.dead = false;
  }

  /** A dead engine fails what it runs and everything sent to it until a restart. */
  setDead(dead: boolean): void {
    this.dead = dead;
    if (dead) this.current.failAll();
  }
}

/** What the routes see: fixed settings, and the engine of the moment (it changes on restart). */
function routeContext(
  opts: SimulatorOptions,
  profile: SimProfile,
  seed: number,
  speedup: number,
  groundTruth: GroundTruth,
  state: EngineState,
): RouteContext {
  return {
    profile,
    seed,
    speedup,
    faults: opts.faults,
    groundTruth,
    fingerprint: `vllm-${VLLM_VERSION}-${hashParts(opts.profile, seed).toString(16).padStart(8, "0")}`,
    apiKey: opts.apiKey,
    serveMetrics: opts.metrics ?? true,
    created: Math.floor(Date.now() / 1000),
    get engine() {
      return state.current;
    },
    get metrics() {
      return state.metrics;
    },
    isDead: () => state.dead,
  };
}

/** The node:http server on one port: it listens, closes (dropping every connection) and listens again. */
class Listener {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly onRequest: RequestListener,
  ) {}

  async listen(): Promise<void> {
    const s = createServer(this.onRequest);
    s.keepAliveTimeout = 5_000;
    s.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(this.port, this.host, () => {
        s.off("error", reject);
        resolve();
      });
    });
    this.server = s;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
