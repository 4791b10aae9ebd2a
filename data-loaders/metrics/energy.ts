// Energy of a run, from the GPU power series sampled by nvidia-smi during it
// (server/gpu-telemetry.ts: `gpu:power_draw_watts` per GPU in server-metrics.parquet, one sample
// a second, so the series is bounded by the run's duration, not its request count):
//
//   window            = first send → last completion (the run's duration, metrics/throughput.ts),
//                       measured requests only (warm-up left out)
//   energy of a GPU   = ∫ power dt over the window, trapezoids between consecutive samples; before
//                       the first and after the last sample the nearest sample's power is held
//   energy            = Σ over GPUs (J)
//   J / output token  = energy / output tokens of the successful requests
//   J / request       = energy / successful requests
//   coverage          = share of the window between the first and the last sample (lowest GPU)
//   power over time   = per GPU, the mean of the samples in bins of a whole number of seconds,
//                       at most POWER_BINS bins over the samples' span (for the chart)
//
// This is the GPUs' board power as nvidia-smi reports it, not the whole machine's. Energy cost
// from an electricity price is analysis/cost.ts (`energyCost`).
import { query } from "../store/duckdb.ts";

/** The stored series of board power (W), one per GPU (labels {"gpu": "<index>"}). */
export const POWER_SERIES = "gpu:power_draw_watts";

export interface PowerSample {
  tMs: number;
  watts: number;
}

export interface GpuEnergy {
  gpu: string;
  joules: number;
  samples: number;
  meanWatts: number;
}

/** Bins the power chart aims for at most. */
export const POWER_BINS = 120;

export interface PowerBin {
  gpu: string;
  startMs: number;
  watts: number;
}

export interface RunEnergy {
  /** Σ over GPUs, joules. */
  joules: number;
  perGpu: GpuEnergy[];
  windowS: number;
  /** 0–1: share of the window the samples span (lowest over GPUs). */
  coverage: number;
  /** Null without successful output tokens / requests. */
  joulesPerOutputToken: number | null;
  joulesPerRequest: number | null;
  /** Mean power per GPU and bin (`powerOverTime`). */
  power: PowerBin[];
}

/** Power at time t on the piecewise-linear line through the samples (held flat outside them). */
function powerAt(s: readonly PowerSample[], i: number, t: number): number {
  const a = s[i]!;
  const b = s[i + 1]!;
  return b.tMs === a.tMs ? b.watts : a.watts + ((b.watts - a.watts) * (t - a.tMs)) / (b.tMs - a.tMs);
}

/** ∫ power dt (J) over [startMs, endMs]: trapezoids between samples (ordered by time), the end samples held outside. */
export function trapezoidJoules(samples: readonly PowerSample[], startMs: number, endMs: number): number {
  if (samples.length === 0 || !(endMs > startMs)) return 0;
  const first = samples[0]!;
  const last = samples.at(-1)!;
  let wattMs = 0;
  if (startMs < first.tMs) wattMs += first.watts * (Math.min(endMs, first.tMs) - startMs);
  if (endMs > last.tMs) wattMs += last.watts * (endMs - Math.max(startMs, last.tMs));
  for (let i = 0; i + 1 < samples.length; i++) {
    const lo = Math.max(startMs, samples[i]!.tMs);
    const hi = Math.min(endMs, samples[i + 1]!.tMs);
    if (hi > lo) wattMs += ((powerAt(samples, i, lo) + powerAt(samples, i, hi)) / 2) * (hi - lo);
  }
  return wattMs / 1000;
}

/** Per GPU, the mean power of the samples in each bin of whole seconds (at most POWER_BINS bins over their span). */
export function powerOverTime(powerByGpu: ReadonlyMap<string, readonly PowerSample[]>): PowerBin[] {
  const all = [...powerByGpu.values()].flat();
  if (all.length === 0) return [];
  const spanMs = Math.max(...all.map((s) => s.tMs)) - Math.min(...all.map((s) => s.tMs));
  const binMs = Math.max(1000, Math.ceil(spanMs / POWER_BINS / 1000) * 1000);
  const out: PowerBin[] = [];
  for (const [gpu, samples] of powerByGpu) {
    const bins = new Map<number, { sum: number; n: number }>();
    for (const s of samples) {
      const start = Math.floor(s.tMs / binMs) * binMs;
      const b = bins.get(start) ?? { sum: 0, n: 0 };
      bins.set(start, { sum: b.sum + s.watts, n: b.n + 1 });
    }
    for (const [startMs, b] of [...bins].sort((x, y) => x[0] - y[0])) out.push({ gpu, startMs, watts: b.sum / b.n });
  }
  return out;
}

/** The run's energy figures from each GPU's power samples (ordered by time); null without samples or window. */
export function energyFigures(
  powerByGpu: ReadonlyMap<string, readonly PowerSample[]>,
  run: { startMs: number; endMs: number; completed: number; outputTokens: number },
): RunEnergy | null {
  const windowMs = run.endMs - run.startMs;
  const gpus = [...powerByGpu].filter(([, s]) => s.length > 0);
  if (gpus.length === 0 || !(windowMs > 0)) return null;
  const perGpu = gpus.map(([gpu, s]) => {
    const joules = trapezoidJoules(s, run.startMs, run.endMs);
    return { gpu, joules, samples: s.length, meanWatts: joules / (windowMs / 1000) };
  });
  const spanned = gpus.map(([, s]) =>
    Math.max(0, Math.min(run.endMs, s.at(-1)!.tMs) - Math.max(run.startMs, s[0]!.tMs)),
  );
  const joules = perGpu.reduce((sum, g) => sum + g.joules, 0);
  return {
    joules,
    perGpu,
    windowS: windowMs / 1000,
    coverage: Math.min(...spanned) / windowMs,
    joulesPerOutputToken: run.outputTokens > 0 ? joules / run.outputTokens : null,
    joulesPerRequest: run.completed > 0 ? joules / run.completed : null,
    power: powerOverTime(powerByGpu),
  };
}

/**
 * The energy figures of a stored run: its window and counts from requests.parquet (`measured`),
 * its power series from server-metrics.parquet; null when the run has no power samples.
 */
export async function runEnergy(requestsPath: string, serverMetricsPath: string | null): Promise<RunEnergy | null> {
  if (serverMetricsPath === null) return null;
  const samples = await query(
    `SELECT labels, t_ms AS "tMs", value AS watts FROM read_parquet($metrics)
     WHERE metric = $metric ORDER BY labels, t_ms`,
    { metrics: serverMetricsPath, metric: POWER_SERIES },
  );
  if (samples.length === 0) return null;
  const [run] = await query(
    `SELECT min(sent_ms) AS "startMs", max(done_ms) AS "endMs", count(*) FILTER (status = 'ok') AS completed,
       coalesce(sum(completion_tokens) FILTER (status = 'ok'), 0)::DOUBLE AS "outputTokens" FROM measured`,
    { path: requestsPath },
  );
  const byGpu = new Map<string, PowerSample[]>();
  for (const s of samples) {
    const gpu = String((JSON.parse(s.labels as string) as { gpu?: unknown }).gpu ?? "");
    if (!byGpu.has(gpu)) byGpu.set(gpu, []);
    byGpu.get(gpu)!.push({ tMs: s.tMs as number, watts: s.watts as number });
  }
  return energyFigures(byGpu, run as { startMs: number; endMs: number; completed: number; outputTokens: number });
}
