// A histogram of precomputed equal-width bins {x0, x1, count}.
import * as Plot from "@observablehq/plot";

export function HistogramChart(bins, {width, label, height = 180}) {
  return Plot.plot({
    width,
    height,
    x: {label: `${label} →`},
    y: {label: "↑ requests", grid: true},
    marks: [
      Plot.rectY(bins, {x1: "x0", x2: "x1", y: "count", fill: "var(--theme-foreground-focus)", inset: 0.5, tip: true}),
      Plot.ruleY([0])
    ]
  });
}
