// The method notes of the formula modules: the header comment of every module in
// data-loaders/metrics/ and data-loaders/analysis/, where each formula is stated next to the code
// that computes it, so the Methods page cannot drift from the code.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const FORMULA_FOLDERS = ["data-loaders/metrics", "data-loaders/analysis"];

/** The leading `//` comment lines of a source file, without the slashes. */
export function headerComment(source: string): string {
  const lines: string[] = [];
  for (const line of source.split("\n")) {
    if (!line.startsWith("//")) break;
    lines.push(line.replace(/^\/\/ ?/, ""));
  }
  return lines.join("\n").trim();
}

export function methodNotes(root = "."): { file: string; text: string }[] {
  return FORMULA_FOLDERS.flatMap((folder) =>
    readdirSync(join(root, folder))
      .filter((f) => f.endsWith(".ts"))
      .sort()
      .map((f) => ({ file: `${folder}/${f}`, text: headerComment(readFileSync(join(root, folder, f), "utf8")) }))
      .filter((m) => m.text !== ""),
  );
}
