// A histogram of precomputed equal-width bins {x0, x1, count}.
import * as Plot from "@observablehq/plot";

export function HistogramChart(bins, { width, label, height = 180 }) {
  return Plot.plot({
    width,
    height,
    // A single bin (every value equal) gets some room on both sides.
    x: { label: `${label} →`, domain: bins.length === 1 ? [bins[0].x0 - 2, bins[0].x1 + 2] : undefined },
    y: { label: "↑ requests", grid: true },
    marks: [
      Plot.rectY(bins, {
        x1: "x0",
        x2: "x1",
        y: "count",
        fill: "var(--theme-foreground-focus)",
        inset: 0.5,
        tip: true,
      }),
      Plot.ruleY([0]),
    ],
  });
}
