// The notices at the top of an experiment page: a missing or invalid experiment, a failed,
// stale, partial, resumed or client-bound run, a recorded run, or no run yet. Returns a list of
// nodes (empty when there is nothing to say). Error text is shown as text.
import { html } from "htl";
import { formatNumber } from "./format.js";

export function RunNotices({ id, entry, manifest, digest }) {
  const hasRows = digest?.hasRows ?? false;
  const m = manifest;
  const notices = [];
  const add = (kind, label, body) => notices.push(html`<div class=${kind} label=${label}>${body}</div>`);
  const pre = (text) => html`<pre style="white-space: pre-wrap">${text}</pre>`;
  if (!entry) add("warning", null, html`No experiment <code>${id}</code> in the results index.`);
  if (entry?.error)
    add(
      "caution",
      entry.state === "invalid" ? "Invalid experiment file" : entry.grid ? "Cells failed" : "Run failed",
      pre(entry.error),
    );
  if (m?.status === "failed" && m.reason && m.reason !== entry?.error) add("caution", "Run failed", pre(m.reason));
  if (entry?.state === "stale" && m) {
    add(
      "warning",
      "Stale",
      html`The experiment file changed after this run; these figures are from the run of the earlier spec (hash
        <code>${m.specHash}</code>).`,
    );
  }
  if (m?.status === "partial") {
    const stored = `${formatNumber(m.counts.done, 0)} of ${formatNumber(m.counts.requests, 0)} requests are stored`;
    add(
      "warning",
      "Partial run",
      html`${stored}${m.reason ? ` — ${m.reason}` : ""}. <code>npx tracker run ${id}</code> resumes it: only the missing
        requests are sent.`,
    );
  }
  if (m?.interruptions.length) {
    const n = m.interruptions.length;
    add(
      "note",
      null,
      html`<b>Resumed after ${n} interruption${n === 1 ? "" : "s"}</b>: only the missing requests were sent after each.
        <ul>
          ${m.interruptions.map((i) => html`<li>${i.at}: ${i.reason}</li>`)}
        </ul>`,
    );
  }
  if (m?.selfCheck?.client_bound) {
    const why = m.selfCheck.reason ? `: ${m.selfCheck.reason}` : "";
    add(
      "warning",
      "Client-bound run",
      `The client, not the server, limited this run${why}. Its throughput understates the server.`,
    );
  }
  if (m?.source === "recorded" && hasRows) {
    add(
      "note",
      "Recorded elsewhere",
      `These figures were measured elsewhere (${m.recorded?.origin ?? "imported"}) and imported with their
      per-request rows: the figures below are computed from those rows with this site's formulas, from the timings the
      tool took.`,
    );
  } else if (m?.source === "recorded") {
    add(
      "note",
      "Recorded, aggregates only",
      `These figures were measured elsewhere (${m.recorded?.origin ?? "imported"})
      and imported as aggregates; there are no per-request rows, so latency distributions, time series and answers are
      not available.`,
    );
  }
  // A grid has no run of its own: its cells' runs are in its table.
  if (entry && !m && entry.state !== "invalid" && !entry.grid) add("note", null, "No runs yet for this experiment.");
  return notices;
}
