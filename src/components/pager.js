// Previous/next buttons over `count` items shown `pageSize` at a time: calls `show(from, to)`
// with the slice of the current page (at once for the first page) and returns the nav element.
import { html } from "htl";

export function Pager(count, pageSize, noun, show) {
  const pages = Math.max(1, Math.ceil(count / pageSize));
  let page = 0;
  const position = html`<span class="answers-position"></span>`;
  const previous = html`<button type="button">‹ Previous</button>`;
  const next = html`<button type="button">Next ›</button>`;
  function go(p) {
    page = Math.min(Math.max(p, 0), pages - 1);
    show(page * pageSize, (page + 1) * pageSize);
    position.textContent = `Page ${page + 1} of ${pages} (${count} ${noun})`;
    previous.disabled = page === 0;
    next.disabled = page === pages - 1;
  }
  previous.onclick = () => go(page - 1);
  next.onclick = () => go(page + 1);
  go(0);
  return html`<nav class="answers-nav">${previous}${position}${next}</nav>`;
}
