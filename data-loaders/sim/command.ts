// `npx tracker sim --profile … --port …`: serve a simulated vLLM until SIGINT/SIGTERM.
import { profileProblem } from "./derived-profiles.ts";
import { startSimulator } from "./simulator.ts";

export async function runSimCommand(opts: {
  profile: string;
  port: number;
  host?: string;
  seed?: number;
  speedup?: number;
  loadTimeMs?: number;
  apiKey?: string;
}): Promise<void> {
  const problem = profileProblem(opts.profile);
  if (problem) throw new Error(`unknown simulator profile "${opts.profile}": ${problem}`);
  const sim = await startSimulator({
    profile: opts.profile,
    port: opts.port,
    host: opts.host,
    seed: opts.seed,
    speedup: opts.speedup,
    loadTimeMs: opts.loadTimeMs,
    apiKey: opts.apiKey,
  });
  console.log(`simulating ${sim.model} (${opts.profile}) on ${sim.url}`);
  await sim.ready;
  await new Promise<void>((resolve) => {
    const shutdown = (): void => {
      process.off("SIGINT", shutdown);
      process.off("SIGTERM", shutdown);
      resolve();
    };
    process.on("SIGINT", shutdown);
    process.on("SIGTERM", shutdown);
  });
  await sim.close();
}
