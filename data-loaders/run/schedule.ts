// Load shapes: which runs an experiment's `load` asks for (its repeats; a sweep over levels is a
// grid, one experiment per level: experiment/grid.ts) and, for open-loop loads, when each
// request is sent. Follows `vllm bench serve` (§4.5 of the vLLM
// reference): gaps between arrivals are Gamma(shape = burstiness, scale = 1/(rate·burstiness)),
// so the mean gap is 1/rate; the cumulative times are then rescaled so that the last request is
// sent exactly at N/rate. A linear ramp-up interpolates the rate per request index from startRps
// to endRps and is not rescaled.
import { rngFor } from "../random.ts";
import type { Experiment } from "../experiment/schema.ts";

export type Load = Experiment["load"];

/** One run of an experiment (or grid cell): its repeat index. */
export interface RunUnit {
  repeat: number;
}

/** The runs a load asks for: one per repeat. */
export function runUnits(load: Load): RunUnit[] {
  return Array.from({ length: load.repeats ?? 1 }, (_, repeat) => ({ repeat }));
}

/** Closed-loop workers, or null for an open-loop load. */
export function closedLoopConcurrency(load: Load): number | null {
  if (load.concurrency === undefined) return null;
  // The loader made each level of a sweep a cell of its own (experiment/grid.ts).
  if (Array.isArray(load.concurrency)) throw new Error("a sweep's levels are run as the cells of a grid");
  return load.concurrency;
}

/** Warm-up requests before the measured ones (default 0). */
export function warmupCount(load: Load): number {
  return load.warmup ?? 0;
}

/** A one-line description of the load for logs, e.g. "concurrency 32" or "rate 5/s (Poisson), max 64 in flight". */
export function describeLoad(load: Load, unit: RunUnit): string {
  const workers = closedLoopConcurrency(load);
  const parts: string[] = [];
  if (workers !== null) parts.push(`concurrency ${workers}`);
  else {
    const b = load.burstiness ?? 1;
    const shape = b === 1 ? "Poisson" : `burstiness ${b}`;
    parts.push(
      load.rampUp
        ? `ramp ${load.rampUp.startRps}→${load.rampUp.endRps}/s (${shape})`
        : `rate ${load.rate}/s (${shape})`,
    );
    if (load.maxConcurrency) parts.push(`max ${load.maxConcurrency} in flight`);
  }
  if (load.warmup) parts.push(`${load.warmup} warm-up`);
  if ((load.repeats ?? 1) > 1) parts.push(`repeat ${unit.repeat + 1}/${load.repeats}`);
  return parts.join(", ");
}

/**
 * A Gamma(shape, scale) sample (Marsaglia–Tsang; shape < 1 via the boost u^(1/shape)).
 * `next` yields uniforms in [0, 1).
 */
export function gammaSample(next: () => number, shape: number, scale: number): number {
  if (shape < 1) {
    const u = 1 - next(); // (0, 1]
    return gammaSample(next, shape + 1, scale) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(next);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale;
  }
}

/** Box–Muller. */
function standardNormal(next: () => number): number {
  const u1 = 1 - next();
  const u2 = next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

export interface ArrivalOptions {
  /** Number of requests. */
  n: number;
  /** Requests per second. */
  rate: number;
  /** Gamma shape (1 = Poisson). */
  burstiness?: number;
  seed: number;
}

/**
 * Send times in ms after the start, one per request: gamma gaps with mean 1000/rate, cumulated,
 * then rescaled so the last request goes at exactly n/rate seconds (vLLM bench serve).
 */
export function arrivalTimesMs({ n, rate, burstiness = 1, seed }: ArrivalOptions): Float64Array {
  const out = new Float64Array(n);
  if (n === 0) return out;
  const rng = rngFor("arrivals", seed, rate, burstiness);
  const scaleMs = 1000 / (rate * burstiness);
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += gammaSample(rng.next, burstiness, scaleMs);
    out[i] = t;
  }
  const target = (1000 * n) / rate;
  const factor = t > 0 ? target / t : 0;
  for (let i = 0; i < n; i++) out[i]! *= factor;
  return out;
}

export interface RampOptions {
  n: number;
  startRps: number;
  endRps: number;
  burstiness?: number;
  seed: number;
}

/** The rate of request i of n under a linear ramp (per request index, as vLLM). */
export function rampRate(i: number, n: number, startRps: number, endRps: number): number {
  return n <= 1 ? startRps : startRps + ((endRps - startRps) * i) / (n - 1);
}

/** Send times in ms under a linear ramp-up: gap i is gamma with mean 1000/rate_i; no rescaling. */
export function rampTimesMs({ n, startRps, endRps, burstiness = 1, seed }: RampOptions): Float64Array {
  const out = new Float64Array(n);
  const rng = rngFor("ramp", seed, startRps, endRps, burstiness);
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += gammaSample(rng.next, burstiness, 1000 / (rampRate(i, n, startRps, endRps) * burstiness));
    out[i] = t;
  }
  return out;
}

/** Send times for the open-loop load of `n` measured requests, or null for a closed loop. */
export function openLoopTimesMs(load: Load, n: number, seed: number): Float64Array | null {
  if (load.rate !== undefined) return arrivalTimesMs({ n, rate: load.rate, burstiness: load.burstiness, seed });
  if (load.rampUp) return rampTimesMs({ n, ...load.rampUp, burstiness: load.burstiness, seed });
  return null;
}
