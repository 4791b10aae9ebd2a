// Errors in experiment files: always name the file and the field, and say what was expected.
import type { z } from "zod";

export class SpecError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${file}: ${field ? field + ": " : ""}${detail}`);
    this.name = "SpecError";
  }
}

/**
 * Turns zod issues into SpecErrors. For a union, reports the branch that came closest. `root`
 * names the value itself when an issue has an empty path.
 */
export function specErrorsFromZod(
  file: string,
  issues: z.core.$ZodIssue[],
  root = "default export",
  prefix: PropertyKey[] = [],
): SpecError[] {
  const out: SpecError[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      // A branch whose type does not match at all (e.g. "expected string" for an object) is the
      // worst match; among the others, the one with the fewest issues is the closest.
      const score = (branch: z.core.$ZodIssue[]) =>
        branch.length + (branch.some((i) => i.code === "invalid_type" && i.path.length === 0) ? 1000 : 0);
      const closest = [...issue.errors].sort((a, b) => score(a) - score(b))[0]!;
      const unrecognisedOnly = closest.every((i) => i.code === "unrecognized_keys");
      // When every branch fails on its own keys the union's summary message is clearer.
      if (!unrecognisedOnly || issue.errors.length === 1) {
        out.push(...specErrorsFromZod(file, closest, root, path));
        continue;
      }
    }
    const message =
      issue.code === "unrecognized_keys"
        ? `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}`
        : issue.message;
    out.push(new SpecError(file, formatPath(path) || root, message));
  }
  return out;
}

export function formatPath(path: PropertyKey[]): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s;
}
