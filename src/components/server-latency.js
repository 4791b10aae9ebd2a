// The server's view of latency (its /metrics histograms over the run, quantiles interpolated
// within buckets as Prometheus does) beside the client's, one row per measure.
import { html } from "htl";
import { formatMs, formatNumber } from "./format.js";
import { SourceBadge } from "./badge.js";
import { Table } from "./table.js";

const MEASURES = [
  ["Time to first token", "ttftMs", "ttftMs"],
  ["Inter-token latency", "itlMs", "itlMs"],
  ["End-to-end latency", "e2elMs", "e2elMs"],
];

export function ServerLatency(server, client, { source }) {
  if (!server) return "";
  const rows = MEASURES.filter(([, key]) => server[key]).flatMap(([label, key, clientKey]) => [
    { label, side: "server", n: server[key].count, ...pick(server[key], "meanMs", "p50Ms", "p90Ms", "p99Ms") },
    {
      label,
      side: "client",
      n: client?.[clientKey]?.n,
      ...pick(client?.[clientKey] ?? {}, "mean", "p50", "p90", "p99"),
    },
  ]);
  const columns = [
    { label: "measure", value: (r) => (r.side === "server" ? r.label : "") },
    { label: "seen by", value: (r) => r.side },
    { label: "observations", num: true, value: (r) => formatNumber(r.n, 0) },
    { label: "mean", num: true, value: (r) => formatMs(r.mean) },
    { label: "p50", num: true, value: (r) => formatMs(r.p50) },
    { label: "p90", num: true, value: (r) => formatMs(r.p90) },
    { label: "p99", num: true, value: (r) => formatMs(r.p99) },
  ];
  return html`<div class="card">
    <h2>Server's view of latency ${SourceBadge(source)}</h2>
    <h3>
      from the server's /metrics histograms over the run (quantiles interpolated within buckets), beside the client's
      measurements; the server measures from the request's arrival and per engine step, the client per SSE chunk and
      over the network
    </h3>
    ${Table(rows, columns)}
  </div>`;
}

/** {mean, p50, p90, p99} from the fields named (server stats or a client distribution). */
function pick(o, mean, p50, p90, p99) {
  return { mean: o[mean], p50: o[p50], p90: o[p90], p99: o[p99] };
}
