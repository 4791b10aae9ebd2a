// The headline figures and costs of one run, as every page quotes them, from its digest: the same
// fields for measured, simulated and recorded runs (a recorded run's digest fills its summary
// from the record). No formulas here: figures come from metrics/ through the digest, costs from
// analysis/cost.ts at the rate the run is judged at (metrics/rate.ts).
import {
  apiCosts,
  energyCost,
  projectedGpuCosts,
  selfHostedRate,
  type ApiCost,
  type EnergyCost,
  type ProjectedCost,
} from "../analysis/cost.ts";
import type { RunDigest } from "./digest.ts";
import type { ReportSettings } from "./settings.ts";

const FIGURES = [
  "requests",
  "successRate",
  "durationS",
  "requestThroughput",
  "outputThroughput",
  "totalTokenThroughput",
  "meanPromptTokens",
  "meanCompletionTokens",
  "outputInputRatio",
] as const;

/** The headline figures of a run (null when unknown, as for what a record leaves out). */
export type Figures = Record<(typeof FIGURES)[number], number | null>;

/** The headline figures of a run's summary; null when the run has no summary. */
export function runFigures(d: RunDigest): Figures | null {
  const s = d.summary;
  return s && (Object.fromEntries(FIGURES.map((k) => [k, s[k]])) as Figures);
}

export interface CostFigures {
  /** Cost per 100K / 1M requests at each price of the experiment. */
  api: ApiCost[];
  /** Self-hosted cost per 100K / 1M at the rate the run is judged at (null without GPU $/hour or a rate). */
  selfHosted: { per100K: number; per1M: number; dollarsPerHour: number } | null;
  /** Self-hosted cost of each projected request count, with its interval. */
  projected: ProjectedCost[];
  /** Electricity cost per 100K / 1M from the run's measured GPU energy per request (null without `electricityPerKWh` or power samples). */
  energy: EnergyCost | null;
}

export function runCosts(d: RunDigest, settings: ReportSettings): CostFigures {
  const s = d.summary;
  const api =
    s && s.meanPromptTokens !== null && s.meanCompletionTokens !== null
      ? apiCosts(settings.prices, {
          meanPromptTokens: s.meanPromptTokens,
          meanCompletionTokens: s.meanCompletionTokens,
        })
      : [];
  const gpu = settings.gpuDollarsPerHour;
  const hosted = gpu !== null && d.rate !== null ? selfHostedRate(gpu, d.rate.requestThroughput) : null;
  return {
    api,
    selfHosted: hosted && { per100K: hosted.per100K, per1M: hosted.per1M, dollarsPerHour: hosted.dollarsPerHour },
    projected: gpu === null ? [] : projectedGpuCosts(gpu, d.projections),
    energy:
      settings.electricityPerKWh == null || d.energy?.joulesPerRequest == null
        ? null
        : energyCost(settings.electricityPerKWh, d.energy.joulesPerRequest),
  };
}
