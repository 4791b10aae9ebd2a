// `tracker compare`: the comparison a user used to write by hand, from the same data as the Compare
// page (report/comparison.ts): rates in every unit against the baseline, time for 1K–1M requests
// and the time saved, tokens per request, cost at the reports' prices, the hybrid plan, and the
// reports' own figures for these runs beside the recomputation. Every figure carries its label.
import { COMPARE_COUNTS, RATE_LABELS, type Comparison, type ComparedRun } from "../analysis/comparison.ts";
import { RATE_UNITS, type RateUnit } from "../experiment/recorded-history.ts";
import {
  compareWith,
  type CompareChoice,
  type DerivedPriceInfo,
  type HistoryData,
  type HistoryRun,
  type StatedRow,
} from "./comparison.ts";
import {
  KIND_LEGEND,
  duration,
  labelled,
  money,
  num,
  percent,
  rate,
  textTable,
  type TextFormat,
} from "./text-table.ts";

export interface CompareReport {
  baselineId: string;
  rankBy: RateUnit;
  /** The job size time saved and the hybrid are given for. */
  requests: number;
  runs: HistoryRun[];
  comparison: Comparison;
  prices: DerivedPriceInfo[];
  /** The reports' figures about these runs (their own, or against another of them), recomputed. */
  stated: StatedRow[];
}

/** The comparison of `ids` (default: every run with figures) with the baseline, ready to print or serialise. */
export function compareReport(
  data: HistoryData,
  baselineId: string,
  ids: readonly string[],
  choice: Omit<CompareChoice, "candidates"> & { requests?: number } = {},
): CompareReport {
  const requests = choice.requests ?? 200_000;
  const counts = [...new Set([...(choice.counts ?? COMPARE_COUNTS), requests])].sort((a, b) => a - b);
  const comparison = compareWith(data, baselineId, {
    ...choice,
    candidates: ids.length ? ids : undefined,
    requests,
    counts,
  });
  const chosen = new Set(comparison.runs.map((r) => r.id));
  return {
    baselineId,
    rankBy: comparison.rankBy,
    requests,
    runs: data.runs.filter((r) => chosen.has(r.id)),
    comparison,
    prices: data.prices,
    stated: data.stated.filter((f) => chosen.has(f.experimentId) && (f.other === null || chosen.has(f.other))),
  };
}

/** The comparison as text (or Markdown). */
export function compareText(r: CompareReport, format: TextFormat = "text"): string {
  const baseline = r.runs.find((x) => x.id === r.baselineId)!;
  return [
    `Compared with ${baseline.id} (${baseline.title}).`,
    `Ranked by ${RATE_LABELS[r.rankBy]}${r.rankBy === "requests" ? ", the rate each run is judged at" : ""}. ${KIND_LEGEND}.`,
    "",
    section("Rates", ratesTable(r, format), format),
    section(
      `Time for N requests (e), and the time saved on ${num(r.requests, 0)} against the baseline`,
      timesTable(r, format),
      format,
    ),
    section("Tokens per request", tokensTable(r, format), format),
    section("Cost at the reports' prices (d)", costsText(r, format), format),
    section(
      `Hybrid (d): screen all ${num(r.comparison.requests, 0)} requests with the candidate, send ${percent(r.comparison.share, 0)} to the baseline`,
      hybridTable(r, format),
      format,
    ),
    section("The reports' figures for these runs (st), recomputed (d)", statedText(r, format), format),
  ].join("\n");
}

export function section(title: string, body: string, format: TextFormat): string {
  return format === "markdown"
    ? `### ${title}\n\n${body}`
    : `${title}\n${"-".repeat(Math.min(title.length, 100))}\n${body}`;
}

const runOf = (r: CompareReport, id: string) => r.runs.find((x) => x.id === id)!;

function ratesTable(r: CompareReport, format: TextFormat): string {
  const columns = [
    { label: "rank", num: true, value: (c: ComparedRun) => String(c.rank ?? "—") },
    { label: "run", value: (c: ComparedRun) => (c.isBaseline ? `${c.id} (baseline)` : c.id) },
    ...unitsWithRates(r).flatMap((u) => [
      {
        label: RATE_LABELS[u],
        num: true,
        value: (c: ComparedRun) => labelled(rate(c.rates[u]), runOf(r, c.id).rateKinds[u]),
      },
      {
        label: "×",
        num: true,
        value: (c: ComparedRun) => labelled(num(c.ratios[u], 2) && `${num(c.ratios[u], 2)}×`, "derived"),
      },
    ]),
  ];
  return textTable(r.comparison.runs, columns, format);
}

/** The units some run has a rate in (a column of dashes says nothing). */
export function unitsWithRates(r: CompareReport): RateUnit[] {
  return RATE_UNITS.filter((u) => r.comparison.runs.some((c) => c.rates[u] !== null));
}

function timesTable(r: CompareReport, format: TextFormat): string {
  const counts = r.comparison.counts;
  const at = counts.indexOf(r.requests);
  const columns = [
    { label: "run", value: (c: ComparedRun) => c.id },
    { label: "s/request", num: true, value: (c: ComparedRun) => labelled(num(c.secondsPerRequest, 3), "derived") },
    ...counts.map((n, i) => ({
      label: num(n, 0)!,
      num: true,
      value: (c: ComparedRun) => duration(c.times[i]?.seconds) ?? "—",
    })),
    {
      label: `saved on ${num(r.requests, 0)}`,
      num: true,
      value: (c: ComparedRun) => {
        const t = c.times[at];
        if (c.isBaseline || !t || t.savedS === null) return "—";
        return `${duration(Math.abs(t.savedS))} ${t.savedS >= 0 ? "saved" : "lost"} (${percent(Math.abs(t.savedPct! / 100))})`;
      },
    },
  ];
  return textTable(r.comparison.runs, columns, format);
}

function tokensTable(r: CompareReport, format: TextFormat): string {
  const kind = (c: ComparedRun) => runOf(r, c.id).tokenKind;
  const columns = [
    { label: "run", value: (c: ComparedRun) => c.id },
    { label: "prompt", num: true, value: (c: ComparedRun) => labelled(num(runOf(r, c.id).meanPromptTokens), kind(c)) },
    {
      label: "completion",
      num: true,
      value: (c: ComparedRun) => labelled(num(runOf(r, c.id).meanCompletionTokens), kind(c)),
    },
    { label: "total", num: true, value: (c: ComparedRun) => labelled(num(c.tokens.meanTotalTokens), kind(c)) },
    { label: "input / output", num: true, value: (c: ComparedRun) => shares(c) },
    {
      label: "outputs shorter than the baseline's",
      num: true,
      value: (c: ComparedRun) => (c.isBaseline ? "—" : labelled(percent(c.tokens.shorterOutputs), "derived")),
    },
  ];
  return textTable(r.comparison.runs, columns, format);
}

function shares(c: ComparedRun): string {
  const { inputShare, outputShare } = c.tokens;
  return inputShare === null ? "—" : labelled(`${percent(inputShare, 0)} / ${percent(outputShare, 0)}`, "derived");
}

function costsText(r: CompareReport, format: TextFormat): string {
  const notes = r.prices.map(
    (p) =>
      `${p.label}: ${money(p.perMTok)} per 1M tokens, input and output alike (d), derived from "${p.from.written}" for ` +
      `${num(p.from.requests, 0)} requests of ${p.experimentId} (report line ${p.from.at}): the reports state costs, not prices.`,
  );
  const rows = r.comparison.runs.flatMap((c) => c.costs.map((cost) => ({ c, cost })));
  if (!rows.length) return [...notes, "(no run has a price and token counts)"].join("\n") + "\n";
  const columns = [
    { label: "run", value: ({ c }: (typeof rows)[number]) => c.id },
    { label: "price", value: ({ cost }: (typeof rows)[number]) => cost.label },
    ...r.comparison.counts.map((n, i) => ({
      label: num(n, 0)!,
      num: true,
      value: ({ cost }: (typeof rows)[number]) => money(cost.byCount[i]!.dollars)!,
    })),
  ];
  return `${notes.join("\n")}\n${format === "markdown" ? "\n" : ""}${textTable(rows, columns, format)}`;
}

function hybridTable(r: CompareReport, format: TextFormat): string {
  const rows = r.comparison.runs.flatMap((c) => c.hybrid.map((h) => ({ c, h })));
  if (!rows.length) return "(no candidate shares a price with the baseline)\n";
  type Row = (typeof rows)[number];
  const columns = [
    { label: "screen with", value: ({ c }: Row) => c.id },
    { label: "price", value: ({ h }: Row) => h.label },
    { label: "screening", num: true, value: ({ h }: Row) => money(h.apiScreen) ?? "—" },
    { label: "escalated", num: true, value: ({ h }: Row) => money(h.apiEscalated) ?? "—" },
    { label: "plan", num: true, value: ({ h }: Row) => money(h.apiTotal) ?? "—" },
    { label: "baseline alone", num: true, value: ({ h }: Row) => money(h.apiBAlone) ?? "—" },
    { label: "saving", num: true, value: ({ h }: Row) => percent(h.saving) ?? "—" },
    { label: "time", num: true, value: ({ h }: Row) => duration(h.seconds) ?? "—" },
    { label: "baseline time", num: true, value: ({ h }: Row) => duration(h.secondsBAlone) ?? "—" },
  ];
  return textTable(rows, columns, format);
}

/** The figures against the baseline, and the run figures that differ; a count of the rest. */
function statedText(r: CompareReport, format: TextFormat): string {
  const shown = r.stated.filter((f) => f.other === r.baselineId || f.verdict !== "agrees");
  const rest = r.stated.length - shown.length;
  const tail = rest ? `${rest} more figure(s) of these runs agree with the recomputation.\n` : "";
  return statedTable(shown, format) + tail;
}

/**
 * Stated figures as a table: report lines, run, figure, the report's text, the recomputation,
 * verdict and why. The same figure stated on several lines (the reports repeat themselves) is one
 * row listing every line.
 */
export function statedTable(rows: readonly StatedRow[], format: TextFormat): string {
  if (!rows.length) return "(none)\n";
  const groups = new Map<string, StatedRow & { lines: string[] }>();
  for (const f of rows) {
    const key = JSON.stringify([f.experimentId, f.label, f.other, f.value, f.recomputedText, f.verdict, f.why]);
    const group = groups.get(key);
    if (group) group.lines.push(f.at);
    else groups.set(key, { ...f, lines: [f.at] });
  }
  type Row = StatedRow & { lines: string[] };
  const columns = [
    { label: "report lines", value: (f: Row) => f.lines.join(", ") },
    { label: "run", value: (f: Row) => f.experimentId },
    { label: "figure", value: (f: Row) => (f.other ? `${f.label} vs ${f.other}` : f.label) },
    { label: "report says (st)", value: (f: Row) => `"${f.written}"` },
    { label: "recomputed (d)", num: true, value: (f: Row) => f.recomputedText },
    { label: "verdict", value: (f: Row) => f.verdict },
    { label: "why", value: (f: Row) => f.why },
  ];
  return textTable([...groups.values()], columns, format);
}
