// What a recorded experiment holds of the users' reports (data-loaders/experiment/recorded.ts):
// the state of a run still going or only planned, the vLLM settings, memory and load facts, the
// failure causes, per-worker rows, the answers the report quotes (as plain text: model output is
// untrusted), the report's verdicts, its own figures beside the tracker's recomputation, and
// where each recorded figure is written.
import { html } from "htl";
import { Badge, SourceBadge } from "./badge.js";
import { StatedTable } from "./stated-table.js";
import { Table } from "./table.js";
import { formatDuration, formatNumber } from "./format.js";

const cite = (at) => (at ? html` <code>${at}</code>` : "");
const fact = (label, value, kind = "recorded-figure") =>
  value == null
    ? null
    : html`<dt>${label}</dt>
        <dd>${value} ${SourceBadge(kind)}</dd>`;

function stateNote(r) {
  if (r.status === "pending")
    return html`<p>
      ${Badge("planned", { kind: "pending" })} The reports planned this run; it never ran. Its figures below are what
      they expected: stated estimates, never measurements.
    </p>`;
  if (r.status === "partial")
    return html`<p>
      ${Badge("partial", { kind: "stale" })} Still running when the report was written:
      ${formatNumber(r.progress.done, 0)} of ${formatNumber(r.figures.requests, 0)} requests
      done${r.progress.at ? ` (${r.progress.at})` : ""}.
    </p>`;
  return "";
}

function facts(r) {
  const l = r.launch ?? {};
  const s = r.settings ?? {};
  const e = r.estimates ?? {};
  const gb = (x) => `${formatNumber(x, 2)} GB`;
  const gib = (x) => `${formatNumber(x, 2)} GiB`;
  const rows = [
    fact("gpu_memory_utilization", s.gpuMemoryUtilization, r.status === "pending" ? "estimate" : "recorded-figure"),
    fact("enforce_eager", s.enforceEager == null ? null : String(s.enforceEager)),
    fact("max_model_len", s.maxModelLen),
    fact("max_num_seqs", s.maxNumSeqs),
    fact("command", l.command ? html`<code>${l.command}</code>` : null),
    fact("model size on disk", l.modelSizeGb == null ? null : gb(l.modelSizeGb)),
    fact("weights", l.weightsGib == null ? null : gib(l.weightsGib)),
    fact("KV cache", l.kvCacheGib == null ? null : gib(l.kvCacheGib)),
    fact("CUDA graphs", l.cudaGraphGib == null ? null : gib(l.cudaGraphGib)),
    fact("GPU memory in use", l.gpuMemoryAfterMib == null ? null : gib(l.gpuMemoryAfterMib / 1024)),
    fact("load time", l.loadTimeS == null ? null : formatDuration(l.loadTimeS)),
    fact("download time", l.downloadTimeS == null ? null : formatDuration(l.downloadTimeS)),
    fact("size", e.modelSizeGb == null ? null : gb(e.modelSizeGb), "estimate"),
    fact("memory", e.memoryGb == null ? null : gb(e.memoryGb), "estimate"),
    fact(
      "throughput",
      e.totalTokenThroughput == null ? null : `${formatNumber(e.totalTokenThroughput, 0)} tok/s`,
      "estimate",
    ),
    fact(
      "time",
      e.durationS == null ? null : `${formatDuration(e.durationS)} for ${formatNumber(r.figures.requests, 0)} requests`,
      "estimate",
    ),
  ].filter(Boolean);
  return rows.length
    ? html`<div class="card">
        <h2>Settings, memory and load</h2>
        <dl class="facts">${rows}</dl>
      </div>`
    : "";
}

function quotes(title, list) {
  return list?.length
    ? html`<div class="card">
        <h2>${title} ${SourceBadge("stated")}</h2>
        <ul>
          ${list.map((q) => html`<li><q>${q.text}</q>${cite(q.at)}</li>`)}
        </ul>
      </div>`
    : "";
}

function workers(r, stated) {
  if (!r.workers?.length) return "";
  const recomputed = (i) => stated.find((f) => f.key === `workers.${i}.requestThroughput`)?.recomputed;
  const columns = [
    { label: "worker", num: true, value: ({ w }) => w.worker },
    { label: "requests", num: true, value: ({ w }) => formatNumber(w.requests, 0) },
    { label: "ok", num: true, value: ({ w }) => formatNumber(w.completed, 0) },
    { label: "retries", num: true, value: ({ w }) => formatNumber(w.retries, 0) },
    { label: "time", num: true, value: ({ w }) => formatDuration(w.durationS) },
    {
      label: "req/s (log)",
      num: true,
      value: ({ w }) => html`${formatNumber(w.requestThroughput, 2)} ${SourceBadge("stated")}`,
    },
    {
      label: "req/s (ok / time)",
      num: true,
      value: ({ i }) => html`${formatNumber(recomputed(i), 4)} ${SourceBadge("derived")}`,
    },
    {
      label: "progress lines",
      value: ({ w }) => (w.progress ?? []).map((p) => `${p.at}: ${p.done} done`).join("; ") || "—",
    },
  ];
  return html`<h3>Workers ${SourceBadge("recorded-figure")}</h3>
    ${Table(
      r.workers.map((w, i) => ({ w, i })),
      columns,
    )}`;
}

function samples(r) {
  if (!r.samples?.length) return "";
  const card = (s) =>
    html`<div class="card">
      <h2>${s.label} ${SourceBadge("recorded-figure")}</h2>
      <h3>
        prompt ${s.promptId} · report line
        <code>${s.at}</code>${s.truncated ? " · the report shows only part of it" : ""}
      </h3>
      <pre class="answer-text">${s.text}</pre>
      ${s.verdict ? html`<p>The report's verdict: <q>${s.verdict.text}</q>${cite(s.verdict.at)}</p>` : ""}
    </div>`;
  return html`<h3>Answers the report quotes</h3>
    <p class="sub">Verbatim, with the report's encoding damage.</p>
    <div class="grid grid-cols-2" style="grid-auto-rows: auto;">${r.samples.map(card)}</div>`;
}

function sources(r) {
  const rows = Object.entries(r.sources ?? {}).map(([path, s]) => ({ path, ...s }));
  if (!rows.length) return "";
  const columns = [
    { label: "figure", value: (s) => html`<code>${s.path}</code>` },
    { label: "report line", value: (s) => html`<code>${s.at}</code>` },
    { label: "as written", value: (s) => html`<q>${s.written}</q>` },
  ];
  return html`<details>
    <summary>Where each recorded figure is written</summary>
    ${Table(rows, columns, { pageSize: 20 })}
  </details>`;
}

export function RecordedHistory(history, { titleOf = (id) => id } = {}) {
  if (!history) return "";
  const r = history.record;
  return html`<div>
    ${stateNote(r)}
    <div class="grid grid-cols-2" style="grid-auto-rows: auto;">
      ${facts(r)} ${quotes("Why it failed", r.causes)} ${quotes("The report's verdicts", r.verdicts)}
      ${quotes("What the report expected", [r.estimates?.verdict, ...(r.estimates?.expectations ?? [])].filter(Boolean))}
    </div>
    ${workers(r, history.stated)} ${samples(r)}
    ${
      history.stated.length
        ? html`<h3>The report's own figures, recomputed</h3>
            ${StatedTable(history.stated, { titleOf })}`
        : ""
    }
    ${sources(r)}
  </div>`;
}
