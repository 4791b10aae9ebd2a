// The runs of the recorded history that did not produce figures: failed ones with their reason and
// causes, and planned ones (never run) with what the report expected, every figure labelled as a
// stated estimate. Rows come from data-loaders/report/comparison.ts (`failed`, `planned`).
import { html } from "htl";
import { Badge, SourceBadge } from "./badge.js";
import { Table } from "./table.js";
import { formatDuration, formatNumber } from "./format.js";

const estimate = (value, text) => (value == null ? "—" : html`${text} ${SourceBadge("estimate")}`);
const quotes = (list) =>
  list?.length ? html`${list.map((q) => html`<div><q>${q.text}</q> <code>${q.at}</code></div>`)}` : "—";

export function PlannedRuns(planned, failed) {
  const columns = [
    { label: "run", value: (r) => html`<a href=${`./experiments/${r.id}`}>${r.title}</a>` },
    {
      label: "state",
      value: (r) => (r.reason !== undefined ? Badge("failed") : Badge("planned", { kind: "pending" })),
    },
    { label: "verdict", value: (r) => (r.estimates?.verdict ? html`<q>${r.estimates.verdict.text}</q>` : "—") },
    {
      label: "size",
      num: true,
      value: (r) => estimate(r.estimates?.modelSizeGb, `${formatNumber(r.estimates?.modelSizeGb, 2)} GB`),
    },
    {
      label: "memory",
      num: true,
      value: (r) => estimate(r.estimates?.memoryGb, `${formatNumber(r.estimates?.memoryGb, 1)} GB`),
    },
    {
      label: "tok/s",
      num: true,
      value: (r) => estimate(r.estimates?.totalTokenThroughput, formatNumber(r.estimates?.totalTokenThroughput, 0)),
    },
    {
      label: "time",
      num: true,
      value: (r) =>
        estimate(
          r.estimates?.durationS,
          `${formatDuration(r.estimates?.durationS)} for ${formatNumber(r.requests, 0)}`,
        ),
    },
    {
      label: "what the report says",
      value: (r) => quotes([...(r.causes ?? []), ...(r.estimates?.expectations ?? [])]),
    },
  ];
  const rows = [...failed.map((f) => ({ ...f, reason: f.reason ?? "failed" })), ...planned];
  return rows.length ? Table(rows, columns) : html`<p><i>No failed or planned runs.</i></p>`;
}
