// The reasons (`why`) of the shipped recorded experiments type in no derived figure: every number
// a reason gives is data — on the report line(s) the figure cites, or among the figures, spec and
// stated texts of the records it involves (its own, the run it is compared with, the run whose
// stated cost gives the price). A figure derived from them is shown beside the reason as the
// tracker's recomputation (analysis/stated.ts), never written into it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadExperiments } from "../../data-loaders/experiment/load.ts";
import { PROJECT } from "../helpers/temp.ts";

const HISTORY = join(PROJECT, "history");
const reports = new Map(
  readdirSync(HISTORY)
    .filter((f) => /^\d{3}_.*\.txt$/.test(f))
    .map((f) => [f.slice(0, 3), readFileSync(join(HISTORY, f), "utf8").split("\n")]),
);

const SCALE: Record<string, number> = { K: 1e3, M: 1e6, B: 1e9 };
/** A citation of a report by its number ("report 004", "reports 001 and 002") is not a figure. */
const REPORT_NAMES = /\breports? \d{3}(?:(?:, | and |–)\d{3})*/gi;

/** The numbers of a text, thousands separators removed and K/M/B right after a number applied. */
function numbersIn(text: string): number[] {
  const out: number[] = [];
  for (const m of text.replace(REPORT_NAMES, "").matchAll(/(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?([KMB](?![A-Za-z]))?/g)) {
    const value = Number(m[1]!.replaceAll(",", "") + (m[2] ?? "")) * (m[3] ? SCALE[m[3]]! : 1);
    out.push(value);
  }
  return out;
}

const key = (x: number) => Number(x.toPrecision(12));
/** The strings of a record that are data: the figures as written, names and the launch command. */
const DATA_TEXT = new Set(["title", "model", "hardware", "written", "label", "price", "command"]);

/** Every number a record holds as data: numeric fields (shares also in percent) and its data texts. */
function recordNumbers(value: unknown, field = ""): number[] {
  if (typeof value === "number") return field === "share" ? [value, value * 100] : [value];
  if (typeof value === "string") return DATA_TEXT.has(field) ? numbersIn(value) : [];
  if (Array.isArray(value)) return value.flatMap((x) => recordNumbers(x, field));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, x]) => (k === "samples" ? [] : recordNumbers(x, k)));
}

function citedLines(at: string): string {
  const [report, range] = at.split(":") as [string, string];
  const [from, to = from] = range.split("-").map(Number) as [number, number?];
  return (reports.get(report) ?? []).slice(from - 1, to).join("\n");
}

interface Reason {
  id: string;
  where: string;
  why: string;
  at: string;
  involved: string[];
}

/** The numbers of a reason that are neither on its cited lines nor in the records it involves. */
function typedIn(reason: Reason, records: ReadonlyMap<string, unknown>): number[] {
  const allowed = new Set(
    [...numbersIn(citedLines(reason.at)), ...reason.involved.flatMap((id) => recordNumbers(records.get(id)))].map(key),
  );
  return numbersIn(reason.why).filter((n) => !allowed.has(key(n)));
}

interface Rec {
  stated?: { why?: string; at: string; baseline?: string; escalateTo?: string; price?: string }[];
  sources?: Record<string, { why?: string; at: string }>;
  prices?: { label: string }[];
}

function reasonsOf(id: string, r: Rec, priceOwners: ReadonlyMap<string, string>): Reason[] {
  const stated = (r.stated ?? []).flatMap((s, i) => {
    if (!s.why) return [];
    const others = [s.baseline, s.escalateTo, s.price === undefined ? undefined : priceOwners.get(s.price)];
    const involved = [id, ...others.filter((x): x is string => x !== undefined)];
    return [{ id, where: `stated.${i}`, why: s.why, at: s.at, involved }];
  });
  const sources = Object.entries(r.sources ?? {}).flatMap(([path, s]) =>
    s.why ? [{ id, where: `sources.${path}`, why: s.why, at: s.at, involved: [id] }] : [],
  );
  return [...stated, ...sources];
}

describe("the reasons of the shipped recorded experiments", async () => {
  const load = await loadExperiments(join(PROJECT, "experiments"));
  const records = new Map<string, unknown>(load.recorded.map((r) => [r.id, r.recorded]));
  const priceOwners = new Map(
    load.recorded.flatMap((r) => ((r.recorded as Rec).prices ?? []).map((p) => [p.label, r.id] as const)),
  );
  const reasons = load.recorded.flatMap((r) => reasonsOf(r.id, r.recorded as Rec, priceOwners));

  it("numbersIn reads thousands separators, decimals and K/M/B, and skips report names", () => {
    expect(numbersIn("$9.31 for 100K requests of 1,096 tokens, 1.1B, 4B, 2,511 tok/s.")).toEqual([
      9.31, 100_000, 1096, 1.1e9, 4e9, 2511,
    ]);
    expect(numbersIn("Report 004 and reports 001 and 002 say 678 s")).toEqual([678]);
  });

  it("every number a reason gives is data: on its cited line or in the records it involves", () => {
    expect(reasons.length).toBeGreaterThan(50);
    const problems = reasons.flatMap((r) => {
      const extra = typedIn(r, records);
      return extra.length ? [`${r.id} ${r.where}: ${extra.join(", ")} typed in`] : [];
    });
    expect(problems).toEqual([]);
  });

  it("the check finds a derived figure typed into a reason", () => {
    const gemma = "recorded-gemma-3-4b-rtx-4080-5k";
    const reason = { id: gemma, where: "x", at: "001:112", involved: [gemma] };
    expect(typedIn({ ...reason, why: "2,511 tok/s in 36.8 min over 5,000 requests" }, records)).toEqual([]);
    expect(typedIn({ ...reason, why: "their counts give 2,482 tok/s, 36.4 min" }, records)).toEqual([2482, 36.4]);
  });

  it("a reason repeated in a file is one constant there, not copies", () => {
    const dir = join(PROJECT, "experiments");
    for (const file of readdirSync(dir).filter((f) => f.startsWith("recorded-"))) {
      const literals = [...readFileSync(join(dir, file), "utf8").matchAll(/why: ("[^"]*")/g)].map((m) => m[1]);
      const repeated = literals.filter((s, i) => literals.indexOf(s) !== i);
      expect(repeated, file).toEqual([]);
    }
  });
});
