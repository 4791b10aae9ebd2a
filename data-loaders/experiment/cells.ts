// Naming grid cells, and telling which cell a stored run measured. A cell is named by its axis
// values in the grid's axis order: the key `model=gemma-3-1b,concurrency=16` (shown by the CLI
// and the site, stored in the manifest, given to `tracker run --cell`) and the id
// `<experiment>_model-gemma-3-1b_concurrency-16` (its entry in results/experiments.json and its
// page; `_` never occurs in an experiment id, so a cell id is never an experiment's).
import type { Manifest } from "../store/schemas/manifest.ts";
import { hashJson } from "./hash.ts";

export type AxisValue = string | number;
/** One value per axis, in the grid's axis order. */
export type CellAxes = Record<string, AxisValue>;

export function cellKey(axes: CellAxes): string {
  return Object.entries(axes)
    .map(([axis, value]) => `${axis}=${value}`)
    .join(",");
}

export function cellId(experimentId: string, axes: CellAxes): string {
  return [experimentId, ...Object.entries(axes).map(([axis, value]) => `${axis}-${value}`)].join("_");
}

/** The key of the cell without some of its axes: e.g. the line of a concurrency sweep is every other axis. */
export function cellKeyWithout(axes: CellAxes, ...names: string[]): string {
  return cellKey(Object.fromEntries(Object.entries(axes).filter(([axis]) => !names.includes(axis))));
}

export interface StoredCell {
  /** "" for the one run of an experiment without a grid. */
  key: string;
  axes: CellAxes;
  /** The spec hash the run counts for. */
  specHash: string;
}

/**
 * The cell a stored run measured, and the spec hash it counts for. A run stored with `cell` names
 * it. A run of a concurrency sweep stored before grids existed (its spec's `load.concurrency` a
 * list, `group.level` its level) is the cell `concurrency=<level>` and counts for the spec that
 * cell has now: its stored spec with the level in place of the list, hashed, so such runs stay
 * fresh. Any other run is the one cell (key "") of an experiment without a grid.
 */
export function storedCell(manifest: Pick<Manifest, "cell" | "group" | "spec" | "spec_hash">): StoredCell {
  if (manifest.cell) return { key: manifest.cell.key, axes: manifest.cell.axes, specHash: manifest.spec_hash };
  const level = manifest.group?.level;
  const load = manifest.spec.load as { concurrency?: unknown } | undefined;
  if (typeof level === "number" && Array.isArray(load?.concurrency)) {
    const axes = { concurrency: level };
    const specHash = hashJson({ ...manifest.spec, load: { ...load, concurrency: level } });
    return { key: cellKey(axes), axes, specHash };
  }
  return { key: "", axes: {}, specHash: manifest.spec_hash };
}

/**
 * The cells a `--cell` selector picks: a cell id, or `axis=value` pairs joined by "," (every cell
 * with those values, e.g. `model=gemma-3-1b` picks that model at every concurrency). Returns an
 * error message when the selector names an axis the cells do not have or matches none.
 */
export function selectCells<C extends { id: string; key: string; axes: CellAxes }>(
  cells: readonly C[],
  selector: string,
): C[] | string {
  const byId = cells.filter((c) => c.id === selector);
  if (byId.length) return byId;
  const axes = new Set(cells.flatMap((c) => Object.keys(c.axes)));
  const pairs = selector.split(",").map((pair) => pair.split("="));
  for (const pair of pairs) {
    if (pair.length !== 2 || !pair[0] || !pair[1])
      return `"${selector}" is not a cell: give axis=value pairs joined by ","`;
    if (!axes.has(pair[0])) return `no axis "${pair[0]}" (axes: ${[...axes].join(", ")})`;
  }
  const picked = cells.filter((c) => pairs.every(([axis, value]) => String(c.axes[axis!]) === value));
  return picked.length ? picked : `no cell matches "${selector}" (cells: ${cells.map((c) => c.key).join("; ")})`;
}
