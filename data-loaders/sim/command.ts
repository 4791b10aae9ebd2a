// `npx tracker sim --profile … --port …`: serve a simulated vLLM until SIGINT/SIGTERM. Besides
// the address, seed, speed and load time, it takes the fault injection of an experiment's
// `server.faults` (experiment/schema.ts) as flags of the same names in kebab case
// (`--reset-mid-stream 0.05`, `--http-errors 500=0.02,503=0.01`), checked by the same schema,
// and vLLM's own `--enable-auto-tool-choice --tool-call-parser <name>` and `--max-num-seqs`.
import type { Command } from "commander";
import { faultsSchema, type Faults } from "../experiment/schema.ts";
import { profileProblem } from "./derived-profiles.ts";
import { startSimulator } from "./simulator.ts";

/** The fault flags: each `server.faults` field, in kebab case, with what it takes. */
const FAULT_FLAGS: Record<keyof Faults, [string, string]> = {
  httpErrors: ["--http-errors <status=share,...>", "answer this share of requests with these statuses"],
  resetBeforeResponse: ["--reset-before-response <share>", "reset this share of connections before a response"],
  resetMidStream: ["--reset-mid-stream <share>", "reset this share of streams mid-stream"],
  stall: ["--stall <share>", "stall this share of streams mid-stream"],
  stallMs: ["--stall-ms <ms>", "length of a stall (simulated ms)"],
  malformedChunk: ["--malformed-chunk <share>", "send one malformed chunk in this share of streams"],
  inBandError: ["--in-band-error <share>", "end this share of streams with an in-band error event"],
  slowFirstToken: ["--slow-first-token <share>", "delay the first token of this share of requests"],
  slowFirstTokenMs: ["--slow-first-token-ms <ms>", "that delay (simulated ms)"],
};

const flagOf = (field: string): string => FAULT_FLAGS[field as keyof Faults]?.[0].split(" ")[0] ?? field;

/** Adds the fault and server flags to the `sim` command. */
export function withSimFlags(cmd: Command): Command {
  for (const [flag, help] of Object.values(FAULT_FLAGS)) cmd.option(flag, help);
  return cmd
    .option("--max-num-seqs <n>", "like vllm serve --max-num-seqs (default: the profile's)")
    .option("--enable-auto-tool-choice", "like vllm serve: accept tool choice auto (needs --tool-call-parser)")
    .option("--tool-call-parser <name>", "like vllm serve: the tool-call parser, e.g. hermes");
}

export type FaultFlags = Partial<Record<keyof Faults, string>>;

/** The faults the flags ask for (undefined for none), checked like `server.faults`; errors name the flag. */
export function faultsFromFlags(flags: FaultFlags): Faults | undefined {
  const raw: Record<string, unknown> = {};
  for (const field of Object.keys(FAULT_FLAGS) as (keyof Faults)[]) {
    const value = flags[field];
    if (value === undefined) continue;
    if (field === "httpErrors") raw[field] = httpErrors(value);
    else {
      const n = Number(value);
      if (value.trim() === "" || !Number.isFinite(n))
        throw new Error(`${flagOf(field)}: expected a number, got "${value}"`);
      raw[field] = n;
    }
  }
  if (Object.keys(raw).length === 0) return undefined;
  const parsed = faultsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [field, ...rest] = issue.path.map(String);
    throw new Error(`${flagOf(field ?? "")}${rest.length ? ` ${rest.join(".")}` : ""}: ${issue.message}`);
  }
  return parsed.data;
}

/** `500=0.05,503=0.01` → `{ "500": 0.05, "503": 0.01 }`. */
function httpErrors(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of value.split(",")) {
    const m = /^\s*(\d+)\s*=\s*([0-9.eE+-]+)\s*$/.exec(part);
    if (!m) throw new Error(`--http-errors: expected status=share pairs such as 500=0.05, got "${part}"`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

export interface SimCommandOptions extends FaultFlags {
  profile: string;
  port: number;
  host?: string;
  seed?: number;
  speedup?: number;
  loadTimeMs?: number;
  apiKey?: string;
  maxNumSeqs?: string;
  enableAutoToolChoice?: boolean;
  toolCallParser?: string;
}

export async function runSimCommand(opts: SimCommandOptions): Promise<void> {
  const problem = profileProblem(opts.profile);
  if (problem) throw new Error(`unknown simulator profile "${opts.profile}": ${problem}`);
  // vLLM refuses the first flag without the second at start-up, in these words.
  if (opts.enableAutoToolChoice && !opts.toolCallParser)
    throw new Error("Error: --enable-auto-tool-choice requires --tool-call-parser");
  const maxNumSeqs = opts.maxNumSeqs === undefined ? undefined : Number(opts.maxNumSeqs);
  if (maxNumSeqs !== undefined && !(Number.isInteger(maxNumSeqs) && maxNumSeqs > 0))
    throw new Error(`--max-num-seqs: expected a positive whole number, got "${opts.maxNumSeqs}"`);
  const faults = faultsFromFlags(opts);
  const sim = await startSimulator({
    profile: opts.profile,
    port: opts.port,
    host: opts.host,
    seed: opts.seed,
    speedup: opts.speedup,
    loadTimeMs: opts.loadTimeMs,
    apiKey: opts.apiKey,
    faults,
    maxNumSeqs,
    toolCallParser: opts.enableAutoToolChoice ? opts.toolCallParser : undefined,
  });
  const injected = faults ? `, faults ${JSON.stringify(faults)}` : "";
  console.log(`simulating ${sim.model} (${opts.profile}) on ${sim.url}${injected}`);
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
