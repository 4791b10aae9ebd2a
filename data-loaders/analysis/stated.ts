// The figures the users' reports derived themselves (`stated` in a recorded experiment: speedups,
// extrapolations, time saved, costs, ratios, restated rates), recomputed with the tracker's own
// formulas from the stored data, and put beside the report's figure with a verdict:
//   agrees   the recomputed value and the report's figure meet once each is given its rounding:
//            the report's figure ± half its last digit (experiment/recorded-history.ts
//            `writtenNumber`), the recomputed value within the bounds its inputs' rounding gives
//   differs  they do not; the record says why (`why`), e.g. the report divided output tokens by a
//            total-token rate, or quoted a figure that its own inputs do not give
//   unknown  the stored data do not give it (a record without token counts, "vs sequential")
// Bounds: each input a record states with a source (`sources`, counts excluded: those are exact)
// is moved by ± half its last digit, one at a time; the figure's lowest and highest deviations
// are added up (the first-order worst case; exact for sums, close for the ratios and products
// here). A run with per-request rows is exact.
// The formulas are those of the rest of the tracker: metrics/recorded.ts for a record's summary
// and the rates its counts give (`derivedRates`: a restated rate is checked against what the
// counts and duration give, never against itself), metrics/rate.ts for the rate a run is judged
// at, analysis/paired.ts `speedup` for time saved, analysis/cost.ts for costs and the blended
// price a stated cost implies, analysis/cascade.ts `shareCascade` for the hybrid, and
// analysis/comparison.ts for rate ratios, token shares and output lengths.
import { recordedAggregates, type StoredRecord } from "../experiment/recorded-schema.ts";
import { valueAt } from "../experiment/recorded-checks.ts";
import { writtenNumber, type RateUnit, type Stated, type TimeUnit } from "../experiment/recorded-history.ts";
import { judgedRate } from "../metrics/rate.ts";
import { derivedRates, recordedSummary, recordedTextTotals, type DerivedRates } from "../metrics/recorded.ts";
import type { PartialSummary } from "../metrics/recorded.ts";
import { textRates, type TextRates } from "../metrics/text-rates.ts";
import { shareCascade } from "./cascade.ts";
import { meanRequestCost, rateRatio, shorterOutputs, tokenMix } from "./comparison.ts";
import { blendedPrice, type Price } from "./cost.ts";
import { speedup } from "./paired.ts";

/** The figures of one run a stated figure may read. */
export interface RunFigures {
  summary: PartialSummary;
  /** The throughputs its counts and duration give (a run with rows: its measured ones). */
  derived: DerivedRates;
  /** The rate the run is judged at (successful requests per second). */
  rate: number | null;
  text: TextRates | null;
  loadTimeS: number | null;
  downloadTimeS: number | null;
  /** GPU memory in use once ready, GiB. */
  memoryInUseGiB: number | null;
  progressDone: number | null;
}

/** A run stated figures are recomputed from. */
export interface StatedRun {
  id: string;
  /** A recorded run's record: its figures are recomputed from it (and moved for the bounds). */
  record: StoredRecord | null;
  /** A run with per-request rows: its figures, exact. */
  fixed: RunFigures | null;
  /** Memory of the GPU it ran on (GiB), for headroom. */
  gpuMemoryGiB: number | null;
}

export type Verdict = "agrees" | "differs" | "unknown";

export interface RecomputedFigure {
  experimentId: string;
  /** Index in the record's `stated`, or the source path ("figures.totalTokenThroughput") of a restated record figure. */
  key: string;
  figure: string;
  at: string;
  written: string;
  /** The run compared with (baseline, or the model escalated to), if any. */
  other: string | null;
  /** The figure's parameters, as stated. */
  params: { requests?: number; by?: RateUnit; share?: number; price?: string; part?: string };
  /** The report's figure, ± half its last digit, in `unit`. */
  value: number;
  plusMinus: number;
  approximate: boolean;
  unit: string;
  /** Decimals to show the recomputed value with: one more than the report gives. */
  decimals: number;
  recomputed: number | null;
  lo: number | null;
  hi: number | null;
  verdict: Verdict;
  /** The record's reason for a difference, or what the verdict rests on. */
  why: string;
  /** Whether the record explains the verdict itself (`why` in the data). */
  explained: boolean;
}

/** What a record's numbers are for the formulas: its figures, launch facts, progress, workers and stated costs. */
interface Core {
  figures: StoredRecord["figures"];
  launch: StoredRecord["launch"];
  progress: StoredRecord["progress"];
  workers: NonNullable<StoredRecord["workers"]>;
  prices: { label: string; requests: number; dollars: number }[];
}

interface Input {
  path: string;
  plusMinus: number;
}

const COUNT_FIELDS = /(^|\.)(requests|completed|retries|done|concurrency|answerChars|answerWords)$/;
/** The parts of a record the formulas read (settings and estimates are shown, never computed with). */
const CORE_PARTS = /^(figures|launch|progress|workers)\./;

function coreOf(r: StoredRecord): Core {
  return {
    figures: r.figures,
    launch: r.launch,
    progress: r.progress,
    workers: r.workers ?? [],
    prices: (r.prices ?? []).map((p) => ({
      label: p.label,
      requests: p.from.requests,
      dollars: writtenNumber(p.from.written)!.value,
    })),
  };
}

/** The inputs of a record that carry a report's rounding (see the header). */
function inputsOf(r: StoredRecord): Input[] {
  const out: Input[] = [];
  for (const [path, source] of Object.entries(r.sources ?? {})) {
    const written = writtenNumber(source.written);
    const value = valueAt(r, path);
    if (!CORE_PARTS.test(path) || COUNT_FIELDS.test(path)) continue;
    if (!written || typeof value !== "number" || written.value === 0) continue;
    out.push({ path, plusMinus: ((written.step / 2) * value) / written.value });
  }
  for (const [i, p] of (r.prices ?? []).entries())
    out.push({ path: `prices.${i}.dollars`, plusMinus: writtenNumber(p.from.written)!.step / 2 });
  return out;
}

/** The figures of a record's numbers. */
function figuresOf(core: Core): RunFigures {
  const aggregates = recordedAggregates({ origin: "", figures: core.figures });
  const summary = recordedSummary(aggregates);
  const f = core.figures;
  const rate = judgedRate({ steady: null, requestThroughput: summary.requestThroughput, recorded: true });
  const text = recordedTextTotals(aggregates, f.answerChars ?? null, f.answerWords ?? null);
  return {
    summary,
    derived: derivedRates(aggregates),
    rate: rate?.requestThroughput ?? null,
    text: textRates(text, f.durationS ?? null),
    loadTimeS: core.launch?.loadTimeS ?? null,
    downloadTimeS: core.launch?.downloadTimeS ?? null,
    memoryInUseGiB: core.launch?.gpuMemoryAfterMib === undefined ? null : core.launch.gpuMemoryAfterMib / 1024,
    progressDone: core.progress?.done ?? null,
  };
}

/** What one evaluation reads: each run's figures and each derived price, at some values of the inputs. */
interface Valuation {
  figures(id: string): RunFigures | null;
  price(label: string): Price | null;
  run(id: string): StatedRun | undefined;
  /** A recorded run's numbers as this evaluation has them. */
  core(id: string): Core | null;
}

function valuation(runs: ReadonlyMap<string, StatedRun>, cores: ReadonlyMap<string, Core>): Valuation {
  const memo = new Map<string, RunFigures | null>();
  const figures = (id: string): RunFigures | null => {
    if (!memo.has(id)) {
      const core = cores.get(id);
      memo.set(id, core ? figuresOf(core) : (runs.get(id)?.fixed ?? null));
    }
    return memo.get(id)!;
  };
  const price = (label: string): Price | null => {
    for (const [id, core] of cores) {
      const p = core.prices.find((x) => x.label === label);
      const tokens =
        p && tokenMix(figures(id)?.summary.meanPromptTokens ?? null, figures(id)?.summary.meanCompletionTokens ?? null);
      if (p && tokens?.meanTotalTokens) return blendedPrice(label, p.dollars, p.requests, tokens.meanTotalTokens);
    }
    return null;
  };
  return { figures, price, run: (id) => runs.get(id), core: (id) => cores.get(id) ?? null };
}

/** Every stated figure of every run, and every restated record rate, recomputed (see the header). */
export function recomputeStated(runs: readonly StatedRun[]): RecomputedFigure[] {
  const ctx: Context = {
    runs: new Map(runs.map((r) => [r.id, r])),
    cores: new Map(runs.flatMap((r) => (r.record ? [[r.id, coreOf(r.record)] as const] : []))),
  };
  const priceRuns = new Map(runs.flatMap((r) => (r.record?.prices ?? []).map((p) => [p.label, r.id] as const)));
  const out: RecomputedFigure[] = [];
  for (const run of runs) {
    const record = run.record;
    if (!record) continue;
    for (const [i, s] of (record.stated ?? []).entries()) {
      const involved = [run.id, otherOf(s), "price" in s ? priceRuns.get(s.price) : undefined];
      const entry = { experimentId: run.id, key: String(i), stated: s, other: otherOf(s), involved };
      out.push(recompute(ctx, entry, (v) => statedValue(s, run.id, v)));
    }
    for (const [path, source] of Object.entries(record.sources ?? {})) {
      const restated = restatedValue(path);
      if (!restated) continue;
      const s = { ...source, figure: restated.figure } as Stated;
      const entry = { experimentId: run.id, key: path, stated: s, other: null, involved: [run.id] };
      out.push(recompute(ctx, entry, (v) => restated.value(v.figures(run.id), v, run.id)));
    }
  }
  return out;
}

/** Derived prices by label: the blended price each stated cost implies at its run's tokens per request. */
export function derivedPrices(runs: readonly StatedRun[]): { label: string; experimentId: string; price: Price }[] {
  const cores = new Map(runs.flatMap((r) => (r.record ? [[r.id, coreOf(r.record)] as const] : [])));
  const v = valuation(new Map(runs.map((r) => [r.id, r])), cores);
  return runs.flatMap((r) =>
    (r.record?.prices ?? []).flatMap((p) => {
      const price = v.price(p.label);
      return price ? [{ label: p.label, experimentId: r.id, price }] : [];
    }),
  );
}

function otherOf(s: Stated): string | null {
  return "baseline" in s ? s.baseline : "escalateTo" in s ? s.escalateTo : null;
}

/** The runs and each record's numbers: what every evaluation starts from. */
interface Context {
  runs: ReadonlyMap<string, StatedRun>;
  cores: ReadonlyMap<string, Core>;
}

/** One figure to recompute: its record, key, the figure as stated and the runs it reads. */
interface Entry {
  experimentId: string;
  key: string;
  stated: Stated;
  other: string | null;
  involved: readonly (string | null | undefined)[];
}

function recompute(ctx: Context, entry: Entry, evaluate: (v: Valuation) => number | null): RecomputedFigure {
  const { experimentId, key, stated: s, other } = entry;
  const { runs, cores } = ctx;
  const written = writtenNumber(s.written);
  const value = s.value ?? written!.value;
  const plusMinus = s.value === undefined ? written!.step / 2 : 0;
  const point = evaluate(valuation(runs, cores));
  const bounds = point === null ? null : boundsOf(ctx, point, evaluate, entry.involved);
  const verdict: Verdict =
    point === null ? "unknown" : overlaps(bounds!, [value - plusMinus, value + plusMinus]) ? "agrees" : "differs";
  return {
    experimentId,
    key,
    figure: s.figure,
    at: s.at,
    written: s.written,
    other,
    params: paramsOf(s),
    value,
    plusMinus,
    approximate: written?.approximate ?? false,
    unit: unitOf(s),
    decimals: plusMinus > 0 ? Math.max(0, Math.round(-Math.log10(2 * plusMinus))) + 1 : 2,
    recomputed: point,
    lo: bounds?.[0] ?? null,
    hi: bounds?.[1] ?? null,
    verdict,
    why: s.why ?? automaticWhy(verdict, point, bounds, value, plusMinus),
    explained: s.why !== undefined,
  };
}

function boundsOf(
  { runs, cores }: Context,
  point: number,
  evaluate: (v: Valuation) => number | null,
  involved: readonly (string | null | undefined)[],
): [number, number] {
  let lo = point;
  let hi = point;
  for (const id of new Set(involved)) {
    const record = id ? runs.get(id)?.record : null;
    if (!id || !record) continue;
    for (const input of inputsOf(record)) {
      const deviations = [-1, 1].flatMap((sign) => {
        const moved = new Map(cores).set(id, moveInput(cores.get(id)!, input.path, sign * input.plusMinus));
        const x = evaluate(valuation(runs, moved));
        return x === null || !Number.isFinite(x) ? [] : [x - point];
      });
      lo += Math.min(0, ...deviations);
      hi += Math.max(0, ...deviations);
    }
  }
  return [lo, hi];
}

function moveInput(core: Core, path: string, delta: number): Core {
  const copy = structuredClone(core);
  const keys = path.split(".");
  let target = copy as unknown as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  const last = keys.at(-1)!;
  if (typeof target[last] === "number") target[last] = (target[last] as number) + delta;
  return copy;
}

function overlaps([lo, hi]: [number, number], [a, b]: [number, number]): boolean {
  const eps = 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  return lo <= b + eps && hi >= a - eps;
}

function automaticWhy(
  verdict: Verdict,
  point: number | null,
  bounds: [number, number] | null,
  value: number,
  plusMinus: number,
): string {
  if (verdict === "unknown") return "not recomputable: the stored data lack a figure it needs";
  if (verdict === "differs") return "differs, and the record gives no reason";
  if (Math.abs(point! - value) <= plusMinus + 1e-9 * Math.max(1, Math.abs(value)))
    return "agrees at the report's precision";
  return `agrees within the rounding of the figures it comes from (${bounds![0].toPrecision(4)} … ${bounds![1].toPrecision(4)})`;
}

const TIME_SECONDS: Record<TimeUnit, number> = { s: 1, min: 60, h: 3600, days: 86_400 };

/** The unit a stated figure is written in. */
export function unitOf(s: Pick<Stated, "figure"> & { unit?: TimeUnit; part?: string }): string {
  if (s.unit) return s.unit;
  switch (s.figure) {
    case "requestThroughput":
      return "req/s";
    case "totalTokenThroughput":
    case "outputThroughput":
      return "tok/s";
    case "meanPromptTokens":
    case "meanCompletionTokens":
    case "meanTotalTokens":
    case "tokens":
      return "tokens";
    case "headroom":
      return "GB";
    case "speedup":
    case "timesSlower":
      return "×";
    case "cost":
      return "$";
    case "hybrid":
      return s.part === "saving" ? "%" : "$";
    case "none":
      return "";
    default:
      return "%";
  }
}

const RESTATED: Record<string, { figure: Stated["figure"]; pick: (f: RunFigures) => number | null }> = {
  "figures.requestThroughput": { figure: "requestThroughput", pick: (f) => f.derived.requestThroughput },
  "figures.totalTokenThroughput": { figure: "totalTokenThroughput", pick: (f) => f.derived.totalTokenThroughput },
  "figures.outputThroughput": { figure: "outputThroughput", pick: (f) => f.derived.outputThroughput },
};

/** A record figure that its other figures also give: a rate, checked against what its counts give. */
function restatedValue(path: string) {
  const rate = RESTATED[path];
  if (rate) return { figure: rate.figure, value: (f: RunFigures | null) => (f ? rate.pick(f) : null) };
  const worker = /^workers\.(\d+)\.requestThroughput$/.exec(path);
  if (!worker) return null;
  const index = Number(worker[1]);
  return {
    figure: "requestThroughput" as const,
    value: (_f: RunFigures | null, v: Valuation, id: string) => {
      const w = v.core(id)?.workers[index];
      return w ? w.completed / w.durationS : null;
    },
  };
}

/** The value of a stated figure, in its unit, at one valuation; null when the data do not give it. */
function statedValue(s: Stated, id: string, v: Valuation): number | null {
  const f = v.figures(id);
  if (!f) return null;
  const value = "baseline" in s || "escalateTo" in s ? pairValue(s, f, v) : runValue(s, f, v, id);
  if (value === null || !Number.isFinite(value)) return null;
  return inUnit(value, s);
}

/** A figure in the unit the report writes it: seconds to its time unit, shares to percent. */
function inUnit(value: number, s: Stated): number {
  const unit = unitOf(s);
  if (unit in TIME_SECONDS) return value / TIME_SECONDS[unit as TimeUnit];
  return unit === "%" ? value * 100 : value;
}

function runValue(s: Stated, f: RunFigures, v: Valuation, id: string): number | null {
  const sm = f.summary;
  const run = v.run(id);
  const mix = tokenMix(sm.meanPromptTokens, sm.meanCompletionTokens);
  const per = (n: number) => (f.rate === null ? null : n / f.rate);
  switch (s.figure) {
    case "requestThroughput":
    case "totalTokenThroughput":
    case "outputThroughput":
      return f.derived[s.figure];
    case "successRate":
      return sm.successRate;
    case "meanPromptTokens":
    case "meanCompletionTokens":
      return sm[s.figure];
    case "meanTotalTokens":
      return mix.meanTotalTokens;
    case "inputShare":
    case "outputShare":
      return mix[s.figure];
    case "progress":
      return f.progressDone === null ? null : f.progressDone / sm.requests!;
    case "headroom":
      return run?.gpuMemoryGiB == null || f.memoryInUseGiB === null ? null : run.gpuMemoryGiB - f.memoryInUseGiB;
    case "duration":
      return sm.durationS;
    case "timePerRequest":
      return sm.durationS === null ? null : sm.durationS / sm.requests!;
    case "loadTime":
      return f.loadTimeS;
    case "downloadTime":
      return f.downloadTimeS;
    case "loadPlusRun":
      return f.loadTimeS === null || sm.durationS === null ? null : f.loadTimeS + sm.durationS;
    case "time":
      return per(s.requests);
    case "tokens":
      return mix.meanTotalTokens === null ? null : s.requests * mix.meanTotalTokens;
    case "cost": {
      const price = v.price(s.price);
      const each = price && meanRequestCost(sm, price);
      return each === null ? null : s.requests * each;
    }
    default:
      return null;
  }
}

/** The rate of a run in a unit (requests: the rate it is judged at). */
export function rateIn(f: RunFigures, unit: RateUnit): number | null {
  switch (unit) {
    case "requests":
      return f.rate;
    case "totalTokens":
      return f.summary.totalTokenThroughput;
    case "outputTokens":
      return f.summary.outputThroughput;
    case "answers":
      return f.text?.answersPerS ?? null;
    case "chars":
      return f.text?.charsPerS ?? null;
    case "words":
      return f.text?.wordsPerS ?? null;
  }
}

function pairValue(s: Stated, f: RunFigures, v: Valuation): number | null {
  const other = "baseline" in s ? s.baseline : "escalateTo" in s ? s.escalateTo : null;
  const b = other === null ? null : v.figures(other);
  if (!b) return null;
  const cost = (x: RunFigures, label: string) => {
    const price = v.price(label);
    return price && meanRequestCost(x.summary, price);
  };
  switch (s.figure) {
    case "speedup":
    case "slower":
    case "timesSlower": {
      const ratio = rateRatio(rateIn(f, s.by), rateIn(b, s.by));
      if (ratio === null) return null;
      return s.figure === "speedup" ? ratio : s.figure === "slower" ? 1 - ratio : 1 / ratio;
    }
    case "timeSaved":
      return f.rate && b.rate ? speedup(b.rate, f.rate, [s.requests]).timeSaved[0]!.savedS : null;
    case "cheaper": {
      const [c, base] = [cost(f, s.price), cost(b, s.price)];
      return c === null || base === null || !(base > 0) ? null : 1 - c / base;
    }
    case "shorterOutputs":
      return shorterOutputs(f.summary.meanCompletionTokens, b.summary.meanCompletionTokens);
    case "hybrid": {
      const a = { requestThroughput: f.rate, apiPerRequest: cost(f, s.price) };
      const plan = shareCascade(a, { requestThroughput: b.rate, apiPerRequest: cost(b, s.price) }, s.share, s.requests);
      return s.part === "escalated" ? plan.apiEscalated : s.part === "total" ? plan.apiTotal : plan.saving;
    }
    default:
      return null;
  }
}

function paramsOf(s: Stated): RecomputedFigure["params"] {
  const out: RecomputedFigure["params"] = {};
  if ("requests" in s) out.requests = s.requests;
  if ("by" in s) out.by = s.by;
  if ("share" in s) out.share = s.share;
  if ("price" in s) out.price = s.price;
  if ("part" in s) out.part = s.part;
  return out;
}
