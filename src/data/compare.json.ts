// Compare page data: the run each experiment shows (figures, latency distributions and CDFs),
// every sweep level, and for every ordered pair (baseline, candidate) the speedup and time saved
// (analysis/paired.ts `speedup`) and, when both runs sent the same prompts, the paired per-prompt
// differences with bootstrap intervals (`pairedComparison`).
import { pairedComparison, reversePaired, speedup, type PairedComparison } from "../../data-loaders/analysis/paired.ts";
import { findRun } from "../../data-loaders/store/folders.ts";
import { resultsDir } from "../../data-loaders/store/layout.ts";
import { promptRows, type PromptRow } from "../../data-loaders/report/digest.ts";
import { runFigures } from "../../data-loaders/report/overview.ts";
import { runIdentity, storeView } from "../../data-loaders/report/store.ts";

/** Bootstrap replicates of the paired intervals: every ordered pair is computed, so fewer than the default. */
const PAIRED_REPLICATES = 200;

const { entries, digests, shown } = await storeView();
const dir = resultsDir();

const runs = entries.flatMap((e) => {
  const d = shown[e.id];
  const figures = d ? runFigures(d) : null;
  if (!d || !figures) return [];
  return [
    {
      ...runIdentity(e, d),
      figures,
      latency: d.summary && { ttftMs: d.summary.ttftMs, tpotMs: d.summary.tpotMs, e2elMs: d.summary.e2elMs },
      cdf: d.cdf,
      /** The rate speedups use: the projection basis (steady state), else the whole-run rate. */
      rate: d.projections[0]?.basis.requestThroughput ?? figures.requestThroughput,
      rateMethod: d.projections[0]?.basis.method ?? "whole-run",
    },
  ];
});

const sweeps = digests
  .filter((d) => d.level !== null && d.summary)
  .map((d) => ({
    id: d.experimentId,
    title: entries.find((e) => e.id === d.experimentId)?.title ?? d.experimentId,
    source: d.source,
    runId: d.runId,
    concurrency: d.level,
    repeat: d.repeat,
    totalTokenThroughput: d.summary!.totalTokenThroughput,
    requestThroughput: d.summary!.requestThroughput,
    ttftP50: d.summary!.ttftMs.p50,
    e2elP50: d.summary!.e2elMs.p50,
    e2elP99: d.summary!.e2elMs.p99,
  }));

const rowsOf = new Map<string, PromptRow[]>();
async function rowsFor(id: string, runId: string): Promise<PromptRow[]> {
  if (!rowsOf.has(id)) {
    const run = findRun(dir, id, runId);
    rowsOf.set(id, run ? await promptRows(run) : []);
  }
  return rowsOf.get(id)!;
}

// Paired differences are computed once per unordered pair; the other order is its reverse.
const pairedOf = new Map<string, PairedComparison | null>();
const pairs = [];
for (const [i, base] of runs.entries()) {
  for (const [j, cand] of runs.entries()) {
    if (i === j) continue;
    let paired: PairedComparison | null;
    if (j < i) {
      const forward = pairedOf.get(`${j}:${i}`)!;
      paired = forward && reversePaired(forward);
    } else {
      const samePrompts = base.promptHash === cand.promptHash;
      const baseRows = samePrompts ? await rowsFor(base.id, base.runId) : [];
      const candRows = samePrompts ? await rowsFor(cand.id, cand.runId) : [];
      paired =
        baseRows.length && candRows.length
          ? pairedComparison(
              { runId: base.runId, rows: baseRows },
              { runId: cand.runId, rows: candRows },
              { replicates: PAIRED_REPLICATES },
            )
          : null;
      pairedOf.set(`${i}:${j}`, paired);
    }
    pairs.push({
      baseline: base.id,
      candidate: cand.id,
      speedup: base.rate && cand.rate && base.rate > 0 && cand.rate > 0 ? speedup(base.rate, cand.rate) : null,
      paired,
    });
  }
}

process.stdout.write(JSON.stringify({ runs, sweeps, pairs, pairedReplicates: PAIRED_REPLICATES }));
