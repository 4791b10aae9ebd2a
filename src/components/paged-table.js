// A table that shows `pageSize` rows at a time with previous/next buttons. Cells are built by
// `columns`: [{label, value: (row) => node or text, num}]; text is inserted as text, never HTML.
import {html} from "htl";

export function PagedTable(rows, columns, {pageSize = 25, className = "paged-table"} = {}) {
  const pages = Math.max(1, Math.ceil(rows.length / pageSize));
  let page = 0;
  const body = html`<tbody></tbody>`;
  const position = html`<span class="answers-position"></span>`;
  const previous = html`<button type="button">‹ Previous</button>`;
  const next = html`<button type="button">Next ›</button>`;
  function show(p) {
    page = Math.min(Math.max(p, 0), pages - 1);
    body.replaceChildren(
      ...rows.slice(page * pageSize, (page + 1) * pageSize).map(
        (row) => html`<tr>${columns.map((c) => html`<td class=${c.num ? "num" : ""}>${c.value(row)}</td>`)}</tr>`
      )
    );
    position.textContent = `Page ${page + 1} of ${pages} (${rows.length} rows)`;
    previous.disabled = page === 0;
    next.disabled = page === pages - 1;
  }
  previous.onclick = () => show(page - 1);
  next.onclick = () => show(page + 1);
  show(0);
  return html`<div class=${className}>
    ${pages > 1 ? html`<nav class="answers-nav">${previous}${position}${next}</nav>` : null}
    <div style="overflow-x: auto;"><table class="experiment-table">
      <thead><tr>${columns.map((c) => html`<th class=${c.num ? "num" : ""}>${c.label}</th>`)}</tr></thead>
      ${body}
    </table></div>
  </div>`;
}
