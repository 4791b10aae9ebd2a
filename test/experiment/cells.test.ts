import { describe, expect, it } from "vitest";
import { cellId, cellKey, cellKeyWithout, selectCells, storedCell } from "../../data-loaders/experiment/cells.ts";

const axes = { model: "gemma-3-1b", concurrency: 16 };

describe("cell names", () => {
  it("key and id list the values in axis order; an id never looks like an experiment id", () => {
    expect(cellKey(axes)).toBe("model=gemma-3-1b,concurrency=16");
    expect(cellId("study", axes)).toBe("study_model-gemma-3-1b_concurrency-16");
    expect(cellKeyWithout(axes, "concurrency")).toBe("model=gemma-3-1b");
    expect(cellKeyWithout({ concurrency: 4 }, "concurrency")).toBe("");
  });
});

describe("the cell a stored run measured", () => {
  const spec = { load: { concurrency: 4 } };
  it("is the manifest's cell, or the one cell of an experiment without a grid", () => {
    expect(storedCell({ spec, spec_hash: "h", cell: { key: cellKey(axes), axes } })).toEqual({
      key: "model=gemma-3-1b,concurrency=16",
      axes,
      specHash: "h",
    });
    expect(storedCell({ spec, spec_hash: "h", group: { level: null, repeat: 0 } })).toEqual({
      key: "",
      axes: {},
      specHash: "h",
    });
  });
});

describe("--cell selectors", () => {
  const cells = [
    { id: "g_model-a_concurrency-4", key: "model=a,concurrency=4", axes: { model: "a", concurrency: 4 } },
    { id: "g_model-a_concurrency-16", key: "model=a,concurrency=16", axes: { model: "a", concurrency: 16 } },
    { id: "g_model-b_concurrency-4", key: "model=b,concurrency=4", axes: { model: "b", concurrency: 4 } },
  ];
  const keys = (picked: ReturnType<typeof selectCells>) =>
    typeof picked === "string" ? picked : picked.map((c) => c.key);

  it("picks by full key, by some of the axes, or by cell id", () => {
    expect(keys(selectCells(cells, "model=a,concurrency=16"))).toEqual(["model=a,concurrency=16"]);
    expect(keys(selectCells(cells, "model=a"))).toEqual(["model=a,concurrency=4", "model=a,concurrency=16"]);
    expect(keys(selectCells(cells, "concurrency=4"))).toEqual(["model=a,concurrency=4", "model=b,concurrency=4"]);
    expect(keys(selectCells(cells, "g_model-b_concurrency-4"))).toEqual(["model=b,concurrency=4"]);
  });

  it("says why a selector picks nothing", () => {
    expect(selectCells(cells, "size=7")).toBe('no axis "size" (axes: model, concurrency)');
    expect(selectCells(cells, "model=c")).toMatch(/^no cell matches "model=c" \(cells: model=a,concurrency=4; /);
    expect(selectCells(cells, "model")).toMatch(/is not a cell: give axis=value pairs/);
  });
});
