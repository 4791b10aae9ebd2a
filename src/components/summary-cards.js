// Headline figures of one run: throughput, success, latency and tokens, each card labelled with
// the run's source ("measured", "simulated" or "recorded"). A recorded run has the same summary
// with what was not recorded left null, shown as "—" (its latency card has means only). `peaks`
// (peak output tokens/s and requests in flight, as vllm bench serve computes them) and `success`
// (vLLM's count of successes beside the tracker's) and `usage` (responses whose usage.total_tokens
// did not add up) come from the digest when the run has rows.
import { html } from "htl";
import { SourceBadge } from "./badge.js";
import { formatDuration, formatMs, formatNumber, formatPercent, formatRatio } from "./format.js";

export function SummaryCards(s, { source, peaks = null, success = null, usage = null }) {
  const badge = () => SourceBadge(source);
  const peak = peaks?.peakOutputTokensPerS != null || peaks?.peakConcurrentRequests != null;
  const vllm = success?.vllmCompleted != null && success.vllmCompleted !== success.completed;
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
      ${
        peak
          ? html`<div
              class="sub"
              title="vllm bench serve's max_output_tokens_per_s (chunks per 1-second bin) and max_concurrent_requests"
            >
              peak ${formatNumber(peaks.peakOutputTokensPerS, 0)} output tok/s ·
              ${formatNumber(peaks.peakConcurrentRequests, 0)} requests in flight
            </div>`
          : ""
      }
    </div>
    <div class="card">
      <h2>Success ${badge()}</h2>
      <div class="big">${formatPercent(s.successRate)}</div>
      <div class="sub">
        ${formatNumber(s.completed, 0)} of ${formatNumber(s.requests, 0)} requests · ${formatNumber(s.failed, 0)} failed
        · ${formatDuration(s.durationS)}
      </div>
      ${vllm ? VllmCount(success) : ""}
      ${
        usage?.mismatched > 0
          ? html`<div class="sub">
              ${formatNumber(usage.mismatched, 0)} of ${formatNumber(usage.checked, 0)} responses reported a
              usage.total_tokens other than prompt + completion tokens
            </div>`
          : ""
      }
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

const WHY = {
  in_band_error: "an error event after the answer began (vLLM's client reads no error events)",
  malformed_stream: "a stream that ended without [DONE] (vLLM's client does not wait for it)",
};

/** vllm bench serve's count of successes when it differs from the tracker's, with the requests that make the difference. */
function VllmCount(success) {
  const parts = success.differences.map((d) => {
    const what = `${formatNumber(d.requests, 0)} ${d.error_class ?? d.status}`;
    if (!d.vllm_success) return `${what} counted as failed there`;
    return `${what} counted as succeeded there${WHY[d.error_class] ? `: ${WHY[d.error_class]}` : ""}`;
  });
  return html`<div class="sub">
    vllm bench serve would count ${formatNumber(success.vllmCompleted, 0)} successes (${parts.join("; ")})
  </div>`;
}
