// The Compare page (src/compare.md, data/compare.json): the run each experiment shows (figures,
// latency distributions and CDFs, the rate it is judged at), every sweep level, and for every
// ordered pair (baseline, candidate) the speedup and time saved (analysis/paired.ts `speedup`)
// and, when both runs sent the same prompts, the paired per-prompt differences with bootstrap
// intervals (`pairedComparison`); and the users' study as the reports wrote it (report/comparison.ts):
// every run against every baseline in each rate unit, time for 1K–1M requests, token shares, costs
// at the reports' prices, the hybrid plan, the reports' own figures recomputed, failed and planned runs.
import { PROMPT_SAMPLE } from "../../analysis/by-prompt.ts";
import { pairedComparison, reversePaired, speedup, type PairedComparison } from "../../analysis/paired.ts";
import { cellKeyWithout } from "../../experiment/cells.ts";
import type { ExperimentEntry } from "../../store/schemas/experiment-index.ts";
import { promptRows, type PromptRow, type RunDigest } from "../digest.ts";
import { runFigures } from "../figures.ts";
import { runIdentity, storeView, type StoreDirs, type StoreView } from "../store.ts";
import { compareWith, historyData } from "../comparison.ts";

/** Bootstrap replicates of the paired intervals: every ordered pair is computed, so fewer than the default. */
export const PAIRED_REPLICATES = 200;

export async function comparePage(dirs: StoreDirs = {}) {
  const view = await storeView(dirs);
  const runs = shownRuns(view);
  const history = historyData(view);
  return {
    runs: runs.map((r) => r.row),
    sweeps: sweepLevels(view),
    pairs: await comparePairs(view, runs),
    pairedReplicates: PAIRED_REPLICATES,
    /** Prompts of a run pairing reads at most (analysis/by-prompt.ts). */
    promptSample: PROMPT_SAMPLE,
    history,
    /** Every run against each baseline, by baseline id (runs without any rate cannot be one). */
    comparisons: Object.fromEntries(history.runs.map((r) => [r.id, compareWith(history, r.id)])),
  };
}

interface CompareRun {
  digest: RunDigest;
  row: ReturnType<typeof compareRow>;
}

/** The run each experiment shows, when it has figures. */
function shownRuns({ entries, shown }: StoreView): CompareRun[] {
  return entries.flatMap((e) => {
    const d = shown[e.id];
    return d && d.summary ? [{ digest: d, row: compareRow(e, d) }] : [];
  });
}

function compareRow(e: ExperimentEntry, d: RunDigest) {
  const s = d.hasRows ? d.summary : null;
  return {
    ...runIdentity(e, d),
    figures: runFigures(d)!,
    latency: s && { ttftMs: s.ttftMs, tpotMs: s.tpotMs, e2elMs: s.e2elMs },
    cdf: d.cdf,
    /** The rate speedups use: the rate the run is judged at (metrics/rate.ts). */
    rate: d.rate?.requestThroughput ?? null,
    rateMethod: d.rate?.method ?? null,
  };
}
/** Every run of a concurrency sweep, one point per level and repeat. */
function sweepLevels({ entries, digests }: StoreView) {
  return digests.flatMap((d) => {
    const s = d.summary;
    if (d.level === null || !d.hasRows || !s) return [];
    return [
      {
        id: d.experimentId,
        // A grid's sweep is one line per combination of its other axes.
        title: [entries.find((e) => e.id === d.experimentId)?.title ?? d.experimentId, sweepLine(d)]
          .filter(Boolean)
          .join(" "),
        source: d.source,
        runId: d.runId,
        concurrency: d.level,
        repeat: d.repeat,
        totalTokenThroughput: s.totalTokenThroughput,
        requestThroughput: s.requestThroughput,
        ttftP50: s.ttftMs.p50,
        e2elP50: s.e2elMs.p50,
        e2elP99: s.e2elMs.p99,
      },
    ];
  });
}

/** The other axes of a grid run on a concurrency axis, `(model=gemma-3-1b)`, or "" (experiment/cells.ts). */
const sweepLine = (d: RunDigest) => {
  const others = d.cell ? cellKeyWithout(d.cell.axes, "concurrency") : "";
  return others ? `(${others})` : "";
};

/**
 * Every ordered pair of shown runs: the speedup at the runs' judged rates, and the paired
 * per-prompt differences when both sent the same prompts (computed once per unordered pair; the
 * other order is its reverse).
 */
async function comparePairs(view: StoreView, runs: readonly CompareRun[]) {
  const rowsOf = new Map<RunDigest, Promise<PromptRow[]>>();
  const rows = (d: RunDigest) => {
    if (!rowsOf.has(d)) rowsOf.set(d, promptRows(view.folder(d)));
    return rowsOf.get(d)!;
  };
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
        const samePrompts = base.digest.promptHash === cand.digest.promptHash;
        paired = samePrompts ? await pairedByPrompt(base.digest, cand.digest, rows) : null;
        pairedOf.set(`${i}:${j}`, paired);
      }
      const [b, c] = [base.digest.rate, cand.digest.rate];
      pairs.push({
        baseline: base.row.id,
        candidate: cand.row.id,
        speedup: b && c ? speedup(b.requestThroughput, c.requestThroughput) : null,
        paired,
      });
    }
  }
  return pairs;
}

/** The paired differences of two runs on the same prompts; null when either has no rows. */
async function pairedByPrompt(
  base: RunDigest,
  cand: RunDigest,
  rows: (d: RunDigest) => Promise<PromptRow[]>,
): Promise<PairedComparison | null> {
  const baseRows = await rows(base);
  const candRows = await rows(cand);
  if (!baseRows.length || !candRows.length) return null;
  return pairedComparison(
    { runId: base.runId, rows: baseRows },
    { runId: cand.runId, rows: candRows },
    { replicates: PAIRED_REPLICATES },
  );
}
