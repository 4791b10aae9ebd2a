// Grid expansion and hashing: cells in axis order with their keys and ids, each cell's spec the
// base with its values merged in, a cell's hash the hash of its resolved spec (as for a plain
// file with that spec), and the hashes of experiments without a grid unchanged.
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { storedCell } from "../../data-loaders/experiment/cells.ts";
import { mergeSpec } from "../../data-loaders/experiment/grid.ts";
import { hashJson } from "../../data-loaders/experiment/hash.ts";
import { loadExperimentCells } from "../../data-loaders/experiment/load.ts";
import { loadSpec, loadSpecCells, simulatedSpec, urlSpec } from "../helpers/spec.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";

const tmp = tempDir("grid");
afterAll(() => tmp.cleanup());

const GEMMA = { server: { simulate: "gemma-3-1b@rtx-4080", speedup: 20 } };

describe("expanding a grid", () => {
  it("makes one cell per combination, the first axis outermost, each with its key, id and values", async () => {
    const cells = await loadSpecCells(
      tmp.dir,
      "mxc",
      simulatedSpec({ grid: { model: { llama: {}, gemma: GEMMA }, concurrency: [2, 8] } }),
    );
    expect(cells.map((c) => c.cell!.key)).toEqual([
      "model=llama,concurrency=2",
      "model=llama,concurrency=8",
      "model=gemma,concurrency=2",
      "model=gemma,concurrency=8",
    ]);
    expect(cells[3]!.cell!.id).toBe("mxc_model-gemma_concurrency-8");
    expect(cells[3]!.cell!.axes).toEqual({ model: "gemma", concurrency: 8 });
    expect(cells[0]!.cell!.grid).toEqual([
      { name: "model", values: ["llama", "gemma"] },
      { name: "concurrency", values: [2, 8] },
    ]);
    expect(cells.map((c) => c.id)).toEqual(["mxc", "mxc", "mxc", "mxc"]);
    expect(cells.map((c) => [c.spec.server, c.spec.load.concurrency])).toEqual([
      [{ simulate: "llama-3.2-1b@rtx-4080", speedup: 20 }, 2],
      [{ simulate: "llama-3.2-1b@rtx-4080", speedup: 20 }, 8],
      [GEMMA.server, 2],
      [GEMMA.server, 8],
    ]);
    expect(new Set(cells.map((c) => c.specHash)).size).toBe(4);
    // the cells share the prompts (resolved once)
    expect(cells[0]!.prompts).toBe(cells[3]!.prompts);
    expect(cells[0]!.resolvedSpec).not.toHaveProperty("grid");
  });

  it("a cell's hash is its resolved spec's: a plain file with that spec, or the grid written another way, is the same run", async () => {
    const [, , , cell] = await loadSpecCells(
      tmp.dir,
      "a",
      simulatedSpec({ grid: { model: { llama: {}, gemma: GEMMA }, concurrency: [2, 8] } }),
    );
    const plain = await loadSpec(tmp.dir, "b", simulatedSpec({ ...GEMMA, load: { concurrency: 8 } }));
    expect(cell!.specHash).toBe(plain.specHash);
    // axes reordered, a variant renamed, the base moved into a variant: the same four specs
    const other = await loadSpecCells(
      tmp.dir,
      "c",
      simulatedSpec({
        ...GEMMA,
        grid: { concurrency: [8, 2], m: { g: {}, l: { server: { simulate: "llama-3.2-1b@rtx-4080", speedup: 20 } } } },
      }),
    );
    expect(other.map((c) => c.cell!.key)).toContain("concurrency=8,m=g");
    expect(other.find((c) => c.cell!.key === "concurrency=8,m=g")!.specHash).toBe(cell!.specHash);
  });

  it("a sweep (load.concurrency a list) is a concurrency axis; its cells count the runs stored before grids", async () => {
    const cells = await loadSpecCells(tmp.dir, "sweep", simulatedSpec({ load: { concurrency: [1, 4], repeats: 2 } }));
    expect(cells.map((c) => [c.cell!.key, c.spec.load.concurrency, c.spec.load.repeats])).toEqual([
      ["concurrency=1", 1, 2],
      ["concurrency=4", 4, 2],
    ]);
    // What the tracker stored for this sweep before grids: the spec with the list, and its hash
    // (computed by the tracker before this change), one run per level.
    const stored = { ...cells[0]!.resolvedSpec, load: { concurrency: [1, 4], repeats: 2 } };
    expect(hashJson(stored)).toBe("382e4218f3ede506c3f0b9f0e69088ce287c6e078f808a18cb8e006cb9ced516");
    const legacy = (level: number) =>
      storedCell({ spec: stored, spec_hash: hashJson(stored), group: { level, repeat: 0 }, cell: undefined });
    expect(legacy(1)).toEqual({ key: "concurrency=1", axes: { concurrency: 1 }, specHash: cells[0]!.specHash });
    expect(legacy(4).specHash).toBe(cells[1]!.specHash);
  });

  it("value axes set the field they are named after: requests, rate, maxTokens, temperature, seed", async () => {
    const cells = await loadSpecCells(
      tmp.dir,
      "values",
      simulatedSpec({
        load: { rate: 2 },
        grid: { requests: [6, 12], rate: [1, 4], maxTokens: [32], temperature: [0, 0.7] },
      }),
    );
    expect(cells).toHaveLength(8);
    const last = cells.at(-1)!;
    expect(last.cell!.key).toBe("requests=12,rate=4,maxTokens=32,temperature=0.7");
    expect([
      last.spec.requests,
      last.spec.load.rate,
      last.spec.workload.maxTokens,
      last.spec.workload.temperature,
    ]).toEqual([12, 4, 32, 0.7]);
    expect(cells.every((c) => c.spec.workload.seed === 7 && c.spec.load.concurrency === undefined)).toBe(true);
    expect(new Set(cells.map((c) => c.specHash)).size).toBe(8);
    const seeds = await loadSpecCells(tmp.dir, "seeds", simulatedSpec({ grid: { seed: [1, 2] } }));
    expect(seeds.map((c) => c.spec.workload.seed)).toEqual([1, 2]);
    expect(seeds[0]!.specHash).not.toBe(seeds[1]!.specHash);
  });

  it("named prompt variants: a system prompt, few-shot examples, a template", async () => {
    const shots = [
      { role: "user" as const, content: "Example candidate" },
      { role: "assistant" as const, content: '{"recommendation":"no"}' },
    ];
    const [zero, few, wrapped] = await loadSpecCells(
      tmp.dir,
      "prompts",
      simulatedSpec({
        grid: {
          prompt: {
            "zero-shot": {},
            "few-shot": { workload: { system: "You are a recruiter.", fewShot: shots } },
            templated: { workload: { template: "Evaluate:\n{{prompt}}\nAnswer in JSON." } },
          },
        },
      }),
    );
    const first = zero!.prompts[0]!.messages;
    expect(first.map((m) => m.role)).toEqual(["user"]);
    expect(few!.prompts[0]!.messages).toEqual([
      { role: "system", content: "You are a recruiter." },
      ...shots,
      first[0],
    ]);
    expect(wrapped!.prompts[0]!.messages[0]!.content).toBe(`Evaluate:\n${first[0]!.content}\nAnswer in JSON.`);
    expect(new Set([zero, few, wrapped].map((c) => c!.promptHash)).size).toBe(3);
  });
});

describe("the example experiments", () => {
  it("include a grid of models × concurrency on the simulator, each cell a run of its own", async () => {
    const cells = await loadExperimentCells(join(PROJECT, "experiments/small-models-by-concurrency.ts"));
    expect(cells[0]!.cell!.grid.map((a) => a.name)).toEqual(["model", "concurrency"]);
    expect(cells.map((c) => c.cell!.key)).toHaveLength(
      cells[0]!.cell!.grid.reduce((n, axis) => n * axis.values.length, 1),
    );
    const simulated = cells.map((c) => ("simulate" in c.spec.server ? c.spec.server.simulate : null));
    expect(simulated.every((s) => s !== null)).toBe(true);
    expect(new Set(simulated.map((s) => s!.split("@")[0])).size).toBeGreaterThan(1);
    expect(new Set(cells.map((c) => c.spec.load.concurrency)).size).toBeGreaterThan(1);
    expect(new Set(cells.map((c) => c.specHash)).size).toBe(cells.length);
  });
});

describe("merging a variant into the base", () => {
  const base = {
    server: { launch: { command: "vllm", model: "a", args: { "--max-model-len": 4096 } } },
    workload: { prompts: { generate: "candidate-profiles", count: 5 }, system: "s", maxTokens: 64 },
    quality: { checks: [{ name: "x" }] },
  };

  it("merges objects field by field, keeps the rest of a block of the same kind", () => {
    expect(mergeSpec(base, { server: { launch: { model: "b" } } })).toMatchObject({
      server: { launch: { command: "vllm", model: "b", args: { "--max-model-len": 4096 } } },
    });
  });

  it("replaces a block of another kind whole, lists and values whole, and removes what is set to undefined", () => {
    const merged = mergeSpec(base, {
      server: { simulate: "gemma-3-1b@rtx-4080" },
      workload: { prompts: { jsonl: "p.jsonl" }, system: undefined, maxTokens: 128 },
      quality: { checks: [{ name: "y" }] },
    }) as typeof base;
    expect(merged.server).toEqual({ simulate: "gemma-3-1b@rtx-4080" });
    expect(merged.workload).toEqual({ prompts: { jsonl: "p.jsonl" }, maxTokens: 128 });
    expect(merged.quality.checks).toEqual([{ name: "y" }]);
    // the base is left as it was
    expect(base.workload.system).toBe("s");
  });
});

describe("experiments without a grid keep their spec hashes", () => {
  // Hashes computed by the tracker before grids existed: their stored runs stay fresh.
  it("a plain simulated, a plain URL and a repeated experiment hash as before", async () => {
    expect((await loadSpec(tmp.dir, "p1", simulatedSpec())).specHash).toBe(
      "85ded8dae1a1cacd03718c1117cfeb3e8e3c1656c844b344e27d75be14b7196e",
    );
    const repeated = simulatedSpec({
      load: { concurrency: 8, warmup: 2, repeats: 2 },
      workload: {
        prompts: { inline: ["hello", { id: "x", prompt: "y" }] },
        system: "sys",
        maxTokens: 64,
        temperature: 0.5,
        seed: 3,
      },
    });
    expect((await loadSpec(tmp.dir, "p2", repeated)).specHash).toBe(
      "5a9c9bdc06225ce967282430041aff05b33c30b538bb958b79bbb64d0228c32a",
    );
    expect((await loadSpec(tmp.dir, "p3", urlSpec("http://127.0.0.1:9", "m"))).specHash).toBe(
      "4492fcfd8db1fb0a328534a0c13c7ec92ec8a554e3659244e3cb0fe9f90249c2",
    );
  });
});
