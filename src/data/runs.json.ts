// Overview, Compare and Projections data: every experiment with the run it shows, every run's
// headline figures, latency CDFs, projections and costs, and the benchmark matrix.
import { benchmarkMatrix, runCosts, runFigures } from "../../data-loaders/report/overview.ts";
import { slim, storeView } from "../../data-loaders/report/store.ts";

const { entries, digests, settings, shown } = await storeView();

const data = {
  experiments: entries.map((e) => ({
    id: e.id,
    title: e.title,
    state: e.state,
    model: e.model,
    error: e.error,
    runId: e.run_id,
    source: shown[e.id]?.source ?? (e.simulated ? "simulated" : null),
    runStatus: shown[e.id]?.status ?? null,
    settings: settings[e.id],
  })),
  runs: digests.map((d) => ({
    ...slim(d),
    figures: runFigures(d),
    costs: runCosts(
      d,
      settings[d.experimentId] ?? { prices: [], gpuDollarsPerHour: null, agreementField: null, publish: "full" },
    ),
  })),
  matrix: benchmarkMatrix(entries, digests),
};

process.stdout.write(JSON.stringify(data));
