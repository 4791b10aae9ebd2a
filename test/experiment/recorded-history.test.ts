// experiment/recorded-history.ts: the precision of a figure as a report writes it (`writtenNumber`)
// and the citations of the shipped recorded experiments: every `"NNN:line"` names a line of a
// report in history/, and the text the record gives for it (`written`, a quote's or an answer's
// `text`) is on that line (or range), whitespace aside.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadExperiments } from "../../data-loaders/experiment/load.ts";
import { citationSchema, writtenNumber } from "../../data-loaders/experiment/recorded-history.ts";
import { PROJECT } from "../helpers/temp.ts";

describe("writtenNumber", () => {
  it("reads the first number and the unit of its last significant digit", () => {
    expect(writtenNumber("$9.31")).toEqual({ value: 9.31, step: 0.01, approximate: false });
    expect(writtenNumber("4.07x faster")).toEqual({ value: 4.07, step: 0.01, approximate: false });
    expect(writtenNumber("740 tok/s")).toEqual({ value: 740, step: 1, approximate: false });
    expect(writtenNumber("60%")).toEqual({ value: 60, step: 1, approximate: false });
    // From 1,000 up, trailing zeros are not significant.
    expect(writtenNumber("1,540,000")).toEqual({ value: 1_540_000, step: 10_000, approximate: false });
    expect(writtenNumber("5,000 requests")!.step).toBe(1000);
    expect(writtenNumber("606,875")).toEqual({ value: 606_875, step: 1, approximate: false });
    expect(writtenNumber("36.80 min")).toEqual({ value: 36.8, step: 0.01, approximate: false });
  });

  it("K, M and B right after the number scale it and its step", () => {
    expect(writtenNumber("430M tokens")).toEqual({ value: 430e6, step: 1e6, approximate: false });
    expect(writtenNumber("1.5K")).toEqual({ value: 1500, step: 100, approximate: false });
    expect(writtenNumber("2 Mbps")).toEqual({ value: 2, step: 1, approximate: false }); // a unit, not a multiplier
  });

  it("marks estimates, and is null without a number", () => {
    for (const text of ["~60 minutes", "Est: 6.1 hrs", "est. 20.7 hrs", "≈ 2 hours", "2 h (est)", "an estimate of 3"])
      expect(writtenNumber(text)!.approximate).toBe(true);
    expect(writtenNumber("60 minutes")!.approximate).toBe(false);
    expect(writtenNumber("Same Parasail cost")).toBeNull();
  });
});

describe("citationSchema", () => {
  it("takes a report and a line or a range", () => {
    for (const ok of ["000:226", "001:27-40"]) expect(citationSchema.safeParse(ok).success).toBe(true);
    for (const bad of ["0:226", "000", "000:", "000:1-", "000:a"])
      expect(citationSchema.safeParse(bad).success).toBe(false);
  });
});

const HISTORY = join(PROJECT, "history");
const reports = new Map(
  readdirSync(HISTORY)
    .filter((f) => /^\d{3}_.*\.txt$/.test(f))
    .map((f) => [f.slice(0, 3), readFileSync(join(HISTORY, f), "utf8").split("\n")]),
);
const squash = (s: string) => s.replace(/\s+/g, " ").trim();

/** Why a citation does not hold, or null when the text is on the cited lines. */
function citationProblem(at: string, text: string | null): string | null {
  const [report, range] = at.split(":") as [string, string];
  const [from, to = from] = range.split("-").map(Number) as [number, number?];
  const lines = reports.get(report);
  if (!lines) return `no report ${report} in history/`;
  if (from < 1 || to < from || to > lines.length) return `report ${report} has no line ${range}`;
  if (text !== null && !squash(lines.slice(from - 1, to).join("\n")).includes(squash(text)))
    return `"${text.slice(0, 60)}" is not on ${at}`;
  return null;
}

/** Every citation of a record, with the text it is for: [path, at, text]. */
function citations(value: unknown, path: string): [string, string, string | null][] {
  if (Array.isArray(value)) return value.flatMap((x, i) => citations(x, `${path}.${i}`));
  if (value === null || typeof value !== "object") return [];
  const o = value as Record<string, unknown>;
  const own: [string, string, string | null][] = [];
  if (typeof o.at === "string" && citationSchema.safeParse(o.at).success) {
    const text = typeof o.written === "string" ? o.written : typeof o.text === "string" ? o.text : null;
    own.push([path, o.at, text]);
  }
  return [...own, ...Object.entries(o).flatMap(([k, x]) => citations(x, path ? `${path}.${k}` : k))];
}

describe("the shipped recorded experiments cite the reports", async () => {
  const load = await loadExperiments(join(PROJECT, "experiments"));

  it("the five reports are there", () => {
    expect([...reports.keys()].sort()).toEqual(["000", "001", "002", "003", "004"]);
  });

  it("every citation names a line of a report, and the figure, quote or answer as written is on it", () => {
    const all = load.recorded.flatMap((r) => citations(r.recorded, "").map((c) => [r.id, ...c] as const));
    expect(all.length).toBeGreaterThan(400);
    const problems = all.flatMap(([id, path, at, text]) => {
      const problem = citationProblem(at, text);
      return problem ? [`${id} ${path}: ${problem}`] : [];
    });
    expect(problems).toEqual([]);
    // Every recorded run that ran cites at least one figure.
    for (const r of load.recorded.filter((x) => x.recorded.status !== "pending"))
      expect(citations(r.recorded, "").length, r.id).toBeGreaterThan(0);
  });

  it("the check finds a figure cited at the wrong line", () => {
    expect(citationProblem("000:226", "4.07x faster")).toBeNull();
    expect(citationProblem("000:1", "4.07x faster")).toBe('"4.07x faster" is not on 000:1');
    expect(citationProblem("000:9999", null)).toBe("report 000 has no line 9999");
    expect(citationProblem("009:1", null)).toBe("no report 009 in history/");
  });
});
