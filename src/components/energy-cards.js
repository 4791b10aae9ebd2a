// GPU energy of one run (digest.energy, from nvidia-smi's power samples; data-loaders/metrics/energy.ts)
// and its electricity cost (costs.energy) beside the GPU-hour cost, each card labelled with the
// run's source ("measured", or "simulated" when the run was against the simulator).
import { html } from "htl";
import { SourceBadge } from "./badge.js";
import { formatMoney, formatNumber, formatPercent } from "./format.js";

export function EnergyCards(energy, costs, { source }) {
  if (!energy)
    return html`<p class="sub">
      No GPU power samples for this run: <code>nvidia-smi</code> is sampled only when the server runs on the tracker's
      machine (launched, or at localhost) and <code>nvidia-smi</code> is there (the run's log says why not).
    </p>`;
  const badge = () => SourceBadge(source);
  const gpus = energy.perGpu.length;
  const samples = energy.perGpu.reduce((n, g) => n + g.samples, 0);
  const watts = energy.perGpu.reduce((w, g) => w + g.meanWatts, 0);
  const cost = costs?.energy;
  const hosted = costs?.selfHosted;
  return html`<div class="grid grid-cols-4">
    <div class="card">
      <h2>GPU energy ${badge()}</h2>
      <div class="big">${formatNumber(energy.joules / 1000, 1)} <small>kJ</small></div>
      <div class="sub">
        ${formatNumber(watts, 0)} W mean over ${formatNumber(energy.windowS, 1)} s · ${gpus} GPU${gpus === 1 ? "" : "s"}
        · ${formatNumber(samples, 0)} samples covering ${formatPercent(energy.coverage)}
      </div>
    </div>
    <div class="card">
      <h2>Energy per output token ${badge()}</h2>
      <div class="big">${formatNumber(energy.joulesPerOutputToken, 3)} <small>J</small></div>
      <div class="sub">${formatNumber(energy.joulesPerRequest, 1)} J per successful request</div>
    </div>
    <div class="card">
      <h2>Energy cost per 100K requests ${badge()}</h2>
      <div class="big">${cost ? formatMoney(cost.per100K) : "—"}</div>
      <div class="sub">
        ${
          cost
            ? html`${formatNumber(cost.kWhPer100K, 2)} kWh at ${formatMoney(cost.electricityPerKWh)}/kWh`
            : html`add <code>electricityPerKWh</code> to the experiment`
        }
      </div>
    </div>
    <div class="card">
      <h2>GPU-hour cost per 100K requests ${SourceBadge("extrapolated")}</h2>
      <div class="big">${hosted ? formatMoney(hosted.per100K) : "—"}</div>
      <div class="sub">
        ${
          hosted
            ? html`at ${formatMoney(hosted.dollarsPerHour)}/h and the rate the run is judged at`
            : html`add <code>gpuDollarsPerHour</code> to the experiment`
        }
      </div>
    </div>
  </div>`;
}
