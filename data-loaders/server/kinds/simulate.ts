// `server: { simulate: "<profile>" }`: the built-in simulator, started in-process on a free
// loopback port for the run and closed after it.
import type { SimulatedServer } from "../../experiment/schema.ts";
import { PROFILES, type ProfileName } from "../../sim/profiles.ts";
import { startSimulator } from "../../sim/simulator.ts";
import { waitReady } from "../health.ts";
import type { ServerKind } from "../kinds.ts";

export const simulateKind: ServerKind<SimulatedServer> = {
  declared: (spec) => ({
    kind: "simulate",
    model: PROFILES[spec.simulate as ProfileName].model,
    profile: spec.simulate,
  }),

  async open(spec, opts) {
    const profile = spec.simulate as ProfileName;
    const sim = await startSimulator({
      profile,
      seed: opts.seed,
      speedup: spec.speedup,
      loadTimeMs: spec.loadTimeMs,
      faults: spec.faults,
    });
    try {
      await waitReady(sim.url, undefined, opts.readyTimeoutMs ?? (spec.loadTimeMs ?? 0) + 30_000);
    } catch (e) {
      await sim.close();
      throw e;
    }
    return {
      endpoints: [sim.url],
      model: PROFILES[profile].model,
      simulated: true,
      profile,
      kind: "simulate",
      close: () => sim.close(),
    };
  },
};
