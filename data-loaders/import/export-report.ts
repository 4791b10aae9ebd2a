// `tracker export report-v0.2 <id>`: a run as an llm-d Benchmark Report v0.2 (JSON), in
// llm-d-benchmark's schema (test/fixtures/report-v0.2/README.md): `run` (uid, eid, times; `duration` is the benchmark
// duration, first send → last completion), `scenario.stack` (the engine: `inference_engine` with
// the accelerator when the run launched its server on a machine with nvidia-smi, else a `generic`
// component naming the model), `scenario.load` (the load generator: the tracker, or the tool of
// a recorded run), and `results.request_performance.aggregate` with the project's figures
// (aggregates.ts): request counts, mean token lengths, TTFT / TPOT / ITL / E2E statistics in ms
// and the token and request rates. Fields with no value are left out, as llm-d writes reports.
import { perSecond } from "../metrics/throughput.ts";
import type { Distribution } from "../metrics/types.ts";
import type { QuantilePoint } from "../metrics/latency.ts";
import type { RunFolder } from "../store/folders.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import { runConcurrency } from "../report/digest.ts";
import type { RunAggregates } from "./aggregates.ts";

type Stats = Record<string, string | number>;

export function reportV02(run: RunFolder, agg: RunAggregates): Record<string, unknown> {
  const m = run.manifest;
  const durationS = agg.summary?.durationS ?? m.recorded?.duration_s ?? null;
  return {
    version: "0.2",
    run: {
      uid: `${m.experiment_id}/${m.run_id}`,
      eid: m.experiment_id,
      time: {
        start: m.started_at,
        ...(m.finished_at ? { end: m.finished_at } : {}),
        ...(durationS ? { duration: `PT${durationS}S` } : {}),
      },
      description: `${m.server.model} [${m.experiment_id}]`,
    },
    scenario: { stack: [engine(m)], load: load(m, agg) },
    results: { request_performance: { aggregate: aggregate(agg) } },
  };
}

function engine(m: Manifest): Record<string, unknown> {
  const gpus = m.server.kind === "launch" ? (m.environment.gpus ?? []) : [];
  const version = m.server_facts?.version ?? "unknown";
  const tool = m.source === "simulated" ? "vllm-bench-tracker simulator" : m.source === "recorded" ? "unknown" : "vllm";
  const standardized = gpus.length
    ? {
        kind: "inference_engine",
        tool,
        tool_version: version,
        role: "replica",
        replicas: 1,
        model: { name: m.server.model },
        accelerator: { model: gpus[0]!.name, count: gpus.length, parallelism: {} },
      }
    : {
        kind: "generic",
        tool,
        tool_version: m.source === "simulated" ? m.tracker_version : version,
        model: { name: m.server.model },
        ...(m.source === "recorded" ? { hardware: m.environment.host } : {}),
      };
  const launch = (m.spec.server as { launch?: { args?: Record<string, unknown> } } | undefined)?.launch;
  return {
    metadata: { schema_version: "0.0.1", label: "engine-0", cfg_id: m.spec_hash.slice(0, 32) },
    standardized,
    native: launch?.args ? { args: launch.args } : {},
  };
}

function load(m: Manifest, agg: RunAggregates): Record<string, unknown> {
  const spec = (m.spec.load ?? {}) as { rate?: number };
  const recorded = m.source === "recorded";
  const meanPrompt = agg.summary?.meanPromptTokens ?? meanOf(m.recorded?.total_input_tokens, m.recorded?.completed);
  const concurrency = runConcurrency(m);
  return {
    metadata: { schema_version: "0.0.1", cfg_id: m.spec_hash.slice(0, 32) },
    standardized: {
      tool: recorded ? (m.recorded?.tool ?? "unknown") : "vllm-bench-tracker",
      tool_version: recorded ? (m.recorded?.tool_version ?? "unknown") : m.tracker_version,
      source: recorded ? "unknown" : "sampled",
      input_seq_len: { distribution: "other", value: meanPrompt ?? 0 },
      ...(spec.rate ? { rate_qps: spec.rate } : {}),
      ...(concurrency ? { concurrency } : {}),
    },
    native: { config: m.spec },
  };
}

const meanOf = (total: number | null | undefined, count: number | null | undefined) =>
  total != null && count ? total / count : null;

function aggregate(agg: RunAggregates): Record<string, unknown> {
  const s = agg.summary;
  if (!s) return recordedAggregate(agg.manifest.recorded!);
  const q = agg.quantiles;
  return {
    requests: {
      total: s.requests,
      failures: s.failed,
      ...lengths(s.meanPromptTokens, s.meanCompletionTokens),
    },
    latency: pick({
      time_to_first_token: stats("ms", s.ttftMs, q.ttftMs),
      time_per_output_token: stats("ms/token", s.tpotMs, q.tpotMs),
      inter_token_latency: stats("ms/token", s.itlMs, []),
      request_latency: stats("ms", s.e2elMs, q.e2elMs),
    }),
    throughput: {
      input_token_rate: { units: "tokens/s", mean: perSecond(s.totalInputTokens, s.durationS) },
      output_token_rate: { units: "tokens/s", mean: s.outputThroughput },
      total_token_rate: { units: "tokens/s", mean: s.totalTokenThroughput },
      request_rate: { units: "queries/s", mean: s.requestThroughput },
    },
  };
}

function recordedAggregate(r: NonNullable<Manifest["recorded"]>): Record<string, unknown> {
  const mean = (units: string, value: number | null) => (value === null ? undefined : { units, mean: value });
  return {
    requests: {
      total: r.requests,
      ...(r.completed !== null ? { failures: r.requests - r.completed } : {}),
      ...lengths(meanOf(r.total_input_tokens, r.completed), meanOf(r.total_output_tokens, r.completed)),
    },
    latency: pick({
      time_to_first_token: mean("ms", r.mean_ttft_ms),
      time_per_output_token: mean("ms/token", r.mean_tpot_ms),
      request_latency: mean("ms", r.mean_e2el_ms),
    }),
    throughput: pick({
      output_token_rate: mean("tokens/s", r.output_throughput),
      total_token_rate: mean("tokens/s", r.total_token_throughput),
      request_rate: mean("queries/s", r.request_throughput),
    }),
  };
}

function lengths(prompt: number | null, completion: number | null): Record<string, Stats> {
  return pick({
    input_length: prompt === null ? undefined : { units: "count", mean: prompt },
    output_length: completion === null ? undefined : { units: "count", mean: completion },
  }) as Record<string, Stats>;
}

/** llm-d's Statistics block: mean, stddev, min, max and percentiles (p0p1 … p99p9); undefined without values. */
function stats(units: string, d: Distribution, extra: QuantilePoint[]): Stats | undefined {
  if (d.n === 0 || d.mean === null) return undefined;
  const at = (p: number) => extra.find((x) => x.p === p)?.ms;
  const out: Record<string, number | string | null | undefined> = {
    units,
    mean: d.mean,
    stddev: d.std,
    min: d.min,
    p0p1: at(0.1),
    p1: at(1),
    p5: at(5),
    p10: at(10),
    p25: at(25),
    p50: d.p50,
    p75: at(75),
    p90: d.p90,
    p95: d.p95,
    p99: d.p99,
    p99p9: at(99.9),
    max: d.max,
  };
  return pick(out) as Stats;
}

/** The entries with a value (llm-d leaves unset fields out). */
function pick(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
}
