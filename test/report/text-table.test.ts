// Text and Markdown tables, bars and number formats of `tracker compare` / `tracker report`.
import { describe, expect, it } from "vitest";
import {
  bar,
  duration,
  labelled,
  money,
  num,
  percent,
  textBars,
  textTable,
} from "../../data-loaders/report/text-table.ts";

const rows = [
  { name: "a|b", x: 1.5 },
  { name: "long name", x: 12 },
];
const columns = [
  { label: "run", value: (r: (typeof rows)[number]) => r.name },
  { label: "x", num: true, value: (r: (typeof rows)[number]) => String(r.x) },
];

describe("text tables", () => {
  it("aligns text (numbers right) and escapes pipes in Markdown", () => {
    expect(textTable(rows, columns, "text")).toBe("run          x\na|b        1.5\nlong name   12\n");
    expect(textTable(rows, columns, "markdown")).toBe(
      "| run | x |\n| --- | ---: |\n| a\\|b | 1.5 |\n| long name | 12 |\n",
    );
  });

  it("draws bars in eighths against the largest value, skipping unknowns", () => {
    expect(bar(1, 1, 4)).toBe("████");
    expect(bar(1, 2, 4)).toBe("██");
    expect(bar(1, 16, 2)).toBe("▏");
    expect(bar(0, 1)).toBe("");
    expect(
      textBars(
        [
          { name: "a", value: 2, text: "2" },
          { name: "bb", value: 1, text: "1" },
          { name: "c", value: null, text: "" },
        ],
        4,
      ),
    ).toBe("a:  ████ 2\nbb: ██ 1\n");
    expect(textBars([{ name: "a", value: null, text: "" }])).toBe("(no figures)\n");
  });

  it("formats numbers, money, percentages and durations, with labels", () => {
    expect([num(1234.56), num(null), num(Number.NaN)]).toEqual(["1,234.6", null, null]);
    expect([money(0.03647), money(36.473), money(null)]).toEqual(["$0.0365", "$36.47", null]);
    expect(percent(0.754)).toBe("75.4%");
    expect([duration(90), duration(600), duration(3 * 3600), duration(245.6 * 3600)]).toEqual([
      "90 s",
      "10 min",
      "3 h",
      "245.6 h (10.23 days)",
    ]);
    expect([labelled("4.07×", "derived"), labelled(null, "stated")]).toEqual(["4.07× (d)", "—"]);
  });
});
