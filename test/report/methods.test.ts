// The Methods page text comes from the formula modules' own header comments.
import { describe, expect, test } from "vitest";
import { headerComment, methodNotes } from "../../data-loaders/report/methods.ts";
import { PROJECT } from "../site/site-build.ts";

describe("method notes", () => {
  test("take the leading comment lines of a module, without the slashes", () => {
    expect(headerComment("// First line.\n//   indented = 1\n//\n// Last.\nimport x from 'y';\n// not this")).toBe(
      "First line.\n  indented = 1\n\nLast.",
    );
    expect(headerComment("import x from 'y';")).toBe("");
  });

  test("cover the metric and analysis modules, including their formulas", () => {
    const notes = methodNotes(PROJECT);
    const files = notes.map((n) => n.file);
    for (const file of [
      "data-loaders/metrics/throughput.ts",
      "data-loaders/metrics/steady-state.ts",
      "data-loaders/analysis/extrapolate.ts",
      "data-loaders/analysis/agreement.ts",
    ]) {
      expect(files).toContain(file);
    }
    expect(notes.find((n) => n.file.endsWith("throughput.ts"))!.text).toContain("output_throughput");
    expect(notes.find((n) => n.file.endsWith("agreement.ts"))!.text).toContain("κ");
    // The rate a run is judged at, and what a recorded run's summary holds, are stated there too.
    expect(notes.find((n) => n.file === "data-loaders/metrics/rate.ts")!.text).toMatch(/steady-state.*\n.*whole-run/s);
    expect(notes.find((n) => n.file === "data-loaders/metrics/recorded.ts")!.text).toContain("completed / duration");
  });

  test("include the chart formulas moved out of the store: histogram bins, time and server series, outcomes", () => {
    const notes = methodNotes(PROJECT);
    const text = (file: string) => notes.find((n) => n.file === `data-loaders/metrics/${file}`)?.text ?? "";
    expect(text("histogram.ts")).toContain("floor((v − min) / width)");
    expect(text("series.ts")).toContain("mean over the bin's scrapes");
    expect(text("series.ts")).toContain("bin width");
    expect(text("outcomes.ts")).toContain("finish reason");
    expect(text("sql.ts")).toContain("histogramCountsSql");
  });
});
