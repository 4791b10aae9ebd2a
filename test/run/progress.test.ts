// Progress lines: counts, rate and ETA, and the note a run until precise adds.
import { describe, expect, it } from "vitest";
import { createProgress, formatSeconds } from "../../data-loaders/run/progress.ts";

describe("plain progress lines", () => {
  it("print each tenth with the latest note", () => {
    const lines: string[] = [];
    const p = createProgress({ label: "exp", total: 10, tty: false, write: (l) => lines.push(l), intervalMs: 1e9 });
    p.tick(true);
    p.note!("200,000-request time ±7.2% (target ±5.0%), ~1,400 more needed");
    p.tick(false);
    expect(lines[0]).toMatch(/^exp: 1\/10 \(10%\) [\d.]+ req\/s, errors 0, elapsed [\d.]+ s, ETA [\d.]+ s$/);
    expect(lines[1]).toMatch(
      /^exp: 2\/10 \(20%\) .* errors 1, .*; 200,000-request time ±7\.2% \(target ±5\.0%\), ~1,400 more needed$/,
    );
    p.stop();
  });

  it("format seconds as s, min or h", () => {
    expect([formatSeconds(5), formatSeconds(125), formatSeconds(7300), formatSeconds(Infinity)]).toEqual([
      "5.0 s",
      "2 min 5 s",
      "2 h 2 min",
      "?",
    ]);
  });
});
