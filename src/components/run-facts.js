// The facts of a run from its manifest: the run itself (id, status, server, counts, hashes), and
// the machine and server it ran on (commit, versions, GPUs, the client self-check).
import { html } from "htl";
import { Badge } from "./badge.js";
import { formatMs, formatNumber } from "./format.js";

export function RunFacts(m) {
  const env = m.environment;
  const facts = m.serverFacts;
  const gpus = env.gpus?.length
    ? env.gpus.map((g) => `${g.name} (${formatNumber(g.memory_total_mib, 0)} MiB, driver ${g.driver})`).join("; ")
    : "—";
  const level = m.group?.level != null ? `${m.group.level} (repeat ${m.group.repeat})` : null;
  const c = m.counts;
  return html`<div class="grid grid-cols-2" style="grid-auto-rows: auto;">
    <div class="card">
      <h2>Run</h2>
      <dl class="facts">
        <dt>run id</dt>
        <dd>${m.runId}</dd>
        <dt>status</dt>
        <dd>${m.status}${m.reason ? ` — ${m.reason}` : ""}</dd>
        <dt>source</dt>
        <dd>${m.source}</dd>
        <dt>server</dt>
        <dd>${m.server.kind} · ${m.server.endpoint}${m.server.profile ? ` · ${m.server.profile}` : ""}</dd>
        <dt>model</dt>
        <dd>${m.server.model}</dd>
        <dt>started</dt>
        <dd>${m.startedAt}</dd>
        <dt>finished</dt>
        <dd>${m.finishedAt ?? "—"}</dd>
        <dt>requests</dt>
        <dd>${c.requests} planned · ${c.done} done · ${c.ok} ok · ${c.error} errors</dd>
        ${
          level
            ? html`<dt>sweep level</dt>
                <dd>${level}</dd>`
            : null
        }
        ${
          m.cell
            ? html`<dt>grid cell</dt>
                <dd>${m.cell.key}</dd>`
            : null
        }
        <dt>spec hash</dt>
        <dd>${m.specHash}</dd>
        <dt>prompt hash</dt>
        <dd>${m.promptHash}</dd>
      </dl>
    </div>
    <div class="card">
      <h2>Machine and server</h2>
      <dl class="facts">
        <dt>commit</dt>
        <dd>${env.git_commit ?? "—"}${env.git_dirty ? " (dirty)" : ""}</dd>
        <dt>tracker</dt>
        <dd>${m.trackerVersion}</dd>
        <dt>node</dt>
        <dd>${env.node}</dd>
        <dt>os</dt>
        <dd>${env.os}</dd>
        <dt>cpu</dt>
        <dd>${env.cpu}</dd>
        <dt>host</dt>
        <dd>${env.host}</dd>
        <dt>GPUs</dt>
        <dd>${gpus}</dd>
        <dt>vLLM version</dt>
        <dd>
          ${facts?.version ?? "—"}${
            facts?.version_source === "system_fingerprint"
              ? html` <span class="sub">(from system_fingerprint ${facts.system_fingerprint}; no /version)</span>`
              : ""
          }
        </dd>
        ${
          facts?.adapter
            ? html`<dt>LoRA adapter</dt>
                <dd>${facts.adapter.name}${facts.adapter.path ? ` (${facts.adapter.path})` : ""}</dd>
                <dt>base model</dt>
                <dd>${facts.adapter.base_model}${facts.root ? ` (${facts.root})` : ""}</dd>`
            : null
        }
        <dt>max model len</dt>
        <dd>${formatNumber(facts?.max_model_len, 0)}</dd>
        <dt>self-check</dt>
        <dd>${SelfCheck(m.selfCheck)}</dd>
      </dl>
    </div>
  </div>`;
}

function SelfCheck(check) {
  if (!check) return "—";
  // With load.clients > 1 each client thread has its own share of the load and its own event loop.
  const clients = (check.clients ?? []).length > 1 ? check.clients : [];
  return html`${CheckLine(check)}${clients.map(
    (c) => html`<div class="self-check-client">client ${c.client}: ${CheckLine(c)}</div>`,
  )}`;
}

function CheckLine(check) {
  const bound = check.client_bound
    ? Badge("client-bound", { kind: "failed" })
    : Badge("server-bound", { kind: "fresh" });
  return html`${bound} send lag p99 ${formatMs(check.send_lag_p99_ms)} · event-loop p99
  ${formatMs(check.event_loop_delay_p99_ms)} · in flight ${formatNumber(check.mean_in_flight, 1)} of
  ${formatNumber(check.target_in_flight, 0)}`;
}
