// Bar chart of total and output tokens per second by experiment (labelled by id); simulated runs are marked in
// the label and drawn lighter.
import * as Plot from "@observablehq/plot";

const METRICS = [
  ["total tok/s", (s) => s.totalTokenThroughput],
  ["output tok/s", (s) => s.outputThroughput],
];

export function ThroughputChart(experiments, { width }) {
  const data = experiments
    .filter((e) => e.summary)
    .flatMap((e) =>
      METRICS.map(([metric, value]) => ({
        experiment: e.simulated ? `${e.id} [simulated]` : e.id,
        metric,
        value: value(e.summary),
        simulated: e.simulated,
      })),
    );
  const longest = Math.max(0, ...data.map((d) => d.experiment.length));
  return Plot.plot({
    width,
    marginLeft: Math.min(280, 20 + longest * 6.5),
    marginRight: 50,
    x: { label: "tokens per second →", grid: true },
    y: { axis: null, domain: METRICS.map(([m]) => m) },
    fy: { label: null, domain: [...new Set(data.map((d) => d.experiment))] },
    color: { legend: true, domain: METRICS.map(([m]) => m) },
    marks: [
      Plot.barX(data, {
        fy: "experiment",
        y: "metric",
        x: "value",
        fill: "metric",
        fillOpacity: (d) => (d.simulated ? 0.45 : 1),
        tip: true,
      }),
      Plot.text(data, {
        fy: "experiment",
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
