// Where a launched server's load time went, as one stacked bar: the segments computed from the
// start-up log's own durations and the measured load time (data-loaders/metrics/load-time.ts).
import * as Plot from "@observablehq/plot";

export function LoadBreakdownChart(segments, { width }) {
  const parts = segments.map((s) => ({ ...s, server: "load" }));
  return Plot.plot({
    width,
    height: 110,
    marginLeft: 40,
    x: { label: "seconds →", grid: true },
    y: { label: null },
    color: { legend: true, domain: parts.map((d) => d.label) },
    marks: [Plot.barX(parts, Plot.stackX({ y: "server", x: "seconds", fill: "label", tip: true })), Plot.ruleX([0])],
  });
}
