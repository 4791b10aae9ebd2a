// Assembles the cross-experiment tables of the overview, compare and projections pages from run
// digests: the leaderboard (one row per experiment, the run it shows) and the benchmark matrix
// (model × request count). No formulas here: figures come from metrics/ and analysis/ through
// the digests, costs from analysis/cost.ts.
import {
  apiCosts,
  projectedGpuCosts,
  recordedAggregates,
  selfHostedRate,
  type ApiCost,
  type ProjectedCost,
} from "../analysis/cost.ts";
import { PROJECTION_COUNTS, type Projection } from "../analysis/extrapolate.ts";
import type { ExperimentEntry } from "../store/schemas/experiment-index.ts";
import type { RunDigest } from "./digest.ts";
import type { ReportSettings } from "./settings.ts";

export type Source = "measured" | "simulated" | "recorded";

export interface Figures {
  requests: number;
  successRate: number | null;
  durationS: number | null;
  requestThroughput: number | null;
  outputThroughput: number | null;
  totalTokenThroughput: number | null;
  meanPromptTokens: number | null;
  meanCompletionTokens: number | null;
  outputInputRatio: number | null;
}

/** The headline figures of a run: its summary, or a recorded run's aggregates. */
export function runFigures(d: RunDigest): Figures | null {
  if (d.summary) {
    const s = d.summary;
    return {
      requests: s.requests,
      successRate: s.successRate,
      durationS: s.durationS,
      requestThroughput: s.requestThroughput,
      outputThroughput: s.outputThroughput,
      totalTokenThroughput: s.totalTokenThroughput,
      meanPromptTokens: s.meanPromptTokens,
      meanCompletionTokens: s.meanCompletionTokens,
      outputInputRatio: s.outputInputRatio,
    };
  }
  if (d.recorded) {
    const r = d.recorded;
    const agg = recordedAggregates(r);
    return {
      requests: r.requests,
      successRate: r.completed === null || r.requests === 0 ? null : r.completed / r.requests,
      durationS: r.duration_s,
      requestThroughput: r.request_throughput,
      outputThroughput: r.output_throughput,
      totalTokenThroughput: r.total_token_throughput,
      meanPromptTokens: agg.meanPromptTokens,
      meanCompletionTokens: agg.meanCompletionTokens,
      outputInputRatio:
        agg.meanPromptTokens && agg.meanCompletionTokens !== null
          ? agg.meanCompletionTokens / agg.meanPromptTokens
          : null,
    };
  }
  return null;
}

export interface CostFigures {
  /** Cost per 100K / 1M requests at each price of the experiment. */
  api: ApiCost[];
  /** Self-hosted cost per 100K / 1M at the projection rate (null without GPU $/hour or a rate). */
  selfHosted: { per100K: number; per1M: number; dollarsPerHour: number } | null;
  /** Self-hosted cost of each projected request count, with its interval. */
  projected: ProjectedCost[];
}

export function runCosts(d: RunDigest, settings: ReportSettings): CostFigures {
  const f = runFigures(d);
  const api =
    f && f.meanPromptTokens !== null && f.meanCompletionTokens !== null
      ? apiCosts(settings.prices, {
          meanPromptTokens: f.meanPromptTokens,
          meanCompletionTokens: f.meanCompletionTokens,
        })
      : [];
  const gpu = settings.gpuDollarsPerHour;
  const rate = d.projections[0]?.basis.requestThroughput ?? null;
  const hosted = gpu !== null && rate !== null ? selfHostedRate(gpu, rate) : null;
  return {
    api,
    selfHosted: hosted && gpu !== null ? { per100K: hosted.per100K, per1M: hosted.per1M, dollarsPerHour: gpu } : null,
    projected: gpu === null ? [] : projectedGpuCosts(gpu, d.projections),
  };
}

export interface MatrixCell {
  kind: "measured" | "simulated" | "recorded" | "extrapolated" | "failed" | "pending";
  /** Seconds measured or projected (null for failed, and pending without an estimate). */
  seconds: number | null;
  lo: number | null;
  hi: number | null;
  /** The experiment / run the cell comes from (for extrapolated: the run projected from). */
  experimentId: string | null;
  runId: string | null;
  /** Failure reason, or what an estimate is based on. */
  note: string | null;
}

export interface BenchmarkMatrix {
  models: string[];
  counts: number[];
  /** cells[model][count] */
  cells: Record<string, Record<string, MatrixCell>>;
}

/**
 * Model × request count. A cell is the run of that model with that many requests (measured,
 * simulated or recorded; the latest complete one), else its failure (with the reason), else a
 * pending experiment of that size (with an estimate from the model's projection when there is
 * one), else, for the projection counts, the extrapolation from the model's largest run.
 */
export function benchmarkMatrix(entries: readonly ExperimentEntry[], digests: readonly RunDigest[]): BenchmarkMatrix {
  const models = [
    ...new Set([...digests.map((d) => d.model), ...entries.flatMap((e) => (e.model ? [e.model] : []))]),
  ].sort();
  const requestsOf = (e: ExperimentEntry) => (typeof e.spec?.requests === "number" ? e.spec.requests : null);
  const counts = [
    ...new Set([
      ...digests.map((d) => d.recorded?.requests ?? d.counts.requests),
      ...entries.flatMap((e) => (requestsOf(e) === null ? [] : [requestsOf(e)!])),
      ...PROJECTION_COUNTS,
    ]),
  ]
    .filter((n) => n > 0)
    .sort((a, b) => a - b);
  const cells: BenchmarkMatrix["cells"] = {};
  for (const model of models) {
    const runs = digests.filter((d) => d.model === model);
    const base = [...runs]
      .filter((d) => d.projections.length > 0)
      .sort(
        (a, b) =>
          (b.summary?.completed ?? b.recorded?.requests ?? 0) - (a.summary?.completed ?? a.recorded?.requests ?? 0),
      )[0];
    const projection = (n: number): Projection | null => {
      const p = base?.projections.find((x) => x.requests === n);
      if (p || !base) return p ?? null;
      return null;
    };
    cells[model] = {};
    for (const n of counts) {
      const size = (d: RunDigest) => d.recorded?.requests ?? d.counts.requests;
      const done = runs.filter((d) => size(d) === n && d.status === "complete" && (d.summary || d.recorded)).at(-1);
      const failed = runs.filter((d) => size(d) === n && d.status === "failed").at(-1);
      const pending = entries.find((e) => e.model === model && e.state === "pending" && requestsOf(e) === n);
      const p = projection(n);
      let cell: MatrixCell | null = null;
      if (done) {
        cell = {
          kind: done.source,
          seconds: runFigures(done)?.durationS ?? null,
          lo: null,
          hi: null,
          experimentId: done.experimentId,
          runId: done.runId,
          note: null,
        };
      } else if (failed) {
        cell = {
          kind: "failed",
          seconds: null,
          lo: null,
          hi: null,
          experimentId: failed.experimentId,
          runId: failed.runId,
          note: failed.reason ?? "failed",
        };
      } else if (pending) {
        cell = {
          kind: "pending",
          seconds: p?.seconds ?? null,
          lo: p?.lo ?? null,
          hi: p?.hi ?? null,
          experimentId: pending.id,
          runId: null,
          note: p ? `estimate from run ${p.basis.runId}` : "no run of this model to estimate from",
        };
      } else if (p && base) {
        cell = {
          kind: "extrapolated",
          seconds: p.seconds,
          lo: p.lo,
          hi: p.hi,
          experimentId: base.experimentId,
          runId: base.runId,
          note: `from run ${base.runId} (${p.basis.method})`,
        };
      }
      if (cell) cells[model]![String(n)] = cell;
    }
  }
  return { models, counts, cells };
}
