// A small pill label: "simulated"/"measured" sources and experiment states.
import {html} from "htl";

export function Badge(label, {kind = label, title} = {}) {
  return html`<span class="badge badge--${kind}" title=${title}>${label}</span>`;
}

/** The source badge shown next to every figure of a run. */
export function SourceBadge(simulated) {
  return simulated
    ? Badge("simulated", {title: "Figures come from the built-in vLLM simulator, not a real server"})
    : Badge("measured", {title: "Figures were measured against a real server"});
}
