// `npx tracker plan`: before a run, will a model fit a GPU, how fast will it go, and how long and
// how much will the job take. The figures come from data-loaders/analysis/job-plan.ts; this
// module reads the options, the catalogs, the store's runs and the recorded experiments
// (report/predictions.ts observedRuns), and prints text or JSON.
// Without --model or --config it plans every catalog model on the GPU, one line each.
import { Command, InvalidArgumentError, Option } from "commander";
import { loadExperiments, type LoadResult } from "./experiment/load.ts";
import { recordedTokenMeans } from "./analysis/observations.ts";
import {
  fittingAlternatives,
  planJob,
  projectCalibration,
  type JobPlan,
  type ProjectCalibration,
} from "./analysis/job-plan.ts";
import type { BacktestRow } from "./analysis/roofline.ts";
import {
  findFormat,
  findGpu,
  findModel,
  loadCatalog,
  modelFromConfigFile,
  type Catalog,
  type CatalogModel,
} from "./hardware/catalog.ts";
import { formatSeconds } from "./run/progress.ts";
import { observedRuns } from "./report/predictions.ts";
import { resultsDir } from "./store/layout.ts";

/** The recorded experiment whose token means are the default workload (the users' candidate-evaluation study). */
export const DEFAULT_WORKLOAD_FROM = "recorded-gemma-3-4b-rtx-4080-5k";

export interface PlanOptions {
  gpu: string;
  model?: string;
  config?: string;
  weights?: string;
  requests: number;
  concurrency: number;
  promptTokens?: number;
  outputTokens?: number;
  like?: string;
  gpuMemoryUtilization?: number;
  maxModelLen?: number;
  maxNumSeqs?: number;
  kvCacheDtype: "auto" | "fp8";
  enforceEager?: boolean;
  gpuDollarsPerHour?: number;
  json?: boolean;
}

export interface PlanIo {
  out(text: string): void;
  err(text: string): void;
  experimentsDir: string;
  /** The results folder whose runs calibrate the speed model (default $TRACKER_RESULTS or results/). */
  resultsDir?: string;
  catalogDir?: string;
  /** Loads the experiments folder (default: loadExperiments; tests pass a cached one). */
  load?: (dir: string) => Promise<LoadResult>;
}

function wholeNumber(value: string): number {
  const n = Number(value.replaceAll("_", ""));
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError("expected a number > 0");
  return n;
}

/** The `plan` command, for cli.ts to add. */
export function planCommand(experimentsDir: string): Command {
  return new Command("plan")
    .description("before a run: memory fit, concurrency, predicted throughput, time and cost of a job on a GPU")
    .requiredOption("--gpu <gpu>", "GPU id or name, e.g. rtx-4080 (data-loaders/hardware/gpus.json)")
    .option("--model <model>", "model id or alias (data-loaders/hardware/models.json); default: every catalog model")
    .option("--config <path>", "a Hugging Face config.json for a model not in the catalog")
    .option("--weights <format>", "weight format, e.g. bf16, fp8, awq, gguf-q4_k_m (default: the checkpoint's)")
    .option("--requests <n>", "requests in the job", wholeNumber, 200_000)
    .option("--concurrency <n>", "requests the client keeps in flight", wholeNumber, 32)
    .option("--prompt-tokens <n>", "mean prompt tokens per request", positiveNumber)
    .option("--output-tokens <n>", "mean output tokens per request", positiveNumber)
    .option(
      "--like <experiment-id>",
      `take the token means from a recorded experiment (default: ${DEFAULT_WORKLOAD_FROM})`,
    )
    .option("--gpu-memory-utilization <x>", "vLLM --gpu-memory-utilization (default 0.9)", positiveNumber)
    .option("--max-model-len <n>", "vLLM --max-model-len (default: the model's maximum)", wholeNumber)
    .option("--max-num-seqs <n>", "vLLM --max-num-seqs (default 256)", wholeNumber)
    .addOption(new Option("--kv-cache-dtype <dtype>", "vLLM --kv-cache-dtype").choices(["auto", "fp8"]).default("auto"))
    .option("--enforce-eager", "vLLM --enforce-eager: no CUDA graphs")
    .option("--gpu-dollars-per-hour <dollars>", "GPU price, for the job's cost", positiveNumber)
    .option("--json", "print JSON")
    .action(async (opts: PlanOptions) => {
      const io = {
        out: (s: string) => process.stdout.write(s),
        err: (s: string) => process.stderr.write(s),
        experimentsDir,
      };
      process.exitCode = await runPlan(opts, io);
    });
}

/** Runs the plan; returns the exit code (1 on bad input, with the message on stderr). */
export async function runPlan(opts: PlanOptions, io: PlanIo): Promise<number> {
  try {
    if (opts.model && opts.config) throw new Error("give --model or --config, not both");
    const catalog = loadCatalog(io.catalogDir);
    const gpu = findGpu(catalog, opts.gpu);
    const models: CatalogModel[] = opts.config
      ? [modelFromConfigFile(opts.config)]
      : opts.model
        ? [findModel(catalog, opts.model)]
        : catalog.models;
    if (opts.weights) findFormat(catalog, opts.weights);
    const load = await (io.load ?? loadExperiments)(io.experimentsDir);
    if (load.errors.length)
      io.err(`warning: ${load.errors.length} experiment file(s) are invalid and left out (npx tracker validate)\n`);
    const tokens = workloadTokens(opts, load.recorded);
    const cal = projectCalibration(catalog, await observedRuns(io.resultsDir ?? resultsDir(), load.recorded));
    const single = models.length === 1 && Boolean(opts.model || opts.config);
    const plans = models.map((model) => planFor(catalog, cal, opts, model, gpu, tokens, single));
    if (opts.json)
      io.out(JSON.stringify({ tokens: tokens.source, plans, calibration: calibrationJson(cal) }, null, 2) + "\n");
    else io.out(single ? formatPlan(plans[0]!, tokens.source, cal) : formatTable(plans, tokens.source, cal));
    return 0;
  } catch (e) {
    const errors = Array.isArray(e) ? e : [e];
    for (const err of errors) io.err(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

function planFor(
  catalog: Catalog,
  cal: ProjectCalibration,
  opts: PlanOptions,
  model: CatalogModel,
  gpu: ReturnType<typeof findGpu>,
  tokens: { prompt: number; output: number },
  single: boolean,
): JobPlan {
  return planJob(catalog, cal, {
    model,
    gpu,
    weights: single || !opts.weights || appliesTo(catalog, opts.weights, model) ? opts.weights : undefined,
    requests: opts.requests,
    concurrency: opts.concurrency,
    meanPromptTokens: tokens.prompt,
    meanOutputTokens: tokens.output,
    gpuMemoryUtilization: opts.gpuMemoryUtilization,
    maxModelLen: single ? opts.maxModelLen : opts.maxModelLen && Math.min(opts.maxModelLen, model.arch.maxPositions),
    maxNumSeqs: opts.maxNumSeqs,
    kvCacheDtype: opts.kvCacheDtype,
    enforceEager: opts.enforceEager,
    gpuDollarsPerHour: opts.gpuDollarsPerHour ?? null,
  });
}

/** Across the whole catalog, an expert-only format (mxfp4) leaves dense models in their own format. */
function appliesTo(catalog: Catalog, weights: string, model: CatalogModel): boolean {
  return findFormat(catalog, weights).scope !== "experts" || model.arch.moe !== null;
}

interface WorkloadTokens {
  prompt: number;
  output: number;
  source: string;
}

function workloadTokens(
  opts: PlanOptions,
  recorded: Awaited<ReturnType<typeof loadExperiments>>["recorded"],
): WorkloadTokens {
  if (opts.promptTokens !== undefined && opts.outputTokens !== undefined)
    return { prompt: opts.promptTokens, output: opts.outputTokens, source: "--prompt-tokens and --output-tokens" };
  const id = opts.like ?? DEFAULT_WORKLOAD_FROM;
  const r = recorded.find((x) => x.id === id);
  const means = r ? recordedTokenMeans(r) : null;
  if (!means)
    throw new Error(
      `no token means: ${r ? `${id} records no token totals` : `no recorded experiment ${id}`}; give --prompt-tokens and --output-tokens${opts.like ? "" : " (or --like <recorded experiment id>)"}`,
    );
  return {
    prompt: opts.promptTokens ?? means.prompt,
    output: opts.outputTokens ?? means.output,
    source: `${opts.promptTokens !== undefined || opts.outputTokens !== undefined ? "partly " : ""}the token means of ${id}`,
  };
}

function calibrationJson(cal: ProjectCalibration) {
  return {
    memory: cal.memory,
    speed: cal.speed.groups,
    backtest: cal.backtest,
    interval: cal.interval,
    observations: cal.observations.map((o) => ({
      id: o.id,
      runId: o.runId ?? null,
      kind: o.kind ?? null,
      model: o.model,
      gpu: o.gpu,
      backend: o.backend,
      weights: o.input.format.id,
      concurrency: o.input.concurrency,
      meanPromptTokens: o.input.meanPromptTokens,
      meanOutputTokens: o.input.meanOutputTokens,
      measuredTotalTokPerS: o.measuredTotalTokPerS,
      source: o.source,
      assumptions: o.assumptions,
    })),
    skipped: cal.skipped,
  };
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const gib = (n: number) => `${n.toFixed(2)} GiB`;
const pct = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)}%`;
const range = (r: [number, number] | null, f: (n: number) => string) => (r ? ` (${f(r[0])}–${f(r[1])})` : "");

export function formatPlan(plan: JobPlan, tokensSource: string, cal: ProjectCalibration): string {
  const { fit: f, workload: w } = plan;
  const m = f.memory;
  const lines = [
    `${plan.model.name} (${plan.model.id}) on ${plan.gpu.name}`,
    `  ${int(w.requests)} requests of ${int(w.meanPromptTokens)} prompt + ${int(w.meanOutputTokens)} output tokens (${tokensSource}), ${w.concurrency} at once`,
    `  vLLM: gpu_memory_utilization ${f.gpuMemoryUtilization}, max_model_len ${int(f.maxModelLen)}, max_num_seqs ${f.maxNumSeqs}, kv_cache_dtype ${f.kvCacheDtype}, ${f.enforceEager ? "enforce_eager (no CUDA graphs)" : "CUDA graphs"}`,
    "",
    `Fit: ${plan.fit.verdict} — ${f.reasons.join("; ")}`,
    `  budget       ${gib(m.budgetGiB)} = ${f.gpuMemoryUtilization} × ${m.cardGiB} GiB`,
    `  weights      ${gib(m.weightsGiB)}  ${plan.model.weights}, ${(plan.model.parameters / 1e9).toFixed(2)}B parameters (model card: ${plan.model.stated})`,
    `  overhead     ${gib(m.overheadGiB)}  activations, CUDA context and workspaces (calibrated)`,
    `  KV cache     ${gib(m.kvCacheGiB)}  ${int(f.kv.bytesPerTokenAllLayers)} bytes per token in all layers; a mean request takes ${(f.kv.bytesPerMeanRequest / 2 ** 20).toFixed(1)} MiB, a max_model_len sequence ${(f.kv.bytesPerMaxModelLen / 2 ** 30).toFixed(2)} GiB`,
    `  CUDA graphs  ${gib(m.cudaGraphGiB)}  outside the budget (in use once ready: ${gib(m.inUseGiB)} of ${m.cardGiB} GiB)`,
    `  margin       ${gib(f.marginGiB)}`,
    `  max concurrency: ${f.maxConcurrencyAtMaxModelLen.toFixed(2)}× at max_model_len, ${f.maxConcurrencyAtMeanTokens.toFixed(2)}× at the mean request; runs ${f.concurrency.effective} at once (${limitText(f)})`,
    f.largestMaxModelLen !== null && f.largestMaxModelLen < f.maxModelLen
      ? `  starts with --max-model-len ≤ ${int(f.largestMaxModelLen)}`
      : null,
    "",
    ...speedLines(plan),
    ...alternativeLines(plan),
    "",
    "Assumptions:",
    ...plan.assumptions.map((a) => `  - ${a}`),
    "",
    ...backtestLines(cal.backtest),
  ];
  return lines.filter((l): l is string => l !== null).join("\n") + "\n";
}

function limitText(f: JobPlan["fit"]): string {
  if (f.concurrency.limitedBy === "client") return "the client's concurrency";
  if (f.concurrency.limitedBy === "kv-cache") return `limited by the KV cache; asked ${f.concurrency.requested}`;
  return `limited by max_num_seqs ${f.maxNumSeqs}; asked ${f.concurrency.requested}`;
}

function speedLines(plan: JobPlan): string[] {
  const s = plan.speed;
  if (!s) return [`Speed: no prediction: ${plan.noSpeed}`];
  const c = s.calibration;
  const lines = [
    ...(s.condition ? [`Speed ${s.condition} (at this max_model_len vLLM does not start):`] : []),
    `Speed (predicted by the roofline model, calibrated on ${c.basis === "this GPU" ? "this GPU's" : "other GPUs'"} vLLM runs: efficiency ${c.efficiency.toFixed(3)}):`,
    `  ${int(s.predicted.totalTokPerS)} total tok/s${range(s.totalTokPerSRange, int)}, ${int(s.predicted.outputTokPerS)} output tok/s, ${s.predicted.requestsPerS.toFixed(2)} requests/s at ${s.predicted.concurrency} at once (${s.bound}-bound)`,
  ];
  if (s.interval)
    lines.push(
      `  interval: the largest leave-one-out error of the speed model over ${s.interval.from.length} measured or recorded vLLM runs`,
    );
  if (s.atMaxConcurrency.concurrency !== s.predicted.concurrency)
    lines.push(
      `  at ${s.atMaxConcurrency.concurrency} at once (the most the KV cache and max_num_seqs allow): ${int(s.atMaxConcurrency.totalTokPerS)} total tok/s`,
    );
  const j = plan.job;
  if (j)
    lines.push(
      `Job: ${int(plan.workload.requests)} requests in ${formatSeconds(j.seconds)}${range(j.range, formatSeconds)}`,
    );
  const cost = plan.cost;
  lines.push(
    cost
      ? `Cost: $${cost.dollars.toFixed(2)}${range(cost.range, (d) => `$${d.toFixed(2)}`)} at $${cost.dollarsPerHour}/hour`
      : "Cost: give --gpu-dollars-per-hour for the job's cost",
  );
  return lines;
}

function alternativeLines(plan: JobPlan): string[] {
  if (plan.fit.verdict === "fits") return [];
  return [
    "Other weight formats (same settings):",
    ...plan.alternatives.map(
      (a) =>
        `  ${a.weights.padEnd(12)} ${a.verdict.padEnd(13)} KV cache ${gib(a.kvCacheGiB).padStart(10)}, ${Math.max(0, a.maxConcurrencyAtMeanTokens).toFixed(1)} mean requests at once${a.failure === "max-model-len" ? ` (starts with --max-model-len ≤ ${int(a.largestMaxModelLen!)})` : ""}`,
    ),
  ];
}

function backtestLines(rows: readonly BacktestRow[]): string[] {
  return [
    "Speed model backtest (each measured or recorded run predicted without itself):",
    ...rows.map(
      (r) =>
        `  ${r.id.padEnd(36)} ${r.backend.padEnd(7)} measured ${int(r.measuredTotalTokPerS).padStart(7)} tok/s, predicted ${r.predictedTotalTokPerS === null ? "—" : int(r.predictedTotalTokPerS).padStart(7)} (${r.error === null ? "no other run" : pct(r.error)})`,
    ),
  ];
}

export function formatTable(plans: readonly JobPlan[], tokensSource: string, cal: ProjectCalibration): string {
  const first = plans[0]!;
  const w = first.workload;
  const cols = (cells: string[]) =>
    [
      cells[0]!.padEnd(42),
      cells[1]!.padEnd(7),
      cells[2]!.padEnd(12),
      ...cells.slice(3, 6).map((c) => c.padStart(10)),
      " " + cells[6]!.padEnd(24),
      cells[7]!.padEnd(38),
      cells[8]!.padEnd(14),
      cells[9]!,
    ].join(" ");
  const header = [
    `Plan on ${first.gpu.name}: ${int(w.requests)} requests of ${int(w.meanPromptTokens)} + ${int(w.meanOutputTokens)} tokens (${tokensSource}), ${w.concurrency} at once — predicted, not measured`,
    "",
    cols([
      "model",
      "weights",
      "fit",
      "weights",
      "KV cache",
      "at once",
      "total tok/s (interval)",
      "time (interval)",
      "most at once",
      "note",
    ]),
  ];
  const rows = plans.map((p) => {
    const f = p.fit;
    const s = p.speed;
    return cols([
      p.model.id,
      p.model.weights,
      f.verdict,
      gib(f.memory.weightsGiB),
      gib(f.memory.kvCacheGiB),
      String(f.concurrency.effective),
      s ? `${int(s.predicted.totalTokPerS)}${range(s.totalTokPerSRange, int)}` : "—",
      p.job ? `${formatSeconds(p.job.seconds)}${range(p.job.range, formatSeconds)}` : "—",
      s ? `${s.atMaxConcurrency.concurrency}: ${int(s.atMaxConcurrency.totalTokPerS)}` : "—",
      tableNote(p),
    ]);
  });
  return [...header, ...rows, "", ...backtestLines(cal.backtest)].join("\n") + "\n";
}

function tableNote(p: JobPlan): string {
  const f = p.fit;
  if (f.failure === "max-model-len")
    return `max_model_len ${int(f.maxModelLen)} does not start; speed and time are with --max-model-len ≤ ${int(f.largestMaxModelLen!)}`;
  if (f.verdict !== "does not fit") return "";
  const fitting = fittingAlternatives(p);
  return fitting.length ? `fits as ${fitting.join(", ")}` : "no weight format in the catalog fits";
}
