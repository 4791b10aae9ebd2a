// The site's one table: a row per item of `rows`, a cell per column
// ({label, value: (row) => node or text, num, className: string or (row) => string}). Cell text is
// inserted as text, never as HTML. With `pageSize`, the table shows that many rows at a time
// with previous/next buttons.
import { html } from "htl";
import { Pager } from "./pager.js";

export function Table(rows, columns, { pageSize = Infinity, className = "", rowClass = () => "" } = {}) {
  const classOf = (c, row) => [c.num ? "num" : "", typeof c.className === "function" ? c.className(row) : c.className];
  const cell = (c, row) => html`<td class=${classOf(c, row).filter(Boolean).join(" ")}>${c.value(row)}</td>`;
  const body = html`<tbody></tbody>`;
  const show = (from, to) =>
    body.replaceChildren(
      ...rows.slice(from, to).map(
        (row) =>
          html`<tr class=${rowClass(row)}>
            ${columns.map((c) => cell(c, row))}
          </tr>`,
      ),
    );
  const nav = rows.length > pageSize ? Pager(rows.length, pageSize, "rows", show) : (show(0, rows.length), null);
  return html`<div class="table">
    ${nav}
    <div style="overflow-x: auto;">
      <table class=${`experiment-table ${className}`.trim()}>
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
