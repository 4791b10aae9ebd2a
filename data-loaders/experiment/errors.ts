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
 * Turns zod issues into SpecErrors. For a union, reports the branch that came closest (see
 * `branchDistance`). `root` names the value itself when an issue has an empty path.
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
      const closest = [...issue.errors].sort((a, b) => branchDistance(a) - branchDistance(b))[0]!;
      // When no branch takes the value's type, or every branch fails on the value's keys alone,
      // the union's summary message (what the value may be) is clearer.
      const wrongType = closest.some(isWrongType);
      const unrecognisedOnly = closest.every((i) => i.code === "unrecognized_keys");
      if (!wrongType && (!unrecognisedOnly || issue.errors.length === 1)) {
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

const isWrongType = (i: z.core.$ZodIssue) => i.code === "invalid_type" && i.path.length === 0;

/**
 * How far a union branch is from the value. The worst is a branch that rejects the value's type
 * (an object where it takes a string). Then the keys decide: an object union's branches are told
 * apart by which key the value has (a server block by `simulate`, `url`, `urls` or `launch`, a
 * prompt source by `inline`, `jsonl`, `batch` or `generate`), so a branch that does not know one
 * of the value's keys is further than one that knows them all, however many mistakes the value
 * makes inside it. Last, the number of issues.
 */
function branchDistance(branch: z.core.$ZodIssue[]): number {
  const unknownKeys = branch
    .filter((i) => i.code === "unrecognized_keys" && i.path.length === 0)
    .reduce((n, i) => n + (i as z.core.$ZodIssueUnrecognizedKeys).keys.length, 0);
  return (branch.some(isWrongType) ? 1_000_000 : 0) + unknownKeys * 1000 + branch.length;
}

export function formatPath(path: PropertyKey[]): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s;
}
