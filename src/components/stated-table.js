// The users' reports' own figures beside the tracker's recomputation: report line, run, what the
// figure is, the report's text (verbatim), the recomputed value (with the bounds the report's
// rounding of its inputs gives), the verdict and why. Rows come from data-loaders/report/comparison.ts.
import { html } from "htl";
import { Badge, SourceBadge } from "./badge.js";
import { Table } from "./table.js";

const VERDICTS = {
  agrees: ["agrees", "The recomputed value meets the report's figure at the report's precision"],
  differs: ["differs", "The recomputed value does not meet the report's figure: see why"],
  unknown: ["not recomputable", "The stored figures do not give it"],
};

export function StatedTable(rows, { titleOf = (id) => id, pageSize = 20 } = {}) {
  const verdict = (r) => Badge(VERDICTS[r.verdict][0], { kind: r.verdict, title: VERDICTS[r.verdict][1] });
  const columns = [
    { label: "report line", value: (r) => html`<code>${r.at}</code>` },
    { label: "run", value: (r) => titleOf(r.experimentId) },
    { label: "figure", value: (r) => (r.other ? `${r.label} vs ${titleOf(r.other)}` : r.label) },
    { label: "report says", value: (r) => html`<q>${r.written}</q> ${SourceBadge("stated")}` },
    {
      label: "recomputed",
      num: true,
      value: (r) =>
        html`${r.recomputedText}${r.boundsText ? html`<div class="sub">${r.boundsText}</div>` : ""}
        ${r.recomputed === null ? "" : SourceBadge("derived")}`,
    },
    { label: "verdict", value: verdict },
    { label: "why", value: (r) => r.why },
  ];
  return Table(rows, columns, { pageSize, className: "stated-table" });
}
