// One source for what the Compare page, `tracker compare` and `tracker report` show: the run each
// experiment shows with its rates in every unit and what each figure is (measured, simulated,
// recorded, derived), the prices the users' reports imply, every stated figure of the recorded
// history recomputed, the failed and the planned runs, and the comparison of runs against a
// baseline. The formulas are in analysis/comparison.ts and analysis/stated.ts; this module only
// gathers their inputs from the store.
import { COMPARE_COUNTS, HYBRID_SHARE, compareRuns, type CompareRun, type Comparison } from "../analysis/comparison.ts";
import type { Price } from "../analysis/cost.ts";
import { derivedPrices, recomputeStated, type RecomputedFigure, type RunFigures } from "../analysis/stated.ts";
import { storedRecord, type StoredRecord } from "../experiment/recorded-schema.ts";
import type { RateUnit } from "../experiment/recorded-history.ts";
import { findGpu, loadCatalog } from "../hardware/catalog.ts";
import { findRun } from "../store/folders.ts";
import type { ExperimentEntry } from "../store/schemas/experiment-index.ts";
import { runDigest, type RunDigest } from "./digest.ts";
import type { StoreView } from "./store.ts";

/** What a figure is: measured against a server, simulated, recorded elsewhere, derived by the tracker, extrapolated, or stated by a report. */
export type FigureKind = "measured" | "simulated" | "recorded" | "derived" | "extrapolated" | "stated";

export interface HistoryRun {
  id: string;
  title: string;
  model: string;
  source: RunDigest["source"];
  runId: string;
  status: RunDigest["status"];
  hasRows: boolean;
  rates: Record<RateUnit, number | null>;
  rateKinds: Record<RateUnit, FigureKind>;
  rateMethod: string | null;
  requests: number | null;
  successRate: number | null;
  durationS: number | null;
  meanPromptTokens: number | null;
  meanCompletionTokens: number | null;
  /** What the token means are: measured (rows), or derived from recorded totals. */
  tokenKind: FigureKind;
  /** The experiment's own prices (it is also costed at every derived price). */
  prices: Price[];
  /** The report's verdicts on its answers, verbatim. */
  verdicts: { text: string; at: string }[];
}

export interface DerivedPriceInfo {
  label: string;
  experimentId: string;
  perMTok: number;
  /** The stated cost it comes from. */
  from: { at: string; written: string; requests: number };
}

export interface PlannedRun {
  id: string;
  title: string;
  model: string;
  notes: string;
  settings: StoredRecord["settings"] | null;
  estimates: StoredRecord["estimates"] | null;
  sources: StoredRecord["sources"] | null;
  requests: number;
}

export interface FailedRun {
  id: string;
  title: string;
  model: string;
  reason: string | null;
  causes: { text: string; at: string }[];
  estimates: StoredRecord["estimates"] | null;
}

/**
 * A recomputed stated figure with what it is in words ("time for 200,000 requests") and the
 * recomputed value and its bounds as text, one decimal finer than the report gives it.
 */
export type StatedRow = RecomputedFigure & { label: string; recomputedText: string; boundsText: string };

export interface HistoryData {
  runs: HistoryRun[];
  prices: DerivedPriceInfo[];
  stated: StatedRow[];
  failed: FailedRun[];
  planned: PlannedRun[];
}

export interface CompareChoice {
  /** Runs to compare (default: every run with a rate). */
  candidates?: readonly string[];
  rankBy?: RateUnit;
  /** The job size the hybrid is given for (default 100,000, as the reports). */
  requests?: number;
  share?: number;
  counts?: readonly number[];
}

/** Everything the comparison reads, from a store view. */
export function historyData(view: StoreView): HistoryData {
  const shown = view.entries.flatMap((e) => {
    const d = view.shown[e.id];
    return d ? [{ e, d }] : [];
  });
  const withFigures = shown.filter(({ d }) => d.summary !== null && d.status !== "failed");
  const statedRuns = withFigures.map(({ d }) => statedRun(d));
  const prices = derivedPrices(statedRuns).map((p) => priceInfo(p, withFigures));
  const shared = prices.map((p) => ({ label: p.label, inputPerMTok: p.perMTok, outputPerMTok: p.perMTok }));
  return {
    runs: withFigures.map(({ e, d }) => historyRun(e.id, e.title, d, [...view.settings[e.id]!.prices, ...shared])),
    prices,
    stated: recomputeStated(statedRuns).map(statedRow),
    failed: shown.filter(({ d }) => d.status === "failed").map(({ e, d }) => failedRun(e.id, e.title, d)),
    planned: view.entries.flatMap((e) => plannedRun(e)),
  };
}

/**
 * The stated figures of one recorded run, recomputed with the runs they compare with and the
 * records whose stated costs derive the prices they use (found through the index, so one
 * experiment page reads only those digests). Empty for a run without a record.
 */
export async function statedOfRun(d: RunDigest, entries: readonly ExperimentEntry[], resultsDir: string) {
  const record = d.hasRows ? null : d.record;
  if (!record || d.summary === null) return [];
  const stated = record.stated ?? [];
  const prices = new Set(stated.flatMap((s) => ("price" in s ? [s.price] : [])));
  const needed = new Set(
    stated.flatMap((s) => ("baseline" in s ? [s.baseline] : "escalateTo" in s ? [s.escalateTo] : [])),
  );
  for (const e of entries) {
    const derives = e.spec ? (storedRecord(e.spec)?.prices ?? []) : [];
    if (derives.some((p) => prices.has(p.label))) needed.add(e.id);
  }
  needed.delete(d.experimentId);
  const runs = [statedRun(d)];
  for (const id of needed) {
    const entry = entries.find((e) => e.id === id);
    const folder = entry ? findRun(resultsDir, id, entry.run_id, () => {}) : null;
    const other = folder ? await runDigest(folder) : null;
    if (other?.summary && other.status !== "failed") runs.push(statedRun(other));
  }
  return recomputeStated(runs)
    .filter((f) => f.experimentId === d.experimentId)
    .map(statedRow);
}

/** The runs against a baseline (analysis/comparison.ts), ranked by `rankBy` (default: requests per second). */
export function compareWith(data: HistoryData, baselineId: string, choice: CompareChoice = {}): Comparison {
  const ids = new Set(choice.candidates ?? data.runs.map((r) => r.id));
  ids.add(baselineId);
  const unknown = [...ids].filter((id) => !data.runs.some((r) => r.id === id));
  if (unknown.length) throw new Error(`no run with figures for ${unknown.join(", ")} (see \`tracker list\`)`);
  const runs: CompareRun[] = data.runs
    .filter((r) => ids.has(r.id))
    .map((r) => ({
      id: r.id,
      rates: r.rates,
      meanPromptTokens: r.meanPromptTokens,
      meanCompletionTokens: r.meanCompletionTokens,
      prices: r.prices,
    }));
  return compareRuns(runs, baselineId, {
    rankBy: choice.rankBy ?? "requests",
    counts: choice.counts ?? COMPARE_COUNTS,
    requests: choice.requests ?? 100_000,
    share: choice.share ?? HYBRID_SHARE,
  });
}

function historyRun(id: string, title: string, d: RunDigest, prices: Price[]): HistoryRun {
  const s = d.summary!;
  const f = d.record?.figures;
  const own = d.hasRows ? (d.source as FigureKind) : null;
  // A recorded run's rate is recorded when its record gives it, else derived from its counts.
  const kind = (recorded: unknown): FigureKind => own ?? (recorded !== undefined ? "recorded" : "derived");
  const rates: Record<RateUnit, number | null> = {
    requests: d.rate?.requestThroughput ?? null,
    totalTokens: s.totalTokenThroughput,
    outputTokens: s.outputThroughput,
    answers: d.text?.answersPerS ?? null,
    chars: d.text?.charsPerS ?? null,
    words: d.text?.wordsPerS ?? null,
  };
  const rateKinds: Record<RateUnit, FigureKind> = {
    requests: kind(f?.requestThroughput),
    totalTokens: kind(f?.totalTokenThroughput),
    outputTokens: kind(f?.outputThroughput),
    answers: own ?? "derived",
    chars: own ?? "derived",
    words: own ?? "derived",
  };
  return {
    id,
    title,
    model: d.model,
    source: d.source,
    runId: d.runId,
    status: d.status,
    hasRows: d.hasRows,
    rates,
    rateKinds,
    rateMethod: d.rate?.method ?? null,
    requests: s.requests,
    successRate: s.successRate,
    durationS: s.durationS,
    meanPromptTokens: s.meanPromptTokens,
    meanCompletionTokens: s.meanCompletionTokens,
    tokenKind: own ?? "derived",
    prices,
    verdicts: [
      ...(d.record?.verdicts ?? []),
      ...(d.record?.samples ?? []).flatMap((x) => (x.verdict ? [x.verdict] : [])),
    ],
  };
}

/** What analysis/stated.ts reads of a run: its record, or for a run with rows its figures. */
function statedRun(d: RunDigest) {
  const s = d.summary!;
  const record = d.hasRows ? null : d.record;
  const fixed: RunFigures | null = record
    ? null
    : {
        summary: s,
        derived: {
          requestThroughput: s.requestThroughput,
          outputThroughput: s.outputThroughput,
          totalTokenThroughput: s.totalTokenThroughput,
        },
        rate: d.rate?.requestThroughput ?? null,
        text: d.text,
        loadTimeS: null,
        downloadTimeS: null,
        memoryInUseGiB: null,
        progressDone: null,
      };
  return { id: d.experimentId, record, fixed, gpuMemoryGiB: gpuMemory(d.record) };
}

function gpuMemory(record: StoredRecord | null): number | null {
  if (!record) return null;
  try {
    return findGpu(loadCatalog(), record.hardware).memoryGiB;
  } catch {
    return null;
  }
}

function priceInfo(p: ReturnType<typeof derivedPrices>[number], runs: readonly { d: RunDigest }[]): DerivedPriceInfo {
  const source = runs
    .find(({ d }) => d.experimentId === p.experimentId)!
    .d.record!.prices!.find((x) => x.label === p.label)!;
  return { label: p.label, experimentId: p.experimentId, perMTok: p.price.inputPerMTok, from: source.from };
}

function failedRun(id: string, title: string, d: RunDigest): FailedRun {
  return {
    id,
    title,
    model: d.model,
    reason: d.reason,
    causes: d.record?.causes ?? [],
    estimates: d.record?.estimates ?? null,
  };
}

/** A pending recorded experiment (never run: no run folder) with its stated estimates. */
function plannedRun(e: StoreView["entries"][number]): PlannedRun[] {
  if (e.state !== "pending" || !e.spec) return [];
  const record = storedRecord(e.spec);
  if (!record || record.status !== "pending") return [];
  return [
    {
      id: e.id,
      title: e.title,
      model: record.model,
      notes: e.notes,
      settings: record.settings ?? null,
      estimates: record.estimates ?? null,
      sources: record.sources ?? null,
      requests: record.figures.requests,
    },
  ];
}

const FIGURE_WORDS: Record<string, string> = {
  requestThroughput: "request rate",
  totalTokenThroughput: "total tokens per second",
  outputThroughput: "output tokens per second",
  successRate: "success rate",
  meanPromptTokens: "prompt tokens per request",
  meanCompletionTokens: "completion tokens per request",
  meanTotalTokens: "tokens per request",
  inputShare: "input share of the tokens",
  outputShare: "output share of the tokens",
  progress: "progress",
  headroom: "GPU memory left free",
  duration: "time of the run",
  timePerRequest: "time per request",
  loadTime: "model load time",
  downloadTime: "model download time",
  loadPlusRun: "load + run time",
  none: "not a figure the tracker computes",
  shorterOutputs: "shorter outputs",
};

const UNIT_WORDS: Record<RateUnit, string> = {
  requests: "requests/s",
  totalTokens: "total tokens/s",
  outputTokens: "output tokens/s",
  answers: "answers/s",
  chars: "characters/s",
  words: "words/s",
};

/** What a stated figure is, in words. */
export function describeFigure(f: Pick<RecomputedFigure, "figure" | "params">): string {
  const { requests, by, share, price, part } = f.params;
  const n = requests?.toLocaleString("en-US");
  switch (f.figure) {
    case "time":
      return `time for ${n} requests`;
    case "tokens":
      return `tokens of ${n} requests`;
    case "cost":
      return `cost of ${n} requests at ${price}`;
    case "speedup":
      return `times faster, in ${UNIT_WORDS[by!]}`;
    case "slower":
      return `% slower, in ${UNIT_WORDS[by!]}`;
    case "timesSlower":
      return `times slower, in ${UNIT_WORDS[by!]}`;
    case "timeSaved":
      return `time saved on ${n} requests`;
    case "cheaper":
      return `% cheaper per request at ${price}`;
    case "hybrid": {
      const what = part === "escalated" ? "cost of the escalated share" : part === "total" ? "total cost" : "saving";
      return `hybrid, ${Math.round(share! * 100)}% of ${n} requests escalated: ${what} at ${price}`;
    }
    default:
      return FIGURE_WORDS[f.figure] ?? f.figure;
  }
}

function statedRow(f: RecomputedFigure): StatedRow {
  const text = (x: number | null) => (x === null ? "—" : formatIn(x, f.unit, f.decimals));
  const bounds = f.lo === null || f.hi === null || f.lo === f.hi ? "" : `${text(f.lo)} … ${text(f.hi)}`;
  return { ...f, label: describeFigure(f), recomputedText: text(f.recomputed), boundsText: bounds };
}

/** A figure in its unit: "$3.647", "60.3 h", "4.071×", "38.9%", "2,481.9 tok/s". */
export function formatIn(value: number, unit: string, decimals: number): string {
  const n = value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  if (unit === "$") return `$${n}`;
  if (unit === "%" || unit === "×") return `${n}${unit}`;
  return unit ? `${n} ${unit}` : n;
}
