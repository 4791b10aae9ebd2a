// Keeping a launched vLLM server up across the runs that ask for the same one. Starting vLLM
// takes minutes (weights, torch.compile, CUDA graphs), so when the cells of a grid share a
// `server: { launch }` spec, the first run starts it and the next ones reuse it; it is stopped
// when a run asks for another server (so the GPU is free before the next model loads) or when
// `close` is called. A server that could not start is not tried again for the other runs of the
// same spec: each gets the same failure (with its start-up record), and the other runs go on.
// Other kinds are opened per run as before: a simulator starts in milliseconds and a URL server
// is not the tracker's to keep.
import { basename } from "node:path";
import type { ServerSpec } from "../experiment/schema.ts";
import { canonicalJson } from "../experiment/hash.ts";
import { healthStatus } from "./health.ts";
import { kindName, openServer, type OpenServer, type OpenServerOptions } from "./kinds.ts";
import { StartFailed } from "./launch.ts";

interface Kept {
  key: string;
  server: OpenServer;
  /** The run whose folder holds the server's log. */
  runId: string;
}

export class ServerReuse {
  private kept: Kept | null = null;
  private readonly failed = new Map<string, StartFailed>();

  /** The server for `spec`: the one kept up when it is the same launch spec and still healthy, else a new one. */
  async open(spec: ServerSpec, opts: OpenServerOptions): Promise<OpenServer> {
    if (kindName(spec) !== "launch") return openServer(spec, opts);
    const key = canonicalJson(spec);
    const failure = this.failed.get(key);
    if (failure) throw new StartFailed(failure.failure, { ...failure.record });
    if (this.kept?.key === key && (await this.healthy(this.kept.server))) return this.shared(this.kept);
    await this.close();
    let server: OpenServer;
    try {
      server = await openServer(spec, opts);
    } catch (e) {
      if (e instanceof StartFailed) this.failed.set(key, e);
      throw e;
    }
    this.kept = { key, server, runId: opts.runDir ? basename(opts.runDir) : "" };
    return { ...server, close: async () => {} };
  }

  /** Stops the server kept up, if any. */
  async close(): Promise<void> {
    const kept = this.kept;
    this.kept = null;
    if (kept) await kept.server.close();
  }

  private async healthy(server: OpenServer): Promise<boolean> {
    return (await healthStatus(server.endpoints[0]!, { timeoutMs: 5000, apiKey: server.apiKey })) === 200;
  }

  /** The kept server for a later run: closing it is left to this object; its record names the run that started it. */
  private shared(kept: Kept): OpenServer {
    const launch = kept.server.launch && { ...kept.server.launch, started_by_run: kept.runId };
    return { ...kept.server, launch, close: async () => {} };
  }
}
