// Speed against quality across runs: one dot per run at (accuracy, correct answers per GPU-hour),
// each with its 95% intervals as lines, runs on the Pareto front joined by a line and drawn solid
// (the others hollow), simulated and recorded runs lighter. Rows are {title, source, accuracy:
// {p, lo, hi}, perGpuHour: {value, lo, hi}, front}; with none, the chart is the `empty` text.
import * as Plot from "@observablehq/plot";
import { html } from "htl";

export function SpeedQualityChart(rows, { width, empty = "No run has an accuracy and a rate yet." }) {
  const data = rows
    .filter((r) => Number.isFinite(r.accuracy?.p) && Number.isFinite(r.perGpuHour?.value))
    .map((r) => ({
      ...r,
      x: r.accuracy.p * 100,
      xLo: (r.accuracy.lo ?? r.accuracy.p) * 100,
      xHi: (r.accuracy.hi ?? r.accuracy.p) * 100,
      y: r.perGpuHour.value,
      yLo: r.perGpuHour.lo ?? r.perGpuHour.value,
      yHi: r.perGpuHour.hi ?? r.perGpuHour.value,
      label: r.title.length > 28 ? `${r.title.slice(0, 27)}…` : r.title,
    }));
  if (data.length === 0) return html`<p class="sub">${empty}</p>`;
  const front = data.filter((d) => d.front).sort((a, b) => a.x - b.x);
  const opacity = (d) => (d.source === "measured" ? 1 : 0.55);
  return Plot.plot({
    width,
    height: 360,
    marginLeft: 70,
    marginRight: 20,
    x: { label: "accuracy (%) →", domain: [0, 100], grid: true },
    y: { label: "↑ correct answers per GPU-hour", grid: true, zero: true },
    marks: [
      Plot.ruleY(data, { x1: "xLo", x2: "xHi", y: "y", stroke: "currentColor", strokeOpacity: 0.5 }),
      Plot.ruleX(data, { x: "x", y1: "yLo", y2: "yHi", stroke: "currentColor", strokeOpacity: 0.5 }),
      Plot.line(front, { x: "x", y: "y", stroke: "var(--theme-foreground-focus)", strokeDasharray: "4 3" }),
      Plot.dot(data, {
        x: "x",
        y: "y",
        r: 5,
        stroke: "var(--theme-foreground-focus)",
        fill: (d) => (d.front ? "var(--theme-foreground-focus)" : "none"),
        fillOpacity: opacity,
        strokeOpacity: opacity,
        tip: true,
        title: (d) => `${d.title}${d.front ? " (on the Pareto front)" : ""}`,
      }),
      Plot.text(data, { x: "x", y: "y", text: "label", dy: -10, fill: "currentColor" }),
    ],
  });
}
