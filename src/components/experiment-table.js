// The home page table: one row per experiment with its state and the headline figures.
import { html } from "htl";
import { Badge, SourceBadge } from "./badge.js";
import { formatDuration, formatNumber, formatPercent, formatRatio } from "./format.js";

const COLUMNS = [
  ["Requests", (s) => formatNumber(s.requests, 0)],
  ["Success", (s) => formatPercent(s.successRate)],
  ["Duration", (s) => formatDuration(s.durationS)],
  ["Req/s", (s) => formatNumber(s.requestThroughput, 2)],
  ["Output tok/s", (s) => formatNumber(s.outputThroughput, 0)],
  ["Total tok/s", (s) => formatNumber(s.totalTokenThroughput, 0)],
  ["Prompt tok (mean)", (s) => formatNumber(s.meanPromptTokens, 0)],
  ["Output tok (mean)", (s) => formatNumber(s.meanCompletionTokens, 0)],
  ["In : Out", (s) => formatRatio(s.outputInputRatio)],
];

export function ExperimentTable(experiments) {
  return html`<div style="overflow-x: auto;">
    <table class="experiment-table">
      <thead>
        <tr>
          <th>Experiment</th>
          <th>State</th>
          <th>Model</th>
          ${COLUMNS.map(([label]) => html`<th class="num">${label}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${experiments.map(row)}
      </tbody>
    </table>
  </div>`;
}

function row(e) {
  return html`<tr>
    <td><a href=${`./experiments/${e.id}`}>${e.title}</a>${e.summary ? SourceBadge(e.simulated) : null}</td>
    <td>${Badge(e.state)}</td>
    <td>${e.model ?? "—"}</td>
    ${
      e.summary
        ? COLUMNS.map(([, format]) => html`<td class="num">${format(e.summary)}</td>`)
        : html`<td class=${e.error ? "table-note table-note--error" : "table-note"} colspan=${COLUMNS.length}>
            ${e.error ?? note(e)}
          </td>`
    }
  </tr>`;
}

function note(e) {
  if (e.runId && e.runStatus) return `run ${e.runId} is ${e.runStatus}; no requests stored`;
  return "no run yet";
}
