// GPU board power over the run, one line per GPU, from the precomputed bins {gpu, startMs, watts}
// of the run's energy (data-loaders/metrics/energy.ts, sampled by nvidia-smi).
import * as Plot from "@observablehq/plot";

export function GpuPowerChart(bins, { width, height = 220 }) {
  return Plot.plot({
    width,
    height,
    x: { label: "seconds since run start →" },
    y: { label: "↑ watts", grid: true },
    color: { legend: bins.some((b) => b.gpu !== bins[0]?.gpu) },
    marks: [
      Plot.line(bins, { x: (d) => d.startMs / 1000, y: "watts", stroke: (d) => `GPU ${d.gpu}`, tip: true }),
      Plot.ruleY([0]),
    ],
  });
}
