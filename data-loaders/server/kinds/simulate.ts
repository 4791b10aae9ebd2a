// `server: { simulate: "<profile>" }`: the built-in simulator, started in-process on a free
// loopback port for the run and closed after it. The profile is a hand-calibrated one or one
// derived for a catalog model and GPU (sim/derived-profiles.ts).
import type { SimulatedServer } from "../../experiment/schema.ts";
import { resolveProfile } from "../../sim/derived-profiles.ts";
import { startSimulator } from "../../sim/simulator.ts";
import { waitReady } from "../health.ts";
import type { ServerKind } from "../kinds.ts";

export const simulateKind: ServerKind<SimulatedServer> = {
  declared: (spec) => ({
    kind: "simulate",
    model: resolveProfile(spec.simulate).model,
    profile: spec.simulate,
  }),

  async open(spec, opts) {
    const profile = spec.simulate;
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
      model: sim.model,
      simulated: true,
      profile,
      kind: "simulate",
      close: () => sim.close(),
    };
  },
};
