// The "Server start-up" section of a run whose server the tracker launched (`server.launch`):
// the command, load time and KV-cache capacity from vLLM's start-up log, the settings the server
// ran with (prefix caching as asked and as run, KV block size, routes), where the load time went
// and the GPU memory chart. Empty for any other server.
import { html } from "htl";
// Framework's own standard library, served from the built site (not the npm CDN).
import { resize } from "npm:@observablehq/stdlib";
import { SourceBadge } from "./badge.js";
import { formatDuration, formatNumber } from "./format.js";
import { LoadBreakdownChart } from "./load-breakdown-chart.js";
import { MemoryChart } from "./memory-chart.js";

const onOff = (v) => (v === true ? "on" : v === false ? "off" : "not stated");

export function ServerStartup(launch, { source, breakdown = [] }) {
  if (!launch) return "";
  const failure = launch.failure ? html` and it <b>failed</b>: ${launch.failure}` : "";
  const weights = launch.weights_load_s != null ? ` (weights ${formatDuration(launch.weights_load_s)})` : "";
  const memory = `${formatNumber(launch.gpu_memory_before_mib, 0)} → ${formatNumber(launch.gpu_memory_after_mib, 0)} MiB`;
  // A grid's cells with the same server share one start: this run found it running.
  const shared = launch.started_by_run
    ? html` for run <code>${launch.started_by_run}</code> (an earlier cell with the same server), and kept it running
        for this one`
    : "";
  return html`<h2>Server start-up</h2>
    <p>
      The tracker started the server with <code>${launch.command}</code>${shared}${failure}. Model load took
      <b>${formatDuration(launch.load_time_s)}</b>${weights}; KV cache holds ${formatNumber(launch.kv_cache_tokens, 0)}
      tokens, for at most ${formatNumber(launch.max_concurrency, 1)} requests at full length.
    </p>
    ${Settings(launch)}
    ${
      breakdown.length
        ? html`<div class="card">
            <h2>Where the load time went ${SourceBadge(source)}</h2>
            <h3>
              the start-up log's own durations (weights, model loading, torch.compile, CUDA-graph capture, engine
              initialisation) within the measured ${formatDuration(launch.load_time_s)}; the ready line came after
              ${formatDuration(launch.ready_line_s)}
            </h3>
            ${resize((width) => LoadBreakdownChart(breakdown, { width }))}
          </div>`
        : ""
    }
    <div class="card">
      <h2>GPU memory ${SourceBadge(source)}</h2>
      <h3>from vLLM's start-up log; total from nvidia-smi before and after (${memory})</h3>
      ${resize((width) => MemoryChart(launch, { width }))}
    </div>`;
}

/** Prefix caching as asked for and as run, the KV block size, the routes the server listed. */
function Settings(launch) {
  const prefix = launch.prefix_caching;
  if (!prefix && launch.kv_block_size == null && !launch.routes?.length) return "";
  const asked = prefix?.requested == null ? "" : ` (asked: ${onOff(prefix.requested)})`;
  const why = prefix?.reason ? html` — vLLM said: <i>${prefix.reason}</i>` : "";
  const routes = launch.routes ?? [];
  return html`<p>
      Prefix caching: <b>${onOff(prefix?.effective)}</b>${asked}${why}. KV-cache block size:
      ${formatNumber(launch.kv_block_size, 0)} tokens.
    </p>
    ${
      routes.length
        ? html`<details>
            <summary>${routes.length} routes served</summary>
            <ul class="compact">
              ${routes.map((r) => html`<li><code>${r.methods.join(", ")} ${r.path}</code></li>`)}
            </ul>
          </details>`
        : ""
    }`;
}
