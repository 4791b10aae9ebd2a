// A figure versus concurrency for the levels of sweeps: one line per experiment, one point per run.
import * as Plot from "@observablehq/plot";

export function SweepChart(points, { width, label, height = 260 }) {
  return Plot.plot({
    width,
    height,
    x: { label: "concurrency →", type: "log", grid: true },
    y: { label: `↑ ${label}`, grid: true, zero: true },
    color: { legend: true },
    marks: [
      Plot.line(points, { x: "concurrency", y: "value", stroke: "name", sort: "concurrency" }),
      Plot.dot(points, { x: "concurrency", y: "value", stroke: "name", tip: true }),
    ],
  });
}
