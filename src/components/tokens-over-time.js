// Output tokens per second over the run, one bar per time bin (from `timeSeries`), with the
// run's overall output throughput as a reference line.
import * as Plot from "@observablehq/plot";

export function TokensOverTime(series, { width, mean }) {
  return Plot.plot({
    width,
    height: 260,
    x: { label: "seconds since run start →" },
    y: { label: "↑ output tokens/s", grid: true },
    marks: [
      Plot.rectY(series, {
        x1: (d) => d.startMs / 1000,
        x2: (d) => d.endMs / 1000,
        y: "outputTokensPerS",
        fill: "var(--theme-foreground-focus)",
        fillOpacity: 0.7,
        inset: 0,
      }),
      mean == null ? null : Plot.ruleY([mean], { stroke: "currentColor", strokeDasharray: "4 3" }),
      mean == null
        ? null
        : Plot.text([mean], {
            y: (d) => d,
            frameAnchor: "right",
            dy: -6,
            text: () => "whole-run mean",
            fill: "currentColor",
          }),
      Plot.ruleY([0]),
      Plot.tip(
        series,
        Plot.pointerX({
          x: (d) => (d.startMs + d.endMs) / 2000,
          y: "outputTokensPerS",
          title: (d) =>
            `${(d.startMs / 1000).toFixed(1)}–${(d.endMs / 1000).toFixed(1)} s\n` +
            `${Math.round(d.outputTokensPerS)} output tok/s\n` +
            `${d.completed} completed, ${d.failed} failed\n${d.inFlight.toFixed(1)} in flight`,
        }),
      ),
    ],
  });
}
