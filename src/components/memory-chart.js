// GPU memory of a launched vLLM server from its start-up log: model weights, KV cache and CUDA
// graphs in GiB, stacked in one bar.
import * as Plot from "@observablehq/plot";

export function MemoryChart(launch, { width }) {
  const parts = [
    ["model weights", launch.weights_gib],
    ["KV cache", launch.kv_cache_gib],
    ["CUDA graphs", launch.cuda_graph_gib],
  ]
    .filter(([, gib]) => Number.isFinite(gib))
    .map(([part, gib]) => ({ part, gib, server: "vLLM" }));
  return Plot.plot({
    width,
    height: 90,
    marginLeft: 50,
    x: { label: "GiB →", grid: true },
    y: { label: null },
    color: { legend: true, domain: parts.map((d) => d.part) },
    marks: [
      Plot.barX(parts, Plot.stackX({ y: "server", x: "gib", fill: "part", tip: true })),
      Plot.text(parts, Plot.stackX({ y: "server", x: "gib", text: (d) => `${d.gib.toFixed(1)}`, fill: "white" })),
      Plot.ruleX([0]),
    ],
  });
}
