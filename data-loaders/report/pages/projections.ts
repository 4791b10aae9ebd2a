// The Projections page (src/projections.md, data/projections.json): each shown run's projected
// time for 1K…1M requests with intervals (analysis/extrapolate.ts, in the digest), backtests of
// such projections against larger runs, costs at the experiments' prices and GPU $/hour
// (analysis/cost.ts through report/figures.ts), the cascade grids (analysis/cascade.ts:
// every rule precomputed for each cheap → strong pair on the same prompts), and the speed model's
// leave-one-out backtest on the store's measured and recorded runs (report/predictions.ts).
import { PROMPT_SAMPLE } from "../../analysis/by-prompt.ts";
import { cascadeGrid } from "../../analysis/cascade.ts";
import { promptQuality, type PromptQuality } from "../../analysis/run-quality.ts";
import type { RunFolder } from "../../store/folders.ts";
import { backtestSample } from "../../analysis/extrapolate.ts";
import { promptRows, type RunDigest } from "../digest.ts";
import { runCosts, runFigures } from "../figures.ts";
import { storeCalibration } from "../predictions.ts";
import { runIdentity, storeView, type StoreDirs, type StoreView } from "../store.ts";

export const BACKTEST_REPLICATES = 200;
/** The job size the cascade planner prices. */
export const CASCADE_REQUESTS = 200_000;

export async function projectionsPage(dirs: StoreDirs = {}) {
  const view = await storeView(dirs);
  const runs = projectedRuns(view);
  return {
    runs: runs.map((r) => r.row),
    backtests: backtests(view),
    cascades: await cascades(view, runs),
    backtestReplicates: BACKTEST_REPLICATES,
    speedModel: speedModel(view),
    /** Prompts of a run pairing reads at most (analysis/by-prompt.ts). */
    promptSample: PROMPT_SAMPLE,
  };
}

/**
 * The speed model on the store's runs: each measured or recorded run predicted without itself
 * (its backtest row), the calibration of each GPU and stack, the interval the backtest gives,
 * and the runs that are not observations with the reason.
 */
export function speedModel(view: StoreView) {
  const { cal } = storeCalibration(view.digests, view.folder);
  const observation = new Map(cal.observations.map((o) => [o.id, o]));
  return {
    backtest: cal.backtest.map(({ calibration, ...row }) => {
      const o = observation.get(row.id)!;
      return {
        ...row,
        weights: o.input.format.id,
        concurrency: o.input.concurrency,
        meanPromptTokens: o.input.meanPromptTokens,
        meanOutputTokens: o.input.meanOutputTokens,
        calibratedOn: calibration ? { basis: calibration.basis, from: calibration.from } : null,
        assumptions: o.assumptions,
      };
    }),
    groups: cal.speed.groups.map(({ observations, ...g }) => ({ ...g, runs: observations.map((o) => o.id) })),
    interval: cal.interval,
    skipped: cal.skipped,
  };
}

interface ProjectedRun {
  digest: RunDigest;
  row: ReturnType<typeof projectionRow>;
}

/** The run each experiment shows, when it has projections. */
function projectedRuns(view: StoreView): ProjectedRun[] {
  return view.entries.flatMap((e) => {
    const d = view.shown[e.id];
    return d && d.projections.length ? [{ digest: d, row: projectionRow(view, e.id, d) }] : [];
  });
}

function projectionRow(view: StoreView, id: string, d: RunDigest) {
  const settings = view.settings[id]!;
  return {
    ...runIdentity(
      view.entries.find((e) => e.id === id)!,
      d,
    ),
    figures: runFigures(d),
    projections: d.projections,
    costs: runCosts(d, settings),
    prices: settings.prices,
    gpuDollarsPerHour: settings.gpuDollarsPerHour,
  };
}

/**
 * The backtest pairs: each complete run with rows (large), predicted from the largest run of the
 * same model and concurrency with fewer requests (small). A projection assumes the same model
 * and concurrency; runs of one size are repeats, not a test.
 */
export function backtestPartners(digests: readonly RunDigest[]): { small: RunDigest; large: RunDigest }[] {
  const requests = (d: RunDigest) => d.summary?.requests ?? 0;
  const complete = digests.filter((d) => d.hasRows && d.status === "complete" && d.concurrency !== null);
  return complete.flatMap((large) => {
    const small = complete
      .filter((d) => d.model === large.model && d.concurrency === large.concurrency && requests(d) < requests(large))
      .sort((a, b) => requests(b) - requests(a))[0];
    return small ? [{ small, large }] : [];
  });
}

/**
 * Each backtest from the digests: the smaller run's projection sample and the larger run's
 * successful requests and duration (no row of either run is read here).
 */
function backtests(view: StoreView) {
  const out = [];
  for (const { small, large } of backtestPartners(view.digests)) {
    const { completed, durationS } = large.summary!;
    const measured = { runId: large.runId, requests: completed ?? 0, measuredS: durationS ?? 0 };
    const result = backtestSample(small.projectionSample, measured, { replicates: BACKTEST_REPLICATES });
    if (!result) continue;
    const experiments = { smallExperiment: small.experimentId, largeExperiment: large.experimentId };
    out.push({ model: large.model, ...experiments, source: large.source, ...result });
  }
  return out;
}

/** Each prompt's row with the run's verdicts on it (truth, checks, judge), which the quality rules read. */
function withVerdicts<R extends { prompt_id: string }>(rows: R[], verdicts: PromptQuality[]) {
  const byPrompt = new Map(verdicts.map((v) => [v.prompt_id, v]));
  return rows.map((r) => {
    const v = byPrompt.get(r.prompt_id);
    return v
      ? {
          ...r,
          correct: v.correct,
          checks_passed: v.checks_passed,
          judge_pass: v.judge_pass,
          judge_score: v.judge_score,
        }
      : r;
  });
}

const runPromptQuality = (run: RunFolder) => (run.requestsPath ? promptQuality(run.path, run.requestsPath) : []);

/**
 * Cascades: A screens (the run judged faster), B answers what A's rule escalates; every ordered
 * pair of shown runs with rows on the same prompts.
 */
async function cascades(view: StoreView, runs: readonly ProjectedRun[]) {
  const withRows = runs.filter((r) => r.digest.hasRows && r.digest.rate !== null);
  const side = async ({ digest, row }: ProjectedRun) => ({
    runId: digest.runId,
    rows: withVerdicts(await promptRows(view.folder(digest)), await runPromptQuality(view.folder(digest))),
    requestThroughput: digest.rate!.requestThroughput,
    price: row.prices[0] ?? null,
    gpuDollarsPerHour: row.gpuDollarsPerHour,
  });
  const out = [];
  for (const a of withRows) {
    for (const b of withRows) {
      const faster = a.digest.rate!.requestThroughput >= b.digest.rate!.requestThroughput;
      if (a === b || a.digest.promptHash !== b.digest.promptHash || !faster) continue;
      const field = view.settings[a.row.id]!.agreementField ?? view.settings[b.row.id]!.agreementField;
      const grid = cascadeGrid(await side(a), await side(b), { agreementField: field, requests: CASCADE_REQUESTS });
      out.push({
        a: a.row.id,
        b: b.row.id,
        priceA: a.row.prices[0]?.label ?? null,
        priceB: b.row.prices[0]?.label ?? null,
        ...grid,
      });
    }
  }
  return out;
}
