// Projected time for N requests on log–log axes: one line per experiment with its prediction
// interval as a band; measured run durations as dots.
import * as Plot from "@observablehq/plot";

export function ProjectionChart(rows, { width, height = 300 }) {
  const hours = (s) => s / 3600;
  const withInterval = rows.filter((d) => Number.isFinite(d.lo) && Number.isFinite(d.hi));
  return Plot.plot({
    width,
    height,
    x: { label: "requests →", type: "log", grid: true },
    y: { label: "↑ hours", type: "log", grid: true },
    color: { legend: true },
    marks: [
      Plot.areaY(withInterval, {
        x: "requests",
        y1: (d) => hours(d.lo),
        y2: (d) => hours(d.hi),
        fill: "name",
        fillOpacity: 0.15,
      }),
      Plot.line(rows, { x: "requests", y: (d) => hours(d.seconds), stroke: "name", tip: true }),
      Plot.dot(rows, { x: "requests", y: (d) => hours(d.seconds), stroke: "name" }),
    ],
  });
}
