// Throughput and latency versus concurrency across a grid's cells: one line per combination of
// the grid's other axes (e.g. one per model). Empty unless the grid has a concurrency axis and at
// least two of its cells have figures.
import { html } from "htl";
// Framework's own standard library, served from the built site (not the npm CDN).
import { resize } from "npm:@observablehq/stdlib";
import { SweepChart } from "./sweep-chart.js";

export function GridSweep(cells, axes) {
  if (!axes.some((a) => a.name === "concurrency")) return "";
  const others = axes.filter((a) => a.name !== "concurrency").map((a) => a.name);
  const line = (c) => others.map((name) => `${name}=${c.axes[name]}`).join(", ") || "all cells";
  const shown = cells.filter((c) => c.state !== "removed" && c.figures && typeof c.axes.concurrency === "number");
  if (shown.length < 2) return "";
  const point = (c, value) => ({ name: line(c), concurrency: c.axes.concurrency, value });
  const throughput = shown.map((c) => point(c, c.figures.totalTokenThroughput));
  const latency = shown.filter((c) => c.e2elP50 != null).map((c) => point(c, c.e2elP50));
  return html`<div class="grid grid-cols-2">
    <div class="card">
      <h2>Throughput vs concurrency</h2>
      ${resize((width) => SweepChart(throughput, { width, label: "total tok/s" }))}
    </div>
    <div class="card">
      <h2>Latency vs concurrency</h2>
      ${resize((width) => SweepChart(latency, { width, label: "E2EL p50 (ms)" }))}
    </div>
  </div>`;
}
