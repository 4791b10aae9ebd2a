// Throughput and latency versus concurrency for the levels of one sweep (runs with a level and
// figures), one line per repeat; empty unless the experiment swept at least two levels.
import { html } from "htl";
// Framework's own standard library, served from the built site (not the npm CDN).
import { resize } from "npm:@observablehq/stdlib";
import { SourceBadge } from "./badge.js";
import { SweepChart } from "./sweep-chart.js";

export function SweepCards(runs, { source }) {
  const levels = runs.filter((r) => r.level != null && r.figures);
  if (levels.length < 2) return "";
  const point = (r, value) => ({ name: `repeat ${r.repeat}`, concurrency: r.level, value });
  const throughput = levels.map((r) => point(r, r.figures.totalTokenThroughput));
  const latency = levels.filter((r) => r.hasRows).map((r) => point(r, r.summary.e2elMs.p50));
  return html`<div class="grid grid-cols-2">
    <div class="card">
      <h2>Throughput vs concurrency ${SourceBadge(source)}</h2>
      ${resize((width) => SweepChart(throughput, { width, label: "total tok/s" }))}
    </div>
    <div class="card">
      <h2>Latency vs concurrency ${SourceBadge(source)}</h2>
      ${resize((width) => SweepChart(latency, { width, label: "E2EL p50 (ms)" }))}
    </div>
  </div>`;
}
