// `npx tracker …`: a thin commander layer over the library. `npm run build` calls `tracker build`.
import { Command, InvalidArgumentError } from "commander";
import { loadExperiments, type LoadResult } from "./experiment/load.ts";
import { buildSite, invalidateLoaderCache, runFramework } from "./build/site.ts";
import { needsRun, planExperiments, writeExperimentIndex, type PlanEntry } from "./build/plan.ts";
import { runExperiment, TRACKER_VERSION } from "./run/runner.ts";
import { formatSeconds } from "./run/progress.ts";
import { resultsRoot } from "./store/layout.ts";
import { runSimCommand } from "./sim/command.ts";

const EXPERIMENTS_DIR = process.env.TRACKER_EXPERIMENTS ?? "experiments";

function printErrors(load: LoadResult): void {
  for (const e of load.errors) process.stderr.write(`error: ${e.message}\n`);
}

function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number");
  return n;
}

/** Runs the given plan entries one after another; a failed experiment does not stop the others. */
async function runPending(entries: PlanEntry[], root: string, signal: AbortSignal): Promise<number> {
  let failures = 0;
  for (const entry of entries) {
    if (signal.aborted) break;
    const started = performance.now();
    const { manifest } = await runExperiment(entry.experiment, { resultsRoot: root, signal });
    const took = formatSeconds((performance.now() - started) / 1000);
    const counts = `${manifest.counts.ok}/${manifest.counts.requests} ok`;
    if (manifest.status === "complete") process.stderr.write(`${entry.experiment.id}: complete, ${counts}, ${took} → ${manifest.run_id}\n`);
    else {
      failures++;
      process.stderr.write(`${entry.experiment.id}: ${manifest.status}: ${manifest.reason} (${counts}, ${took})\n`);
    }
  }
  return failures;
}

/** Loads, plans and runs; returns the process exit code (non-zero on invalid files or failed runs). */
async function run(ids: string[]): Promise<number> {
  const root = resultsRoot();
  const load = await loadExperiments(EXPERIMENTS_DIR);
  printErrors(load);
  const unknown = ids.filter((id) => !load.experiments.some((e) => e.id === id) && !load.errors.some((e) => e.file.endsWith(`/${id}.ts`)));
  if (unknown.length) {
    process.stderr.write(`error: no experiment file for ${unknown.join(", ")} in ${EXPERIMENTS_DIR}/\n`);
    return 2;
  }
  const plan = planExperiments(load.experiments, root);
  const chosen = ids.length ? plan.filter((p) => ids.includes(p.experiment.id)) : plan.filter(needsRun);
  const invalidChosen = ids.length ? load.errors.filter((e) => ids.some((id) => e.file.endsWith(`/${id}.ts`))) : load.errors;
  const fresh = plan.length - plan.filter(needsRun).length;
  process.stderr.write(`${chosen.length} to run, ${fresh} fresh${load.errors.length ? `, ${load.errors.length} error(s) in experiment files` : ""}\n`);
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write("\nstopping: no new requests are sent; press Ctrl-C again to quit at once\n");
    controller.abort();
    process.once("SIGINT", () => process.exit(130));
  };
  process.once("SIGINT", onSigint);
  const failures = await runPending(chosen, root, controller.signal);
  process.off("SIGINT", onSigint);
  writeExperimentIndex(root, planExperiments(load.experiments, root), load.errors);
  if (controller.signal.aborted) return 130;
  return invalidChosen.length > 0 || failures > 0 ? 1 : 0;
}

const program = new Command("tracker").version(TRACKER_VERSION).description("vLLM benchmark tracker");

program
  .command("run")
  .description("run experiments whose results are missing or whose spec changed (or the given ids, always)")
  .argument("[ids...]", "experiment ids (file names without .ts)")
  .action(async (ids: string[]) => {
    process.exitCode = await run(ids);
  });

program
  .command("validate")
  .description("check every experiment file without running anything")
  .action(async () => {
    const load = await loadExperiments(EXPERIMENTS_DIR);
    printErrors(load);
    for (const e of load.experiments) process.stdout.write(`ok ${e.file} (${e.prompts.length} prompts, spec ${e.specHash.slice(0, 8)})\n`);
    process.exitCode = load.errors.length ? 1 : 0;
  });

program
  .command("list")
  .description("show each experiment as fresh, stale, pending or failed")
  .action(async () => {
    const load = await loadExperiments(EXPERIMENTS_DIR);
    const plan = planExperiments(load.experiments, resultsRoot(), () => {});
    for (const p of plan) {
      const run = p.shown ? ` ${p.shown.runId} (${p.shown.manifest.status})` : "";
      process.stdout.write(`${p.state.padEnd(8)} ${p.experiment.id}${run}${p.reason ? `: ${p.reason}` : ""}\n`);
    }
    for (const e of load.errors) process.stdout.write(`invalid  ${e.message}\n`);
    process.exitCode = load.errors.length ? 1 : 0;
  });

program
  .command("build")
  .description("run what is pending, then build the static site into dist/")
  .action(async () => {
    const code = await run([]);
    if (code === 130) {
      process.exitCode = code;
      return;
    }
    try {
      const report = await buildSite(process.cwd(), resultsRoot());
      process.stderr.write(`site: dist/ built (${report.removed.length} loader outputs recomputed, ${report.kept.length} reused)\n`);
    } catch (e) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
    process.exitCode = code;
  });

program
  .command("dev")
  .description("run what is pending, then preview the site with live reload")
  .option("--port <port>", "preview port", int, 3000)
  .action(async (opts: { port: number }) => {
    await run([]);
    invalidateLoaderCache(process.cwd(), resultsRoot());
    process.exitCode = await runFramework(process.cwd(), ["preview", "--port", String(opts.port)]);
  });

program
  .command("sim")
  .description("serve the vLLM simulator until stopped")
  .requiredOption("--profile <profile>", "simulator profile, e.g. gemma-3-4b@rtx-4080")
  .option("--port <port>", "port", int, 8000)
  .option("--host <host>", "address to listen on", "127.0.0.1")
  .option("--seed <seed>", "seed", int, 0)
  .option("--speedup <n>", "simulated GPU speed multiplier", Number, 1)
  .option("--load-time-ms <ms>", "simulated model load time", int, 0)
  .option("--api-key-env <name>", "require the API key held in this environment variable")
  .action(async (opts: { profile: string; port: number; host: string; seed: number; speedup: number; loadTimeMs: number; apiKeyEnv?: string }) => {
    const apiKey = opts.apiKeyEnv ? process.env[opts.apiKeyEnv] : undefined;
    if (opts.apiKeyEnv && !apiKey) throw new InvalidArgumentError(`environment variable ${opts.apiKeyEnv} is not set`);
    await runSimCommand({ ...opts, apiKey });
  });

await program.parseAsync(process.argv);
