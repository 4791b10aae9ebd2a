// Server-side gauges scraped from /metrics (KV-cache usage, running and waiting requests) over
// the run, from precomputed bins {metric, startMs, value}.
import * as Plot from "@observablehq/plot";

export function ServerSeriesChart(bins, { width, height = 220 }) {
  return Plot.plot({
    width,
    height,
    x: { label: "seconds since run start →" },
    y: { label: "↑ value", grid: true },
    color: { legend: true },
    fy: { label: null },
    marks: [Plot.line(bins, { x: (d) => d.startMs / 1000, y: "value", stroke: "metric", tip: true }), Plot.ruleY([0])],
  });
}
