// A table that shows `pageSize` rows at a time with previous/next buttons. Cells are built by
// `columns`: [{label, value: (row) => node or text, num}]; text is inserted as text, never HTML.
import { html } from "htl";
import { Pager } from "./pager.js";

export function PagedTable(rows, columns, { pageSize = 25, className = "paged-table" } = {}) {
  const body = html`<tbody></tbody>`;
  const nav = Pager(rows.length, pageSize, "rows", (from, to) =>
    body.replaceChildren(
      ...rows.slice(from, to).map(
        (row) =>
          html`<tr>
            ${columns.map((c) => html`<td class=${c.num ? "num" : ""}>${c.value(row)}</td>`)}
          </tr>`,
      ),
    ),
  );
  return html`<div class=${className}>
    ${rows.length > pageSize ? nav : null}
    <div style="overflow-x: auto;">
      <table class="experiment-table">
        <thead>
          <tr>
            ${columns.map((c) => html`<th class=${c.num ? "num" : ""}>${c.label}</th>`)}
          </tr>
        </thead>
        ${body}
      </table>
    </div>
  </div>`;
}
