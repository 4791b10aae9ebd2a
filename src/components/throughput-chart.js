// Total and output tokens per second, two bars per run. Rows are {name, source, figures} (figures
// as in the page data: totalTokenThroughput, outputThroughput); a run whose source is not
// "measured" is marked in its label ("[simulated]", "[recorded]") and drawn lighter.
import * as Plot from "@observablehq/plot";

const METRICS = [
  ["total tok/s", (f) => f.totalTokenThroughput],
  ["output tok/s", (f) => f.outputThroughput],
];

export function ThroughputChart(rows, { width }) {
  const data = rows.flatMap((r) =>
    METRICS.map(([metric, value]) => ({
      run: r.source === "measured" ? r.name : `${r.name} [${r.source}]`,
      metric,
      value: value(r.figures),
      measured: r.source === "measured",
    })).filter((d) => Number.isFinite(d.value)),
  );
  const longest = Math.max(0, ...data.map((d) => d.run.length));
  return Plot.plot({
    width,
    marginLeft: Math.min(280, 20 + longest * 6.5),
    marginRight: 50,
    x: { label: "tokens per second →", grid: true },
    y: { axis: null, domain: METRICS.map(([m]) => m) },
    fy: { label: null, domain: [...new Set(data.map((d) => d.run))] },
    color: { legend: true, domain: METRICS.map(([m]) => m) },
    marks: [
      Plot.barX(data, {
        fy: "run",
        y: "metric",
        x: "value",
        fill: "metric",
        fillOpacity: (d) => (d.measured ? 1 : 0.45),
        tip: true,
      }),
      Plot.text(data, {
        fy: "run",
        y: "metric",
        x: "value",
        text: (d) => Math.round(d.value).toLocaleString("en-US"),
        dx: 4,
        textAnchor: "start",
        fill: "currentColor",
      }),
      Plot.ruleX([0]),
    ],
  });
}
