// The benchmark matrix: one row per model, one column per request count; each cell says whether
// the figure was measured, simulated, recorded or extrapolated (and from which run), predicted
// (fit verdict and time with its interval, never a measurement), failed (why) or is pending.
import { html } from "htl";
import { Badge } from "./badge.js";
import { formatDuration, formatNumber } from "./format.js";

export function BenchmarkMatrix(matrix, { href = (id) => `./experiments/${id}` } = {}) {
  return html`<div style="overflow-x: auto;">
    <table class="matrix">
      <thead>
        <tr>
          <th>model</th>
          ${matrix.counts.map((n) => html`<th class="num">${formatNumber(n, 0)} req</th>`)}
        </tr>
      </thead>
      <tbody>
        ${matrix.models.map(
          (model) =>
            html`<tr>
              <th>${model}</th>
              ${matrix.counts.map((n) => Cell(matrix.cells[model]?.[String(n)], href))}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

const FIT = { fits: "fits", tight: "tight fit", "does not fit": "does not fit" };

function Cell(cell, href) {
  if (!cell) return html`<td class="matrix-cell matrix-cell--empty">·</td>`;
  if (cell.kind === "predicted") return PredictedCell(cell);
  const time = cell.seconds == null ? "" : formatDuration(cell.seconds);
  const interval = cell.lo != null && cell.hi != null ? `${formatDuration(cell.lo)}–${formatDuration(cell.hi)}` : "";
  const title = [cell.kind, cell.runId ? `run ${cell.runId}` : "", cell.note ?? ""].filter(Boolean).join(" · ");
  const link = cell.experimentId ? html`<a href=${href(cell.experimentId)}>${time || cell.kind}</a>` : time;
  return html`<td class=${`matrix-cell matrix-cell--${cell.kind}`} title=${title}>
    <div>${link}</div>
    ${interval ? html`<div class="sub">${interval}</div>` : null}
    <div>
      ${Badge(cell.kind === "recorded" ? "recorded" : cell.kind)}${
        cell.estimate === "predicted" ? Badge("predicted", { title: "The estimate is predicted, not measured" }) : null
      }
    </div>
    ${cell.kind === "failed" || cell.kind === "pending" ? html`<div class="sub matrix-note">${cell.note}</div>` : null}
  </td>`;
}

/** A cell no run covers: the fit and speed models' prediction, labelled as one. */
function PredictedCell(cell) {
  const interval = cell.lo != null && cell.hi != null ? `${formatDuration(cell.lo)}–${formatDuration(cell.hi)}` : "";
  return html`<td
    class=${`matrix-cell matrix-cell--predicted matrix-fit--${cell.fit.replaceAll(" ", "-")}`}
    title=${cell.note}
  >
    <div>${cell.seconds == null ? "—" : formatDuration(cell.seconds)}</div>
    ${interval ? html`<div class="sub">${interval}</div>` : null}
    <div>${Badge("predicted", { title: "Predicted by the fit and speed models, not measured (see Methods)" })}</div>
    <div class="sub">${FIT[cell.fit] ?? cell.fit}</div>
  </td>`;
}
