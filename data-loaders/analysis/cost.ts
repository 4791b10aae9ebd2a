// Cost of a batch job: API prices (input/output $ per 1M tokens) applied to a run's mean token
// counts, and self-hosted cost from a GPU's $/hour and the measured or extrapolated time.
//
//   API cost of one request  = (prompt tokens · input $/1M + completion tokens · output $/1M) / 1e6
//   API cost of N requests   = N · cost of a mean request (mean prompt and completion tokens)
//   self-hosted cost         = GPU $/hour · seconds / 3600
//   blended price            = stated dollars / (requests · tokens per request / 1e6), the same
//                              $/1M for input and output tokens (`blendedPrice`: a price derived
//                              from a cost a report states, when it gives no price)
//   energy cost of a request = joules per request / 3.6e6 (J per kWh) · electricity $/kWh
import type { z } from "zod";
import type { priceSchema } from "../experiment/schema.ts";
import type { Projection } from "./extrapolate.ts";

export type Price = z.output<typeof priceSchema>;

/** Request counts the cost tables quote. */
export const PER_100K = 100_000;
export const PER_1M = 1_000_000;

/** The token means a cost is computed from (successful requests with usage). */
export interface TokenMeans {
  meanPromptTokens: number;
  meanCompletionTokens: number;
}

/** Dollars for one request of the given token counts at `price`. */
export function tokenCost(
  price: Pick<Price, "inputPerMTok" | "outputPerMTok">,
  promptTokens: number,
  completionTokens: number,
): number {
  return (promptTokens * price.inputPerMTok + completionTokens * price.outputPerMTok) / 1_000_000;
}

export interface ApiCost {
  label: string;
  inputPerMTok: number;
  outputPerMTok: number;
  /** Dollars for one mean request, 100K and 1M of them. */
  perRequest: number;
  per100K: number;
  per1M: number;
}

/** Cost per request, per 100K and per 1M requests at each price, from the mean token counts. */
export function apiCosts(prices: readonly Price[], tokens: TokenMeans): ApiCost[] {
  return prices.map((price) => {
    const perRequest = tokenCost(price, tokens.meanPromptTokens, tokens.meanCompletionTokens);
    return {
      label: price.label,
      inputPerMTok: price.inputPerMTok,
      outputPerMTok: price.outputPerMTok,
      perRequest,
      per100K: perRequest * PER_100K,
      per1M: perRequest * PER_1M,
    };
  });
}

/** Dollars for `seconds` of a GPU rented at `dollarsPerHour`. */
export function gpuCost(dollarsPerHour: number, seconds: number): number {
  if (!(dollarsPerHour >= 0)) throw new RangeError(`GPU $/hour must be ≥ 0, got ${dollarsPerHour}`);
  if (!(seconds >= 0)) throw new RangeError(`seconds must be ≥ 0, got ${seconds}`);
  return (dollarsPerHour * seconds) / 3600;
}

export interface SelfHostedRate {
  dollarsPerHour: number;
  /** Successful requests per second the cost is based on. */
  requestThroughput: number;
  perRequest: number;
  per100K: number;
  per1M: number;
}

/** Self-hosted cost per request at a steady rate: GPU $/hour / (3600 · requests per second). */
export function selfHostedRate(dollarsPerHour: number, requestThroughput: number): SelfHostedRate | null {
  if (!(requestThroughput > 0)) return null;
  const perRequest = gpuCost(dollarsPerHour, 1 / requestThroughput);
  return { dollarsPerHour, requestThroughput, perRequest, per100K: perRequest * PER_100K, per1M: perRequest * PER_1M };
}

export interface ProjectedCost {
  requests: number;
  /** Dollars for the projected seconds and for the interval bounds (null when there is none). */
  dollars: number;
  lo: number | null;
  hi: number | null;
  basis: Projection["basis"];
}

/** Self-hosted cost of each projection (time for N requests, with its interval) at GPU $/hour. */
export function projectedGpuCosts(dollarsPerHour: number, projections: readonly Projection[]): ProjectedCost[] {
  return projections.map((p) => ({
    requests: p.requests,
    dollars: gpuCost(dollarsPerHour, p.seconds),
    lo: p.lo === null ? null : gpuCost(dollarsPerHour, p.lo),
    hi: p.hi === null || !Number.isFinite(p.hi) ? null : gpuCost(dollarsPerHour, p.hi),
    basis: p.basis,
  }));
}

/**
 * A blended price ($ per 1M tokens, input and output alike) from a stated cost: `dollars` for
 * `requests` requests of `tokensPerRequest` tokens each. The users' reports state costs per 100K
 * and 1M requests but no per-token price; since every model they ran had the same input/output
 * mix (72% / 28%), two stated costs cannot separate an input from an output price (the two
 * equations are nearly the same one, and cent rounding swings the split), so one blended price is
 * what their figures imply.
 */
export function blendedPrice(label: string, dollars: number, requests: number, tokensPerRequest: number): Price {
  if (!(dollars >= 0)) throw new RangeError(`dollars must be ≥ 0, got ${dollars}`);
  if (!(requests > 0) || !(tokensPerRequest > 0))
    throw new RangeError(`requests and tokens per request must be positive, got ${requests} and ${tokensPerRequest}`);
  const perMTok = dollars / ((requests * tokensPerRequest) / 1_000_000);
  return { label, inputPerMTok: perMTok, outputPerMTok: perMTok };
}

/** Joules in one kilowatt-hour. */
export const JOULES_PER_KWH = 3_600_000;

export interface EnergyCost {
  electricityPerKWh: number;
  /** kWh and dollars for one request, 100K and 1M of them. */
  kWhPer100K: number;
  perRequest: number;
  per100K: number;
  per1M: number;
}

/** Electricity cost per request, 100K and 1M requests from a run's joules per request (metrics/energy.ts). */
export function energyCost(electricityPerKWh: number, joulesPerRequest: number): EnergyCost {
  if (!(electricityPerKWh >= 0)) throw new RangeError(`electricity $/kWh must be ≥ 0, got ${electricityPerKWh}`);
  if (!(joulesPerRequest >= 0)) throw new RangeError(`joules per request must be ≥ 0, got ${joulesPerRequest}`);
  const perRequest = (joulesPerRequest / JOULES_PER_KWH) * electricityPerKWh;
  return {
    electricityPerKWh,
    kWhPer100K: (joulesPerRequest * PER_100K) / JOULES_PER_KWH,
    perRequest,
    per100K: perRequest * PER_100K,
    per1M: perRequest * PER_1M,
  };
}
