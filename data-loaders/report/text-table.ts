// Tables, bars and figure labels for the terminal and for Markdown (`tracker compare`, `tracker
// report`): the same rows either as aligned text or as a Markdown table that renders on GitHub.
import type { FigureKind } from "./comparison.ts";

export type TextFormat = "text" | "markdown";

export interface TextColumn<R> {
  label: string;
  value: (row: R) => string;
  /** Right-aligned (numbers). */
  num?: boolean;
}

/** Rows as an aligned text table (two spaces between columns) or a Markdown table. */
export function textTable<R>(rows: readonly R[], columns: readonly TextColumn<R>[], format: TextFormat): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  if (format === "markdown") {
    const escape = (s: string) => s.replaceAll("|", "\\|");
    const line = (values: string[]) => `| ${values.map(escape).join(" | ")} |`;
    const rule = `|${columns.map((c) => (c.num ? " ---: " : " --- ")).join("|")}|`;
    return [line(columns.map((c) => c.label)), rule, ...cells.map(line)].join("\n") + "\n";
  }
  const widths = columns.map((c, i) => Math.max(c.label.length, ...cells.map((row) => row[i]!.length)));
  const pad = (s: string, i: number) => (columns[i]!.num ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  const line = (values: string[]) => values.map(pad).join("  ").trimEnd();
  return [line(columns.map((c) => c.label)), ...cells.map(line)].join("\n") + "\n";
}

const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/** A bar of `value` against `max`, `width` characters at most, in eighths of a block. */
export function bar(value: number, max: number, width = 30): string {
  if (!(value > 0) || !(max > 0)) return "";
  const eighths = Math.max(1, Math.round((Math.min(value, max) / max) * width * 8));
  return "█".repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/** One bar per row, names aligned, the value written after the bar. */
export function textBars(rows: readonly { name: string; value: number | null; text: string }[], width = 30): string {
  const shown = rows.filter((r) => r.value !== null && r.value > 0);
  if (!shown.length) return "(no figures)\n";
  const max = Math.max(...shown.map((r) => r.value!));
  const name = Math.max(...shown.map((r) => r.name.length));
  return shown.map((r) => `${`${r.name}:`.padEnd(name + 2)}${bar(r.value!, max, width)} ${r.text}`).join("\n") + "\n";
}

/** The short label after a figure: what it is. */
export const KIND_TAGS: Record<FigureKind, string> = {
  measured: "m",
  simulated: "s",
  recorded: "r",
  derived: "d",
  extrapolated: "e",
  stated: "st",
};

export const KIND_LEGEND =
  "(m) measured · (s) simulated · (r) recorded elsewhere · (d) derived by the tracker's formulas · (e) extrapolated · (st) stated by a report";

/** A figure with its label, or "—" when unknown. */
export function labelled(text: string | null, kind: FigureKind): string {
  return text === null ? "—" : `${text} (${KIND_TAGS[kind]})`;
}

/** A number with thousands separators and at most `digits` decimals ("—" when unknown). */
export function num(x: number | null | undefined, digits = 1): string | null {
  return x === null || x === undefined || !Number.isFinite(x)
    ? null
    : x.toLocaleString("en-US", { maximumFractionDigits: digits });
}

/** A rate with the decimals its size needs. */
export function rate(x: number | null | undefined): string | null {
  return x === null || x === undefined ? null : num(x, x < 10 ? 3 : x < 100 ? 1 : 0);
}

export function money(x: number | null | undefined): string | null {
  return x === null || x === undefined || !Number.isFinite(x)
    ? null
    : `$${x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: x < 1 ? 4 : 2 })}`;
}

export function percent(fraction: number | null | undefined, digits = 1): string | null {
  return fraction === null || fraction === undefined ? null : `${num(fraction * 100, digits)}%`;
}

/** Seconds as s, min, h or days. */
export function duration(seconds: number | null | undefined): string | null {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return null;
  if (seconds < 120) return `${num(seconds, 1)} s`;
  if (seconds < 7200) return `${num(seconds / 60, 1)} min`;
  if (seconds < 172_800) return `${num(seconds / 3600, 1)} h`;
  return `${num(seconds / 3600, 1)} h (${num(seconds / 86_400, 2)} days)`;
}
