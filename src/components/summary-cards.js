// Headline figures of one run: throughput, success, latency and tokens, each card labelled with
// the run's source ("measured", "simulated" or "recorded"). A recorded run has the same summary
// with what was not recorded left null, shown as "—" (its latency card has means only).
import { html } from "htl";
import { SourceBadge } from "./badge.js";
import { formatDuration, formatMs, formatNumber, formatPercent, formatRatio } from "./format.js";

export function SummaryCards(s, { source }) {
  const badge = () => SourceBadge(source);
  const latency = [
    ["TTFT", s.ttftMs],
    ["TPOT", s.tpotMs],
    ["E2EL", s.e2elMs],
  ];
  return html`<div class="grid grid-cols-4">
    <div class="card">
      <h2>Throughput ${badge()}</h2>
      <div class="big">${formatNumber(s.totalTokenThroughput, 0)} <small>tok/s</small></div>
      <div class="sub">
        ${formatNumber(s.outputThroughput, 0)} output tok/s · ${formatNumber(s.requestThroughput, 2)} req/s
      </div>
    </div>
    <div class="card">
      <h2>Success ${badge()}</h2>
      <div class="big">${formatPercent(s.successRate)}</div>
      <div class="sub">
        ${formatNumber(s.completed, 0)} of ${formatNumber(s.requests, 0)} requests · ${formatNumber(s.failed, 0)} failed
        · ${formatDuration(s.durationS)}
      </div>
    </div>
    <div class="card">
      <h2>Latency ${badge()}</h2>
      <table>
        <thead>
          <tr>
            <th></th>
            <th class="num">mean</th>
            <th class="num">p50</th>
            <th class="num">p99</th>
          </tr>
        </thead>
        <tbody>
          ${latency.map(
            ([label, d]) =>
              html`<tr>
                <td>${label}</td>
                <td class="num">${formatMs(d.mean)}</td>
                <td class="num">${formatMs(d.p50)}</td>
                <td class="num">${formatMs(d.p99)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <div class="card">
      <h2>Tokens ${badge()}</h2>
      <div class="big">${formatNumber(s.totalOutputTokens, 0)} <small>out</small></div>
      <div class="sub">
        ${formatNumber(s.totalInputTokens, 0)} in · mean ${formatNumber(s.meanPromptTokens, 0)} →
        ${formatNumber(s.meanCompletionTokens, 0)} per request · in : out ${formatRatio(s.outputInputRatio)}
      </div>
    </div>
  </div>`;
}
