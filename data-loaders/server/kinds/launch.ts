// `server: { launch: {...} }`: a vLLM server the tracker starts for the run (launch.ts) and
// stops after it. Its log goes to the run folder; the manifest's `launch` object records the load
// time, the start-up facts and the GPU memory; its stats lines are offered to the telemetry. With
// `launch.adapter`, requests name that LoRA adapter (one of the server's --lora-modules) instead of
// the base model.
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LaunchServer } from "../../experiment/schema.ts";
import { waitReady } from "../health.ts";
import type { ServerKind } from "../kinds.ts";
import { launchServer } from "../launch.ts";

/** Name of a launched server's log file in the run folder. */
export const SERVER_LOG_FILE = "server.log";

export const launchKind: ServerKind<LaunchServer> = {
  declared: (spec) => ({ kind: "launch", model: spec.launch.adapter ?? spec.launch.model, profile: null }),

  async open(spec, opts) {
    const logFile = join(
      opts.runDir ?? tmpdir(),
      opts.runDir ? SERVER_LOG_FILE : `tracker-vllm-${process.pid}-${Date.now()}.log`,
    );
    const launched = await launchServer(spec.launch, { logFile, log: opts.log });
    try {
      await waitReady(launched.url, launched.apiKey, opts.readyTimeoutMs ?? 30_000);
    } catch (e) {
      await launched.stop();
      throw e;
    }
    return {
      endpoints: [launched.url],
      model: spec.launch.adapter ?? launched.model,
      apiKey: launched.apiKey,
      simulated: false,
      profile: null,
      kind: "launch",
      launch: launched.record,
      logStats: launched.logStats,
      close: () => launched.stop(),
    };
  },
};
