// Runs against a baseline, the comparison the users wrote by hand: rates in several units and the
// ratio of each to the baseline's, a ranking by one of them, time for N requests and the time
// saved, tokens per request and their input/output shares, output length against the baseline,
// cost at each price for N requests, and a screen-then-escalate plan with the baseline as the
// stronger model. Formulas:
//   rate in a unit   requests: the rate the run is judged at (metrics/rate.ts); total and output
//                    tokens, answers, characters, words: per second over the whole run (metrics/
//                    throughput.ts, text-rates.ts; a recorded run's as recorded or derived)
//   ratio            candidate rate / baseline rate in the same unit (> 1: faster)
//   rank             by the chosen unit, fastest first; runs without that rate come last, unranked
//   time for N       N / requests rate; time saved = baseline's − candidate's (analysis/paired.ts `speedup`)
//   per request      1 / requests rate (wall time per request at that rate)
//   token shares     input = mean prompt / (mean prompt + mean completion); output = 1 − input
//   shorter outputs  1 − candidate mean completion / baseline mean completion
//   cost of N        N · cost of a mean request at the price (analysis/cost.ts)
//   hybrid           screen all N with the candidate, send `share` of them to the baseline
//                    (analysis/cascade.ts `shareCascade`)
// Tokens per second compare badly across tokenizers; the characters, words and answers rates do
// not depend on one, so the ranking says which unit it uses.
import { RATE_UNITS, type RateUnit } from "../experiment/recorded-history.ts";
import { shareCascade, type ShareCascade } from "./cascade.ts";
import { tokenCost, type Price } from "./cost.ts";
import { speedup } from "./paired.ts";

/** Request counts the comparison gives times and costs for (the reports' 1K–1M tables, their 5K runs and 50K / 200K jobs). */
export const COMPARE_COUNTS = [1_000, 5_000, 10_000, 50_000, 100_000, 200_000, 1_000_000] as const;
/** The share of the screened requests the reports' hybrid sends to the stronger model. */
export const HYBRID_SHARE = 0.2;

export const RATE_LABELS: Record<RateUnit, string> = {
  requests: "requests/s",
  totalTokens: "total tokens/s",
  outputTokens: "output tokens/s",
  answers: "answers/s",
  chars: "characters/s",
  words: "words/s",
};

export interface CompareRun {
  id: string;
  /** Per second in each unit (null when unknown). */
  rates: Record<RateUnit, number | null>;
  meanPromptTokens: number | null;
  meanCompletionTokens: number | null;
  /** The prices this run is costed at. */
  prices: readonly Price[];
}

export interface CompareOptions {
  rankBy: RateUnit;
  counts: readonly number[];
  /** The job size the hybrid is given for. */
  requests: number;
  /** The share of the requests the hybrid sends to the baseline. */
  share: number;
}

export interface TokenMix {
  meanTotalTokens: number | null;
  inputShare: number | null;
  outputShare: number | null;
}

export interface ComparedRun {
  id: string;
  isBaseline: boolean;
  rates: Record<RateUnit, number | null>;
  /** Candidate rate / baseline rate in each unit. */
  ratios: Record<RateUnit, number | null>;
  /** 1 = fastest by `rankBy`; null without that rate. */
  rank: number | null;
  /** The rank by each unit. */
  ranks: Record<RateUnit, number | null>;
  secondsPerRequest: number | null;
  times: { requests: number; seconds: number; savedS: number | null; savedPct: number | null }[];
  tokens: TokenMix & { shorterOutputs: number | null };
  costs: { label: string; perRequest: number; byCount: { requests: number; dollars: number }[] }[];
  /** Screen with this run, send `share` to the baseline: one per price both are costed at (none for the baseline). */
  hybrid: ({ label: string } & ShareCascade)[];
}

export interface Comparison {
  baselineId: string;
  rankBy: RateUnit;
  counts: number[];
  requests: number;
  share: number;
  /** In rank order (the baseline where its rank puts it). */
  runs: ComparedRun[];
}

/** Mean total tokens of a request and the input and output shares of it. */
export function tokenMix(meanPromptTokens: number | null, meanCompletionTokens: number | null): TokenMix {
  if (meanPromptTokens === null || meanCompletionTokens === null) {
    return { meanTotalTokens: null, inputShare: null, outputShare: null };
  }
  const total = meanPromptTokens + meanCompletionTokens;
  return {
    meanTotalTokens: total,
    inputShare: total > 0 ? meanPromptTokens / total : null,
    outputShare: total > 0 ? meanCompletionTokens / total : null,
  };
}

/** 1 − candidate / baseline mean completion tokens (the share by which its outputs are shorter). */
export function shorterOutputs(candidate: number | null, baseline: number | null): number | null {
  return candidate === null || baseline === null || !(baseline > 0) ? null : 1 - candidate / baseline;
}

/** candidate / baseline, when both are positive. */
export function rateRatio(candidate: number | null, baseline: number | null): number | null {
  return candidate !== null && baseline !== null && candidate > 0 && baseline > 0 ? candidate / baseline : null;
}

/** Dollars of a mean request at a price (null without token means). */
export function meanRequestCost(run: Pick<CompareRun, "meanPromptTokens" | "meanCompletionTokens">, price: Price) {
  return run.meanPromptTokens === null || run.meanCompletionTokens === null
    ? null
    : tokenCost(price, run.meanPromptTokens, run.meanCompletionTokens);
}

/** Every run against the baseline (see the header). Throws when the baseline is not among the runs. */
export function compareRuns(runs: readonly CompareRun[], baselineId: string, options: CompareOptions): Comparison {
  const baseline = runs.find((r) => r.id === baselineId);
  if (!baseline) throw new Error(`no run "${baselineId}" to compare with (runs: ${runs.map((r) => r.id).join(", ")})`);
  const ranks = new Map(runs.map((r) => [r, {} as Record<RateUnit, number | null>]));
  for (const unit of RATE_UNITS) {
    const ranked = [...runs].filter((r) => positive(r.rates[unit])).sort((a, b) => b.rates[unit]! - a.rates[unit]!);
    for (const r of runs) ranks.get(r)![unit] = ranked.includes(r) ? ranked.indexOf(r) + 1 : null;
  }
  const compared = runs.map((r) => comparedRun(r, baseline, options, ranks.get(r)!));
  const order = (c: ComparedRun) => c.rank ?? Infinity;
  return {
    baselineId,
    rankBy: options.rankBy,
    counts: [...options.counts],
    requests: options.requests,
    share: options.share,
    runs: compared.sort((a, b) => order(a) - order(b)),
  };
}

function comparedRun(
  run: CompareRun,
  baseline: CompareRun,
  options: CompareOptions,
  ranks: Record<RateUnit, number | null>,
): ComparedRun {
  const isBaseline = run === baseline;
  const rate = run.rates.requests;
  const baseRate = baseline.rates.requests;
  const saved = positive(rate) && positive(baseRate) ? speedup(baseRate, rate, options.counts).timeSaved : null;
  const times = positive(rate)
    ? options.counts.map((requests, i) => ({
        requests,
        seconds: requests / rate,
        savedS: isBaseline ? 0 : (saved?.[i]?.savedS ?? null),
        savedPct: isBaseline ? 0 : (saved?.[i]?.savedPct ?? null),
      }))
    : [];
  const costs = run.prices.flatMap((price) => {
    const perRequest = meanRequestCost(run, price);
    if (perRequest === null) return [];
    const byCount = options.counts.map((requests) => ({ requests, dollars: requests * perRequest }));
    return [{ label: price.label, perRequest, byCount }];
  });
  return {
    id: run.id,
    isBaseline,
    rates: run.rates,
    ratios: Object.fromEntries(RATE_UNITS.map((u) => [u, rateRatio(run.rates[u], baseline.rates[u])])) as Record<
      RateUnit,
      number | null
    >,
    rank: ranks[options.rankBy],
    ranks,
    secondsPerRequest: positive(rate) ? 1 / rate : null,
    times,
    tokens: {
      ...tokenMix(run.meanPromptTokens, run.meanCompletionTokens),
      shorterOutputs: shorterOutputs(run.meanCompletionTokens, baseline.meanCompletionTokens),
    },
    costs,
    hybrid: isBaseline ? [] : hybrids(run, baseline, options),
  };
}

/** Screen with the run, escalate to the baseline, at every price both are costed at. */
function hybrids(run: CompareRun, baseline: CompareRun, options: CompareOptions) {
  return run.prices.flatMap((price) => {
    const other = baseline.prices.find((p) => p.label === price.label);
    if (!other) return [];
    const a = { requestThroughput: run.rates.requests, apiPerRequest: meanRequestCost(run, price) };
    const b = { requestThroughput: baseline.rates.requests, apiPerRequest: meanRequestCost(baseline, other) };
    return [{ label: price.label, ...shareCascade(a, b, options.share, options.requests) }];
  });
}

function positive(x: number | null): x is number {
  return x !== null && x > 0;
}
