// Latency distributions as CDFs: one line per run from precomputed percentiles {p, ms}.
import * as Plot from "@observablehq/plot";

export function CdfChart(series, { width, label, height = 260 }) {
  const data = series.flatMap((s) => s.points.map((d) => ({ name: s.name, ms: d.ms, p: d.p / 100 })));
  return Plot.plot({
    width,
    height,
    x: { label: `${label} →`, type: "log", grid: true },
    y: { label: "↑ share of requests", domain: [0, 1], tickFormat: "%", grid: true },
    color: { legend: true },
    marks: [Plot.line(data, { x: "ms", y: "p", stroke: "name", tip: true }), Plot.ruleY([0])],
  });
}
