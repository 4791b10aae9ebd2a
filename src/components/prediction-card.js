// A run's prediction beside its measurement: what the fit and speed models say the run's model
// does on its GPU at its workload (predicted, never measured), next to what the run measured.
import { html } from "htl";
import { Badge, SourceBadge } from "./badge.js";
import { formatNumber } from "./format.js";

const signed = (x) => `${x > 0 ? "+" : ""}${formatNumber(x * 100, 1)}%`;

export function PredictionCard(p, { source }) {
  if (!p) return html`<p class="sub"><i>No run to predict.</i></p>`;
  if (p.unavailable) return html`<p class="sub"><i>No prediction for this run: ${p.unavailable}.</i></p>`;
  const range = p.predicted.range
    ? html`<div class="sub">${formatNumber(p.predicted.range[0], 0)}–${formatNumber(p.predicted.range[1], 0)}</div>`
    : null;
  const basis =
    p.basis === "left out"
      ? `predicted without this run (leave one out), calibrated on ${p.calibration.from.join(", ")}`
      : `calibrated on ${p.calibration.basis === "this GPU" ? "this GPU's" : "other GPUs'"} measured and recorded runs: ${p.calibration.from.join(", ")}`;
  return html`<div class="grid grid-cols-2" style="grid-auto-rows: auto;">
      <div class="card">
        <h2>Predicted ${Badge("predicted")}</h2>
        <div class="big">${formatNumber(p.predicted.totalTokPerS, 0)} tok/s</div>
        ${range}
        <div class="sub">
          ${p.model} in ${p.weights} on ${p.gpu} (${p.backend}): ${p.verdict}, ${p.concurrency} at once
          (${formatNumber(p.meanPromptTokens, 0)} + ${formatNumber(p.meanOutputTokens, 0)} tokens per request)
        </div>
        <div class="sub">${basis}</div>
      </div>
      <div class="card">
        <h2>Measured ${SourceBadge(source)}</h2>
        <div class="big">${p.measured ? `${formatNumber(p.measured.totalTokPerS, 0)} tok/s` : "—"}</div>
        <div class="sub">${p.measured ? p.measured.what : "no throughput"}</div>
        <div class="sub">${p.error == null ? "" : `prediction error ${signed(p.error)}`}</div>
      </div>
    </div>
    ${
      p.assumptions.length
        ? html`<details>
            <summary>Assumptions</summary>
            <ul>
              ${p.assumptions.map((a) => html`<li>${a}</li>`)}
            </ul>
          </details>`
        : null
    }`;
}
