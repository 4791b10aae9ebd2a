// The server a run talks to, one kind per module behind one interface, dispatched from one
// table (KINDS): the built-in simulator (kinds/simulate.ts), an existing OpenAI-compatible
// server (kinds/url.ts), several replicas of one model (kinds/replicas.ts) or a vLLM server the
// tracker launches itself (kinds/launch.ts). Opening a server waits until it answers (an
// unreachable server fails the run within seconds instead of hanging) and reads the facts it
// reports about itself (facts.ts). Adding a kind is one module and one entry in KINDS.
import type { LaunchServer, ReplicasServer, ServerSpec, SimulatedServer, UrlServer } from "../experiment/schema.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import { fetchServerFacts, type ServerFacts } from "./facts.ts";
import { launchKind } from "./kinds/launch.ts";
import { replicasKind } from "./kinds/replicas.ts";
import { simulateKind } from "./kinds/simulate.ts";
import { urlKind } from "./kinds/url.ts";
import type { LaunchRecord } from "./launch.ts";
import type { LogStats } from "./stats-log.ts";

/** An opened server: where to send, what the manifest records about it, and how to let it go. */
export interface OpenServer {
  /** Base URLs of the replicas serving the model (one for a single server); requests are spread over them. */
  endpoints: string[];
  model: string;
  apiKey?: string;
  simulated: boolean;
  profile: string | null;
  /** The manifest's `server.kind` (replicas are recorded as "url", with every endpoint). */
  kind: ManifestKind;
  /** For a launched server: the manifest's `launch` object (load time, start-up facts, memory), completed by close(). */
  launch?: LaunchRecord;
  /** A launched server's periodic stats lines (telemetry stores them when /metrics has no gauges). */
  logStats?: LogStats;
  /** What the (first) server reports about itself: the manifest's `server_facts`. */
  facts: ServerFacts;
  close(): Promise<void>;
}

/** The manifest's `server.kind` of a server the tracker talks to (a recorded run has none). */
export type ManifestKind = Exclude<Manifest["server"]["kind"], "recorded">;

/** What a kind's `open` gives; `openServer` adds the facts. */
export type OpenedServer = Omit<OpenServer, "facts">;

export interface OpenServerOptions {
  seed: number;
  readyTimeoutMs?: number;
  /** The run folder: a launched server's log goes to `<runDir>/server.log` (else to the temp folder). */
  runDir?: string;
  log?: (line: string) => void;
}

export interface ServerKind<S extends ServerSpec> {
  /** The manifest's `server` fields known before the server is opened (filled in from `open` after). */
  declared(spec: S): { kind: ManifestKind; model: string; profile: string | null };
  /** Starts or reaches the server and waits until it answers; throws when it cannot be used. */
  open(spec: S, opts: OpenServerOptions): Promise<OpenedServer>;
}

export type ServerKindName = "simulate" | "url" | "replicas" | "launch";

interface SpecOf {
  simulate: SimulatedServer;
  url: UrlServer;
  replicas: ReplicasServer;
  launch: LaunchServer;
}

const KINDS: { [K in ServerKindName]: ServerKind<SpecOf[K]> } = {
  simulate: simulateKind,
  url: urlKind,
  replicas: replicasKind,
  launch: launchKind,
};

/** Which kind a server spec is (the schema's union has exactly one of these keys). */
export function kindName(spec: ServerSpec): ServerKindName {
  if ("simulate" in spec) return "simulate";
  if ("launch" in spec) return "launch";
  if ("urls" in spec) return "replicas";
  return "url";
}

function kindOf(spec: ServerSpec): ServerKind<ServerSpec> {
  // kindName picked the entry whose spec type this spec is.
  return KINDS[kindName(spec)] as ServerKind<ServerSpec>;
}

/** The manifest's `server` object before the server is opened. */
export function declaredServer(spec: ServerSpec): Manifest["server"] {
  return { endpoint: "", ...kindOf(spec).declared(spec) };
}

/**
 * Opens the experiment's server. A launched server that does not start throws `StartFailed`
 * (launch.ts) whose `record` is the manifest's `launch` object with `failure` set.
 */
export async function openServer(spec: ServerSpec, opts: OpenServerOptions): Promise<OpenServer> {
  const opened = await kindOf(spec).open(spec, opts);
  const facts = await fetchServerFacts(opened.endpoints[0]!, opened.apiKey, { model: opened.model });
  return { ...opened, facts };
}
