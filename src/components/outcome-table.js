// How the requests of a run ended: status, error class and finish reason, with counts.
import { html } from "htl";
import { Badge } from "./badge.js";
import { formatNumber } from "./format.js";

export function OutcomeTable(outcomes) {
  return html`<table>
    <thead>
      <tr>
        <th>status</th>
        <th>error class</th>
        <th>finish reason</th>
        <th class="num">requests</th>
      </tr>
    </thead>
    <tbody>
      ${outcomes.map(
        (o) =>
          html`<tr>
            <td>${Badge(o.status, { kind: o.status === "ok" ? "fresh" : "failed" })}</td>
            <td>${o.error_class ?? "—"}</td>
            <td>${o.finish_reason ?? "—"}</td>
            <td class="num">${formatNumber(o.count, 0)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
