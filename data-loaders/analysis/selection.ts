// Selection notes: what a reader choosing a model should see, generated from the comparison's
// figures by stated rules (each note carries its rule), never written by hand:
//   fastest       the run with the highest rate in the unit the ranking uses
//   disagree      the first run by requests/s and the first by total tokens/s differ (the units
//                 answer different questions: a job's time goes by requests)
//   tokenizers    the runs serve more than one model: their tokens differ, so tokens/s ranks them
//                 badly; requests/s, answers/s or characters/s do not depend on a tokenizer
//   cheapest      the lowest cost of 100,000 requests at each price
//   shorter       answers 25% or more shorter than the baseline's (mean completion tokens): check
//                 their quality before choosing the run for its speed
//   failures      a run with a success rate below 100%
//   sizes         runs whose request counts are 10× apart or more: a short run's rate carries more
//                 start-up and drain, and says little about a long job
//   verdicts      a report's own verdict on a run's answers, quoted
//   stated        how many of the figures the reports state for these runs the recomputation
//                 confirms, and how many it does not
import { RATE_LABELS, type ComparedRun } from "./comparison.ts";
import type { RateUnit } from "../experiment/recorded-history.ts";

export const SHORTER_OUTPUTS = 0.25;
export const SIZE_RATIO = 10;

export interface SelectionRun {
  id: string;
  model: string;
  requests: number | null;
  successRate: number | null;
  verdicts: readonly { text: string; at: string }[];
}

export interface SelectionNote {
  rule: "fastest" | "disagree" | "tokenizers" | "cheapest" | "shorter" | "failures" | "sizes" | "verdicts" | "stated";
  text: string;
}

export interface SelectionInput {
  rankBy: RateUnit;
  baselineId: string;
  compared: readonly ComparedRun[];
  runs: readonly SelectionRun[];
  /** Verdicts of the reports' stated figures for these runs. */
  stated: readonly { verdict: "agrees" | "differs" | "unknown" }[];
}

/** The notes the rules give (see the header), in that order. */
export function selectionNotes(input: SelectionInput): SelectionNote[] {
  return [...speedNotes(input), ...costNotes(input), ...answerNotes(input), ...statedNotes(input)];
}

const first = (compared: readonly ComparedRun[], unit: RateUnit) => compared.find((c) => c.ranks[unit] === 1) ?? null;

function speedNotes({ rankBy, baselineId, compared, runs }: SelectionInput): SelectionNote[] {
  const out: SelectionNote[] = [];
  const top = first(compared, rankBy);
  if (top) {
    const times = top.ratios[rankBy];
    const than = top.id === baselineId ? "" : ` (${times?.toFixed(2)}× ${baselineId})`;
    out.push({ rule: "fastest", text: `${top.id} is the fastest by ${RATE_LABELS[rankBy]}${than}.` });
  }
  const [byRequests, byTokens] = [first(compared, "requests"), first(compared, "totalTokens")];
  if (byRequests && byTokens && byRequests.id !== byTokens.id)
    out.push({
      rule: "disagree",
      text: `By requests/s ${byRequests.id} is first, by total tokens/s ${byTokens.id}: a job's time goes by requests.`,
    });
  const models = [...new Set(runs.map((r) => r.model))];
  if (models.length > 1)
    out.push({
      rule: "tokenizers",
      text: `The runs serve ${models.length} models (${models.join(", ")}); their tokens differ, so compare them by requests/s, answers/s or characters/s rather than tokens/s.`,
    });
  const sized = runs.filter((r) => r.requests !== null && r.requests > 0);
  const small = sized.reduce<SelectionRun | null>((a, r) => (a && a.requests! <= r.requests! ? a : r), null);
  const large = sized.reduce<SelectionRun | null>((a, r) => (a && a.requests! >= r.requests! ? a : r), null);
  if (small && large && large.requests! >= SIZE_RATIO * small.requests!)
    out.push({
      rule: "sizes",
      text: `${small.id} ran ${small.requests!.toLocaleString("en-US")} requests, ${large.id} ${large.requests!.toLocaleString("en-US")}: the short run's rate says little about a long job.`,
    });
  return out;
}

function costNotes({ compared }: SelectionInput): SelectionNote[] {
  const labels = [...new Set(compared.flatMap((c) => c.costs.map((x) => x.label)))];
  return labels.flatMap((label) => {
    const costs = compared.flatMap((c) => {
      const cost = c.costs.find((x) => x.label === label);
      return cost ? [{ id: c.id, per100K: cost.perRequest * 100_000 }] : [];
    });
    if (costs.length < 2) return [];
    const cheapest = costs.reduce((a, b) => (b.per100K < a.per100K ? b : a));
    return [
      {
        rule: "cheapest" as const,
        text: `${cheapest.id} is the cheapest at ${label}: $${cheapest.per100K.toFixed(2)} per 100K requests.`,
      },
    ];
  });
}

function answerNotes({ baselineId, compared, runs }: SelectionInput): SelectionNote[] {
  const out: SelectionNote[] = [];
  for (const c of compared) {
    const shorter = c.tokens.shorterOutputs;
    if (!c.isBaseline && shorter !== null && shorter >= SHORTER_OUTPUTS)
      out.push({
        rule: "shorter",
        text: `${c.id}'s answers are ${(shorter * 100).toFixed(0)}% shorter than ${baselineId}'s: check their quality before choosing it for its speed.`,
      });
  }
  for (const r of runs) {
    if (r.successRate !== null && r.successRate < 1)
      out.push({ rule: "failures", text: `${r.id}: ${(r.successRate * 100).toFixed(1)}% of its requests succeeded.` });
    for (const v of r.verdicts)
      out.push({ rule: "verdicts", text: `A report judges ${r.id}'s answers: "${v.text}" (${v.at}).` });
  }
  return out;
}

function statedNotes({ stated }: SelectionInput): SelectionNote[] {
  if (!stated.length) return [];
  const count = (v: string) => stated.filter((s) => s.verdict === v).length;
  return [
    {
      rule: "stated",
      text: `Of the ${stated.length} figures the reports state for these runs, ${count("agrees")} agree with the recomputation, ${count("differs")} differ and ${count("unknown")} cannot be recomputed.`,
    },
  ];
}

/** The rules as the report prints them. */
export const SELECTION_RULES: Record<SelectionNote["rule"], string> = {
  fastest: "the highest rate in the unit the ranking uses",
  disagree: "the first run by requests/s and by total tokens/s differ",
  tokenizers: "the runs serve more than one model",
  cheapest: "the lowest cost of 100,000 requests at each price",
  shorter: `answers ${SHORTER_OUTPUTS * 100}% or more shorter than the baseline's (mean completion tokens)`,
  failures: "a success rate below 100%",
  sizes: `request counts ${SIZE_RATIO}× apart or more`,
  verdicts: "a report's verdict on a run's answers",
  stated: "the reports' stated figures for these runs, recomputed",
};
