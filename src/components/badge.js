// A small pill label: sources (measured / simulated / recorded / derived / extrapolated / predicted /
// stated) and experiment states.
import { html } from "htl";

export function Badge(label, { kind = label, title } = {}) {
  return html`<span class="badge badge--${kind}" title=${title}>${label}</span>`;
}

const SOURCES = {
  measured: ["measured", "Figures were measured against a real server"],
  simulated: ["simulated", "Figures come from the built-in vLLM simulator, not a real server"],
  recorded: ["recorded, aggregates only", "Aggregates measured elsewhere and imported; no per-request rows"],
  "recorded-rows": ["recorded", "Measured elsewhere and imported with its per-request rows; figures computed here"],
  extrapolated: ["extrapolated", "Projected from a smaller run (see Methods)"],
  predicted: [
    "predicted",
    "Predicted by the fit and speed models from the model's architecture and the GPU, not measured",
  ],
  "recorded-figure": [
    "recorded",
    "As the record holds it: measured elsewhere and copied from a report or another tool",
  ],
  derived: ["derived", "Computed by the tracker's formulas from the figures stored with the run"],
  stated: ["report says", "As one of the users' reports states it (history/), verbatim"],
  estimate: ["stated estimate", "What a report expected of a run that never ran: never a measurement"],
};

/**
 * The badge shown next to every figure: its source, "measured", "simulated", "recorded",
 * "derived", "extrapolated", "predicted", a report's "stated" figure or a stated "estimate".
 * `rows`: a recorded run imported with its per-request rows (not aggregates only).
 * `tool`: the benchmark tool that measured a recorded run (`tracker import`), named in the badge.
 */
export function SourceBadge(source, { rows = false, tool = null } = {}) {
  const [label, title] = SOURCES[source === "recorded" && rows ? "recorded-rows" : source] ?? [String(source), ""];
  const kind = source === "recorded-figure" ? "recorded" : source;
  if (source !== "recorded" || !tool) return Badge(label, { kind, title });
  return Badge(`${label} · ${tool}`, { kind, title: `${title}; measured with ${tool}` });
}
