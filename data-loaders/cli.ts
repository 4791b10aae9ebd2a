// `npx tracker …`: a thin commander layer over the library. `npm run build` calls `tracker build`.
import { Command, InvalidArgumentError } from "commander";
import { experimentWarnings, loadExperiments, type LoadResult } from "./experiment/load.ts";
import { materialiseRecorded, recordedIndexEntries } from "./experiment/recorded.ts";
import { IMPORT_FORMATS, importFile, isImportFormat } from "./import/dispatch.ts";
import { EXPORT_FORMATS, exportRunAs, runForExport } from "./import/exports.ts";
import { runToExport, writeBatchOutput } from "./import/export-batch.ts";
import { buildSite } from "./site/build.ts";
import { invalidateLoaderCache } from "./site/cache.ts";
import { CSV_ROW_LIMIT } from "./site/download-files.ts";
import { exportRunCsv } from "./site/downloads.ts";
import { runFramework } from "./site/framework.ts";
import {
  chooseRuns,
  needsRun,
  planExperiments,
  planGrids,
  runOrder,
  writeExperimentIndex,
  type PlanEntry,
} from "./run/plan.ts";
import { assessQuality } from "./run/quality.ts";
import { runExperiment, runLabel } from "./run/runner.ts";
import { ServerReuse } from "./server/reuse.ts";
import { trackerVersion } from "./run/environment.ts";
import { acquireLock, LockHeld, type Lock } from "./run/lock.ts";
import { formatSeconds } from "./run/progress.ts";
import { experimentsFolder, resultsDir } from "./store/layout.ts";
import { runSimCommand, withSimFlags, type SimCommandOptions } from "./sim/command.ts";
import { planCommand } from "./plan-command.ts";
import { compareCommand } from "./compare-command.ts";
import { reportCommand } from "./report-command.ts";
import { mergeCommand, runShard, shardLines, shardLockDir, shardTarget } from "./shard-command.ts";

const EXPERIMENTS_DIR = experimentsFolder();

function printErrors(load: LoadResult): void {
  for (const e of load.errors) process.stderr.write(`error: ${e.message}\n`);
}

function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number");
  return n;
}

/**
 * Runs the given plan entries one after another; a failed experiment (or grid cell) does not stop
 * the others. Partial runs of the current spec are resumed; a fresh experiment named explicitly
 * runs again. Entries launching the same vLLM server run in a row on one server.
 */
async function runPending(entries: PlanEntry[], root: string, signal: AbortSignal): Promise<number> {
  let failures = 0;
  const servers = new ServerReuse();
  try {
    for (const entry of runOrder(entries)) {
      if (signal.aborted) break;
      failures += await runEntry(entry, root, signal, servers);
    }
  } finally {
    await servers.close();
  }
  return failures;
}

/** Runs one entry and reports each of its runs; returns how many did not complete. */
async function runEntry(entry: PlanEntry, root: string, signal: AbortSignal, servers: ServerReuse): Promise<number> {
  let failures = 0;
  const label = runLabel(entry.experiment);
  const started = performance.now();
  const { runs } = await runExperiment(entry.experiment, {
    resultsRoot: root,
    signal,
    rerun: entry.state === "fresh",
    servers,
  });
  const took = formatSeconds((performance.now() - started) / 1000);
  for (const { manifest } of runs) {
    const counts = `${manifest.counts.ok}/${manifest.counts.requests} ok`;
    const resumed = manifest.interruptions?.length ? `, resumed ${manifest.interruptions.length}×` : "";
    if (manifest.status === "complete") {
      const note = manifest.reason ? ` (${manifest.reason})` : "";
      process.stderr.write(`${label}: complete, ${counts}${resumed}, ${took} → ${manifest.run_id}${note}\n`);
    } else {
      failures++;
      process.stderr.write(
        `${label}: ${manifest.status}: ${manifest.reason} (${counts}${resumed}, ${took}) → ${manifest.run_id}\n`,
      );
    }
  }
  return failures;
}

/** Scores and judges the stored answers (run/quality.ts); a failure is reported and leaves the runs as they are. */
async function scoreAndJudge(load: LoadResult, ids: string[], root: string, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  try {
    const only = ids.length ? new Set(ids) : undefined;
    const log = (line: string) => process.stderr.write(line + "\n");
    const report = await assessQuality(load.experiments, { resultsRoot: root, signal, only, log });
    if (report.written.length > 0 || report.judgeRequests > 0)
      log(
        `quality: ${report.written.length} run(s) scored, ${report.fresh.length} unchanged, ${report.judgeRequests} judge request(s)`,
      );
  } catch (e) {
    process.stderr.write(`error: quality: ${(e as Error).message}\n`);
  }
}

/**
 * Holds `<results>/.lock` while `fn` runs: a second `tracker run` / `npm run build` on the same
 * results folder exits with a clear message (exit 3), or waits with --wait.
 */
async function withLock(wait: boolean, fn: () => Promise<number>, dir = resultsDir()): Promise<number> {
  let lock: Lock;
  try {
    lock = await acquireLock(dir, {
      wait,
      onWait: (held) => process.stderr.write(`waiting: ${held.message}\n`),
    });
  } catch (e) {
    if (!(e instanceof LockHeld)) throw e;
    process.stderr.write(`error: ${e.message}\n`);
    return 3;
  }
  const release = () => lock.release();
  process.once("exit", release);
  try {
    return await fn();
  } finally {
    process.off("exit", release);
    lock.release();
  }
}

/** Loads, plans and runs; returns the process exit code (non-zero on invalid files or failed runs). */
async function run(ids: string[], cells: string[] = []): Promise<number> {
  const root = resultsDir();
  const load = await loadExperiments(EXPERIMENTS_DIR);
  printErrors(load);
  for (const r of load.recorded.filter((r) => ids.includes(r.id)))
    process.stderr.write(`${r.id}: a recorded experiment, never run\n`);
  materialiseRecorded(load.recorded, root);
  const unknown = ids.filter(
    (id) =>
      !load.experiments.some((e) => e.id === id) &&
      !load.recorded.some((r) => r.id === id) &&
      !load.errors.some((e) => e.file.endsWith(`/${id}.ts`)),
  );
  if (unknown.length) {
    process.stderr.write(`error: no experiment file for ${unknown.join(", ")} in ${EXPERIMENTS_DIR}/\n`);
    return 2;
  }
  const plan = planExperiments(load.experiments, root);
  const { chosen, problems } = chooseRuns(plan, ids, cells);
  if (problems.length) {
    for (const problem of problems) process.stderr.write(`error: ${problem}\n`);
    return 2;
  }
  const invalidChosen = ids.length
    ? load.errors.filter((e) => ids.some((id) => e.file.endsWith(`/${id}.ts`)))
    : load.errors;
  const fresh = plan.length - plan.filter(needsRun).length;
  process.stderr.write(
    `${chosen.length} to run, ${fresh} fresh${load.errors.length ? `, ${load.errors.length} error(s) in experiment files` : ""}\n`,
  );
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write("\nstopping: no new requests are sent; press Ctrl-C again to quit at once\n");
    controller.abort();
    process.once("SIGINT", () => process.exit(130));
  };
  process.once("SIGINT", onSigint);
  const failures = await runPending(chosen, root, controller.signal);
  await scoreAndJudge(load, ids, root, controller.signal);
  process.off("SIGINT", onSigint);
  writeExperimentIndex(
    root,
    planExperiments(load.experiments, root),
    load.errors,
    recordedIndexEntries(load.recorded, root),
  );
  if (controller.signal.aborted) return 130;
  return invalidChosen.length > 0 || failures > 0 ? 1 : 0;
}

/** One line of `tracker list`: state, name, the run shown, repeats done, reason, client-bound runs. */
function planLine(p: PlanEntry, name: string): string {
  const run = p.shown ? ` ${p.shown.runId} (${p.shown.manifest.status})` : "";
  const units =
    p.units.length > 1
      ? ` [${p.units.filter((u) => u.action === "complete").length}/${p.units.length} runs complete]`
      : "";
  const bound = p.clientBound.length
    ? ` [client-bound: ${p.clientBound.map((r) => `${r.runId}${r.manifest.self_check?.reason ? ` (${r.manifest.self_check.reason})` : ""}`).join(", ")}]`
    : "";
  return `${p.state.padEnd(8)} ${name}${run}${units}${p.reason ? `: ${p.reason}` : ""}${bound}`;
}

const program = new Command("tracker").version(trackerVersion()).description("vLLM benchmark tracker");

program
  .command("run")
  .description("run experiments whose results are missing or whose spec changed (or the given ids, always)")
  .argument("[ids...]", "experiment ids (file names without .ts); a grid runs its cells that are not fresh")
  .option(
    "--cell <cell>",
    "a grid's cells to run (again): axis=value pairs joined by ',', e.g. model=gemma-3-1b; repeatable",
    (value: string, previous: string[]) => [...previous, value],
    [] as string[],
  )
  .option("--wait", "wait for another tracker run or build on the same results folder instead of exiting")
  .option(
    "--shard <i/n>",
    "run only share i of n (0-based i, as JOB_COMPLETION_INDEX) into results/.shards/; see tracker merge",
  )
  .action(async (ids: string[], opts: { wait?: boolean; cell: string[]; shard?: string }) => {
    if (opts.shard === undefined) {
      process.exitCode = await withLock(Boolean(opts.wait), () => run(ids, opts.cell));
      return;
    }
    const target = await shardTarget(ids, opts.cell, opts.shard, EXPERIMENTS_DIR);
    if (typeof target === "string") {
      process.stderr.write(`error: ${target}\n`);
      process.exitCode = 2;
      return;
    }
    const { exp, shard } = target;
    const controller = new AbortController();
    process.once("SIGINT", () => controller.abort());
    const dir = shardLockDir(resultsDir(), exp.id, shard);
    process.exitCode = await withLock(
      Boolean(opts.wait),
      () => runShard(exp, shard, resultsDir(), controller.signal),
      dir,
    );
  });

program
  .command("merge")
  .description("join the complete shard runs of an experiment (tracker run <id> --shard i/n) into one run")
  .argument("<id>", "experiment id")
  .argument("<folders...>", "the shard run folders, one per shard index (e.g. results/.shards/<id>/*)")
  .option("--wait", "wait for another tracker run or build on the same results folder instead of exiting")
  .action(async (id: string, folders: string[], opts: { wait?: boolean }) => {
    process.exitCode = await withLock(Boolean(opts.wait), async () => {
      try {
        await mergeCommand(id, folders, resultsDir(), EXPERIMENTS_DIR);
        return 0;
      } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n`);
        return 1;
      }
    });
  });

program
  .command("validate")
  .description("check every experiment file without running anything")
  .action(async () => {
    const load = await loadExperiments(EXPERIMENTS_DIR);
    printErrors(load);
    for (const warning of load.experiments.flatMap((e) => experimentWarnings(e)))
      process.stderr.write(`warning: ${warning}\n`);
    for (const e of load.experiments) {
      const grid = e.cell?.grid;
      if (grid && e === load.experiments.find((x) => x.id === e.id)) {
        const cells = load.experiments.filter((x) => x.id === e.id).length;
        process.stdout.write(`ok ${e.file} (grid: ${cells} cells, ${grid.map((a) => a.name).join(" × ")})\n`);
      }
      const what = `${e.prompts.length} prompts, spec ${e.specHash.slice(0, 8)}`;
      process.stdout.write(e.cell ? `   cell ${e.cell.key} (${what})\n` : `ok ${e.file} (${what})\n`);
    }
    for (const r of load.recorded) {
      const status = r.recorded.status === "complete" ? "" : `, ${r.recorded.status}`;
      process.stdout.write(`ok ${r.file} (recorded${status}, spec ${r.specHash.slice(0, 8)})\n`);
    }
    process.exitCode = load.errors.length ? 1 : 0;
  });

program
  .command("list")
  .description("show each experiment as fresh, stale, pending, failed or partial (and client-bound runs)")
  .action(async () => {
    const load = await loadExperiments(EXPERIMENTS_DIR);
    const plan = planExperiments(load.experiments, resultsDir(), () => {});
    const grids = planGrids(plan, resultsDir(), () => {});
    for (const p of plan) {
      const grid = grids.find((g) => g.cells[0] === p);
      if (grid) {
        const axes = grid.axes.map((a) => `${a.name} (${a.values.join(", ")})`).join(" × ");
        process.stdout.write(
          `${grid.state.padEnd(8)} ${grid.id} [grid: ${axes}]${grid.reason ? `: ${grid.reason}` : ""}\n`,
        );
      }
      if (!p.experiment.cell) process.stdout.write(`${planLine(p, p.experiment.id)}\n`);
      else process.stdout.write(`  ${planLine(p, p.experiment.cell.key)}\n`);
      for (const line of shardLines(p)) process.stdout.write(`${line}\n`);
      for (const r of grids.find((g) => g.cells.at(-1) === p)?.removed ?? [])
        process.stdout.write(`  ${"removed".padEnd(8)} ${r.key} ${r.shown.runId} (${r.shown.manifest.status})\n`);
    }
    const status = new Map(load.recorded.map((r) => [r.id, r.recorded.status]));
    for (const r of recordedIndexEntries(load.recorded, resultsDir(), () => {})) {
      const run =
        status.get(r.id) === "pending"
          ? " (planned, never run)"
          : r.run_id
            ? ` ${r.run_id} (${status.get(r.id)})`
            : " (written by the next run or build)";
      process.stdout.write(`${"recorded".padEnd(8)} ${r.id}${run}${r.error ? `: ${r.error}` : ""}\n`);
    }
    for (const e of load.errors) process.stdout.write(`invalid  ${e.message}\n`);
    process.exitCode = load.errors.length ? 1 : 0;
  });

program
  .command("build")
  .description("run what is pending (resuming partial runs), then build the static site into dist/")
  .option("--wait", "wait for another tracker run or build on the same results folder instead of exiting")
  .action(async (opts: { wait?: boolean }) => {
    process.exitCode = await withLock(Boolean(opts.wait), async () => {
      const code = await run([]);
      if (code === 130) return code;
      try {
        const report = await buildSite(process.cwd(), resultsDir());
        const s = report.seconds;
        process.stderr.write(
          `site: dist/ built (${report.loadersRun.length} loader outputs computed, ${report.kept.length} reused; ` +
            `digests ${s.digests.toFixed(1)} s, loaders ${s.loaders.toFixed(1)} s, Framework ${s.framework.toFixed(1)} s, downloads ${s.downloads.toFixed(1)} s beside it)\n`,
        );
      } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n`);
        return 1;
      }
      return code;
    });
  });

program
  .command("dev")
  .description("run what is pending, then preview the site with live reload")
  .option("--port <port>", "preview port", int, 3000)
  .action(async (opts: { port: number }) => {
    // The lock covers the runs only: the preview reads the store and may stay open for hours.
    const code = await withLock(false, () => run([]));
    if (code === 130 || code === 3) {
      process.exitCode = code;
      return;
    }
    invalidateLoaderCache(process.cwd(), resultsDir());
    process.exitCode = await runFramework(process.cwd(), ["preview", "--port", String(opts.port)]);
  });

withSimFlags(
  program
    .command("sim")
    .description("serve the vLLM simulator until stopped")
    .requiredOption("--profile <profile>", "simulator profile, e.g. gemma-3-4b@rtx-4080")
    .option("--port <port>", "port", int, 8000)
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--seed <seed>", "seed", int, 0)
    .option("--speedup <n>", "simulated GPU speed multiplier", Number, 1)
    .option("--load-time-ms <ms>", "simulated model load time", int, 0)
    .option("--api-key-env <name>", "require the API key held in this environment variable"),
).action(async (opts: SimCommandOptions & { apiKeyEnv?: string }) => {
  const apiKey = opts.apiKeyEnv ? process.env[opts.apiKeyEnv] : undefined;
  if (opts.apiKeyEnv && !apiKey) throw new InvalidArgumentError(`environment variable ${opts.apiKeyEnv} is not set`);
  await runSimCommand({ ...opts, apiKey });
});

program.addCommand(planCommand(EXPERIMENTS_DIR));
program.addCommand(compareCommand());
program.addCommand(reportCommand());

program
  .command("import")
  .description("turn results measured elsewhere into recorded experiments (one per run in the file)")
  .argument("<format>", `${Object.keys(IMPORT_FORMATS).join(", ")}`)
  .argument("<file>", "the result file")
  .option("--experiment <id>", "experiment id (default: from the model and date, else the file name)")
  .option("--hardware <text>", 'where it ran, e.g. "RTX 4080 16 GB" (default: what the file says)')
  .addHelpText(
    "after",
    `\nFormats:\n${Object.entries(IMPORT_FORMATS)
      .map(([k, f]) => `  ${k.padEnd(12)} ${f.what}`)
      .join("\n")}`,
  )
  .action(async (format: string, file: string, opts: { experiment?: string; hardware?: string }) => {
    try {
      if (!isImportFormat(format))
        throw new InvalidArgumentError(`unknown format "${format}": one of ${Object.keys(IMPORT_FORMATS).join(", ")}`);
      const results = await importFile(format, file, {
        experimentsDir: EXPERIMENTS_DIR,
        resultsRoot: resultsDir(),
        experimentId: opts.experiment,
        hardware: opts.hardware,
      });
      for (const r of results)
        process.stderr.write(
          `${r.id}: recorded ${r.manifest.counts.requests} requests${r.rows ? `, ${r.rows} rows` : ` (${r.rowsNote})`} → ${r.experimentFile}, ${r.runDir}\n`,
        );
    } catch (e) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      process.exitCode = 1;
    }
  });

const exportCommand = program.command("export").description("write stored results in other formats");
exportCommand
  .command("batch")
  .description("a run's answers in the OpenAI batch output format (JSONL; custom_id = prompt id)")
  .argument("<experiment-id>", "experiment id")
  .option("--run <run-id>", "run to export (default: the run the site shows)")
  .option("--out <file>", "output file (default: standard output)")
  .action(async (id: string, opts: { run?: string; out?: string }) => {
    try {
      const lines = await writeBatchOutput(runToExport(resultsDir(), id, opts.run), opts.out);
      if (opts.out) process.stderr.write(`${id}: ${lines} answers → ${opts.out}\n`);
    } catch (e) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      process.exitCode = 1;
    }
  });

exportCommand
  .command("csv")
  .description(
    `a run's rows as CSV, answers published as on the site (which has the CSV of runs up to ${CSV_ROW_LIMIT.toLocaleString("en-US")} rows)`,
  )
  .argument("<experiment-id>", "experiment id")
  .option("--run <run-id>", "run to export (default: the run the site shows)")
  .option("--out <file>", "output file (default: standard output)")
  .action(async (id: string, opts: { run?: string; out?: string }) => {
    try {
      const run = runForExport(resultsDir(), id, opts.run, true);
      await exportRunCsv(run, EXPERIMENTS_DIR, opts.out);
      if (opts.out) process.stderr.write(`${id}/${run.runId}: csv → ${opts.out}\n`);
    } catch (e) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      process.exitCode = 1;
    }
  });

for (const format of EXPORT_FORMATS)
  exportCommand
    .command(format)
    .description(
      format === "report-v0.2"
        ? "a run as an llm-d Benchmark Report v0.2 (JSON)"
        : "a run as a `vllm bench serve --save-result` JSON (Python layout)",
    )
    .argument("<experiment-id>", "experiment id")
    .option("--run <run-id>", "run to export (default: the run the site shows)")
    .option("--out <file>", "output file (default: standard output)")
    .option("--detailed", "vllm-bench: add the per-request lists, as --save-detailed does")
    .action(async (id: string, opts: { run?: string; out?: string; detailed?: boolean }) => {
      try {
        const run = await exportRunAs(format, resultsDir(), id, opts);
        if (opts.out) process.stderr.write(`${id}/${run.runId}: ${format} → ${opts.out}\n`);
      } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    });

await program.parseAsync(process.argv);
