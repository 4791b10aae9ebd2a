// One horizontal bar per row for a single figure. Rows are {name, value, source, lo?, hi?}: the
// bar is labelled with the name, an interval lo–hi is drawn as a line, and rows whose source is
// not "measured" (simulated, recorded) are drawn lighter. Rows without a finite value are left
// out; with none left, the chart is the `empty` text instead.
import * as Plot from "@observablehq/plot";
import { html } from "htl";

export function BarChart(
  rows,
  { width, label, format = (x) => x.toLocaleString("en-US", { maximumFractionDigits: 1 }), empty = "No figures yet." },
) {
  const data = rows
    .filter((r) => Number.isFinite(r.value))
    .map((r) => ({ ...r, label: r.name.length > 30 ? `${r.name.slice(0, 29)}…` : r.name }));
  if (data.length === 0) return html`<p class="sub">${empty}</p>`;
  const longest = Math.max(0, ...data.map((d) => d.label.length));
  return Plot.plot({
    width,
    height: 30 + 26 * data.length,
    marginLeft: Math.min(190, 20 + longest * 6),
    marginRight: 60,
    x: { label: `${label} →`, grid: true },
    y: { label: null, domain: data.map((d) => d.label) },
    marks: [
      Plot.barX(data, {
        y: "label",
        x: "value",
        fill: "var(--theme-foreground-focus)",
        fillOpacity: (d) => (d.source === "measured" ? 1 : 0.45),
        tip: true,
      }),
      Plot.ruleY(
        data.filter((d) => Number.isFinite(d.lo) && Number.isFinite(d.hi)),
        { y: "label", x1: "lo", x2: "hi", stroke: "currentColor", strokeWidth: 2 },
      ),
      Plot.text(data, {
        y: "label",
        x: (d) => (Number.isFinite(d.hi) ? d.hi : d.value),
        text: (d) => format(d.value),
        dx: 4,
        textAnchor: "start",
        fill: "currentColor",
      }),
      Plot.ruleX([0]),
    ],
  });
}
