// The cells of a grid, one row each: its value on every axis (linked to the cell's own page), its
// state, and the headline figures of the run it shows. Text (errors, names) is inserted as text.
import { html } from "htl";
import { Badge, SourceBadge } from "./badge.js";
import { formatMs, formatNumber, formatPercent } from "./format.js";
import { Table } from "./table.js";

export function GridTable(cells, axes) {
  const count = (n) => formatNumber(n, 0);
  const columns = [
    ...axes.map((a, i) => ({
      label: a.name,
      value: (c) =>
        i === 0 ? html`<a href=${`./${c.id}`}>${String(c.axes[a.name] ?? "—")}</a>` : String(c.axes[a.name] ?? "—"),
    })),
    { label: "state", value: (c) => Badge(c.state) },
    { label: "requests", num: true, value: (c) => count(c.figures?.requests) },
    { label: "success", num: true, value: (c) => formatPercent(c.figures?.successRate) },
    { label: "req/s", num: true, value: (c) => formatNumber(c.figures?.requestThroughput, 2) },
    { label: "total tok/s", num: true, value: (c) => count(c.figures?.totalTokenThroughput) },
    { label: "TTFT p50", num: true, value: (c) => formatMs(c.ttftP50) },
    { label: "E2EL p50", num: true, value: (c) => formatMs(c.e2elP50) },
    { label: "schema-valid", num: true, value: (c) => formatPercent(c.schemaValidRate) },
    {
      label: "run",
      value: (c) =>
        html`<a href=${`./${c.id}`}>${c.runId ?? "page"}</a>
          ${c.source ? SourceBadge(c.source, { rows: c.hasRows }) : ""}`,
    },
    { label: "note", value: (c) => c.error ?? (c.state === "removed" ? "no longer in the file; runs kept" : "") },
  ];
  return Table(cells, columns, { pageSize: 50, className: "grid-cells", rowClass: (c) => `grid-cell--${c.state}` });
}
