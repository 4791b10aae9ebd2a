// Grids: expanding an experiment file's `grid` (schema.ts) into its cells. Every combination of
// one value per axis, the first axis outermost, is a cell; a sweep (`load.concurrency` given a
// list) is one more axis, `concurrency`, after the others. A cell's spec is the file's spec (the
// base) with each of its values merged in:
// - a list axis sets the field it is named after (`concurrency: [4, 16]` sets load.concurrency);
// - a named variant is merged field by field: objects merge key by key, anything else (numbers,
//   strings, lists, functions, zod schemas) replaces the base's value, `undefined` removes it, and
//   a block of another kind than the base's (a `server` with `launch` where the base has
//   `simulate`, `prompts` with `jsonl` where it has `generate`) replaces the base's block whole.
// Each cell is then validated by the same zod schema as a plain experiment; a cell's error names
// the axis value it comes from (`grid.model.gemma-3-1b: server.simulate: …`).
import type { z } from "zod";
import { cellId, cellKey, type AxisValue, type CellAxes } from "./cells.ts";
import { SpecError, specErrorsFromZod } from "./errors.ts";
import { isPlainObject, VALUE_AXES, type Grid } from "./schema.ts";

export interface GridAxis {
  name: string;
  values: AxisValue[];
}

/** One value of an axis: what it is called and what it changes in the base. */
interface AxisOption {
  label: AxisValue;
  /** Where it is written, for messages: `grid.model.gemma-3-1b`, `grid.concurrency[1]`, `load.concurrency[0]`. */
  field: string;
  patch: Record<string, unknown>;
}

export interface CellPlan {
  key: string;
  id: string;
  axes: CellAxes;
  /** The cell's spec as a user would write it: the base with each option merged in. */
  input: Record<string, unknown>;
  options: AxisOption[];
}

/** The axes and cells of a file, or null when it declares no grid (and no sweep). Throws SpecError. */
export function expandGrid(
  experimentId: string,
  grid: Grid | null,
  base: Record<string, unknown>,
  file: string,
): { axes: GridAxis[]; cells: CellPlan[] } | null {
  const axes = axisOptions(grid, base, file);
  if (axes.length === 0) return null;
  let combinations: AxisOption[][] = [[]];
  for (const axis of axes) combinations = combinations.flatMap((c) => axis.options.map((o) => [...c, o]));
  const cells = combinations.map((options) => {
    const values: CellAxes = Object.fromEntries(options.map((o, i) => [axes[i]!.name, o.label]));
    const input = options.reduce<Record<string, unknown>>(
      (spec, o) => mergeSpec(spec, o.patch) as Record<string, unknown>,
      base,
    );
    return { key: cellKey(values), id: cellId(experimentId, values), axes: values, input, options };
  });
  return { axes: axes.map((a) => ({ name: a.name, values: a.options.map((o) => o.label) })), cells };
}

function axisOptions(
  grid: Grid | null,
  base: Record<string, unknown>,
  file: string,
): { name: string; options: AxisOption[] }[] {
  const axes = Object.entries(grid ?? {}).map(([name, axis]) => ({
    name,
    options: Array.isArray(axis)
      ? axis.map((value, i) => ({
          label: value,
          field: `grid.${name}[${i}]`,
          patch: setAt(VALUE_AXES[name as keyof typeof VALUE_AXES], value),
        }))
      : Object.entries(axis).map(([variant, patch]) => ({
          label: variant,
          field: `grid.${name}.${variant}`,
          patch: patch as Record<string, unknown>,
        })),
  }));
  const levels = isPlainObject(base.load) ? base.load.concurrency : undefined;
  if (Array.isArray(levels)) {
    if (grid && Object.hasOwn(grid, "concurrency"))
      throw new SpecError(
        file,
        "load.concurrency",
        "a list of levels is a grid axis, and grid.concurrency is given too: give the levels once",
      );
    const options = levels.map((level: number, i) => ({
      label: level,
      field: `load.concurrency[${i}]`,
      patch: { load: { concurrency: level } },
    }));
    axes.push({ name: "concurrency", options });
  }
  return axes;
}

function setAt(path: readonly string[], value: unknown): Record<string, unknown> {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

/** Keys that name the kind of a block (server, prompt source): a block of another kind replaces the base's whole. */
const KIND_KEYS = ["simulate", "url", "urls", "launch", "inline", "jsonl", "batch", "generate"];
const kindOf = (block: Record<string, unknown>) => KIND_KEYS.find((k) => Object.hasOwn(block, k));

/** `patch` merged into `base` (see the header); neither is changed. */
export function mergeSpec(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const kind = kindOf(patch);
  if (kind !== undefined && kind !== kindOf(base)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete out[key];
    else out[key] = mergeSpec(base[key], value);
  }
  return out;
}

/** The cell's zod issues as errors naming the axis value each comes from. */
export function cellIssues(file: string, cell: CellPlan, issues: z.core.$ZodIssue[]): SpecError[] {
  return issues.flatMap((issue) => {
    const paths = issue.code === "unrecognized_keys" ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    return specErrorsFromZod(file, [issue]).map((e) => blamed(file, cell, paths, e));
  });
}

/** A cell's error (e.g. from its prompts) naming the axis value whose change it is about. */
export function cellError(file: string, cell: CellPlan, e: SpecError): SpecError {
  const path = e.field
    .split(/[.[\]]/)
    .filter(Boolean)
    .map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  return blamed(file, cell, [path], e);
}

function blamed(file: string, cell: CellPlan, paths: PropertyKey[][], e: SpecError): SpecError {
  const option = cell.options.find((o) => paths.some((path) => touches(o.patch, path)));
  const where = option?.field ?? `grid (cell ${cell.key})`;
  return new SpecError(file, where, `${e.field ? `${e.field}: ` : ""}${e.detail}`);
}

/** Whether `patch` sets the value at `path` (or a value that holds it). */
function touches(patch: unknown, path: PropertyKey[]): boolean {
  if (path.length === 0) return false;
  let node = patch;
  for (const key of path) {
    if (!isPlainObject(node)) return true;
    if (!Object.hasOwn(node, key)) return false;
    node = node[key as string];
  }
  return true;
}
