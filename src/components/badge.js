// A small pill label: sources (measured / simulated / recorded / extrapolated) and experiment states.
import { html } from "htl";

export function Badge(label, { kind = label, title } = {}) {
  return html`<span class="badge badge--${kind}" title=${title}>${label}</span>`;
}

const SOURCES = {
  measured: ["measured", "Figures were measured against a real server"],
  simulated: ["simulated", "Figures come from the built-in vLLM simulator, not a real server"],
  recorded: ["recorded, aggregates only", "Aggregates measured elsewhere and imported; no per-request rows"],
  extrapolated: ["extrapolated", "Projected from a smaller run (see Methods)"],
};

/** The badge shown next to every figure: its source, "measured", "simulated", "recorded" or "extrapolated". */
export function SourceBadge(source) {
  const [label, title] = SOURCES[source] ?? [String(source), ""];
  return Badge(label, { kind: source, title });
}
