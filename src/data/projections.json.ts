// Projections page data: each shown run's projected time for 1K…1M requests with intervals
// (analysis/extrapolate.ts, in the digest), backtests against larger runs of the same model and concurrency,
// costs at the experiments' prices and GPU $/hour (analysis/cost.ts), and the cascade grids
// (analysis/cascade.ts: every rule precomputed for each cheap → strong pair on the same prompts).
import { cascadeGrid } from "../../data-loaders/analysis/cascade.ts";
import { backtest } from "../../data-loaders/analysis/extrapolate.ts";
import { findRun, listRuns } from "../../data-loaders/store/folders.ts";
import { readRows } from "../../data-loaders/store/columns.ts";
import { resultsDir } from "../../data-loaders/store/layout.ts";
import { promptRows, type RunDigest } from "../../data-loaders/report/digest.ts";
import type { RequestRow } from "../../data-loaders/store/schemas/request-row.ts";
import { runCosts, runFigures } from "../../data-loaders/report/overview.ts";
import { runIdentity, storeView } from "../../data-loaders/report/store.ts";

const BACKTEST_REPLICATES = 200;
const CASCADE_REQUESTS = 200_000;

const { entries, digests, settings, shown } = await storeView();
const dir = resultsDir();
const folders = listRuns(dir);

const runs = entries.flatMap((e) => {
  const d = shown[e.id];
  if (!d || !d.projections.length) return [];
  return [
    {
      ...runIdentity(e, d),
      figures: runFigures(d),
      projections: d.projections,
      costs: runCosts(d, settings[e.id]!),
      prices: settings[e.id]!.prices,
      gpuDollarsPerHour: settings[e.id]!.gpuDollarsPerHour,
    },
  ];
});

// Backtests: each complete run with rows, predicted from the largest run of the same model and
// concurrency with fewer requests (a projection assumes both; runs of one size are repeats).
const PROJECTION_COLUMNS = ["status", "sent_ms", "done_ms", "prompt_tokens", "completion_tokens"] as const;
const requestsOf = (d: RunDigest) => d.summary?.requests ?? 0;
const complete = digests.filter((d) => d.hasRows && d.status === "complete" && d.concurrency !== null);
const projectionRows = new Map<RunDigest, Promise<Pick<RequestRow, (typeof PROJECTION_COLUMNS)[number]>[]>>();
const rowsOfRun = (d: RunDigest) => {
  if (!projectionRows.has(d)) {
    const folder = folders.find((f) => f.runId === d.runId && f.experimentId === d.experimentId)!;
    projectionRows.set(d, readRows(folder.requestsPath!, PROJECTION_COLUMNS));
  }
  return projectionRows.get(d)!;
};
const backtests = [];
for (const large of complete) {
  const small = complete
    .filter((d) => d.model === large.model && d.concurrency === large.concurrency && requestsOf(d) < requestsOf(large))
    .sort((a, b) => requestsOf(b) - requestsOf(a))[0];
  if (!small) continue;
  const result = backtest(
    { runId: small.runId, rows: await rowsOfRun(small), concurrency: small.concurrency! },
    { runId: large.runId, rows: await rowsOfRun(large) },
    { replicates: BACKTEST_REPLICATES },
  );
  if (result)
    backtests.push({
      model: large.model,
      smallExperiment: small.experimentId,
      largeExperiment: large.experimentId,
      source: large.source,
      ...result,
    });
}

// Cascades: A screens (the faster run), B answers what A's rule escalates; runs on the same prompts.
const cascades = [];
const withRows = runs.filter((r) => shown[r.id]!.hasRows);
for (const a of withRows) {
  for (const b of withRows) {
    const rateA = a.projections[0]!.basis.requestThroughput;
    const rateB = b.projections[0]!.basis.requestThroughput;
    if (a.id === b.id || a.promptHash !== b.promptHash || rateA < rateB) continue;
    const rowsOf = async (id: string, runId: string) => promptRows(findRun(dir, id, runId)!);
    const field = settings[a.id]!.agreementField ?? settings[b.id]!.agreementField;
    const grid = cascadeGrid(
      {
        runId: a.runId,
        rows: await rowsOf(a.id, a.runId),
        requestThroughput: rateA,
        price: a.prices[0] ?? null,
        gpuDollarsPerHour: a.gpuDollarsPerHour,
      },
      {
        runId: b.runId,
        rows: await rowsOf(b.id, b.runId),
        requestThroughput: rateB,
        price: b.prices[0] ?? null,
        gpuDollarsPerHour: b.gpuDollarsPerHour,
      },
      { agreementField: field, requests: CASCADE_REQUESTS },
    );
    cascades.push({
      a: a.id,
      b: b.id,
      priceA: a.prices[0]?.label ?? null,
      priceB: b.prices[0]?.label ?? null,
      ...grid,
    });
  }
}

process.stdout.write(JSON.stringify({ runs, backtests, cascades, backtestReplicates: BACKTEST_REPLICATES }));
