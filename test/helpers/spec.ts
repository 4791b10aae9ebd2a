// Typed experiment builders for the tests: an experiment is a typed object (the ExperimentInput
// of data-loaders/experiment/schema.ts, so a misspelt field fails `tsc`), written to
// `experiments/<id>.ts` as JSON inside `defineExperiment(…)`. Only `quality.schema` is zod code,
// so it is given as source. For a file that must be malformed, use `writeExperiment` (temp.ts).
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { loadExperiment, loadExperimentCells, type LoadedExperiment } from "../../data-loaders/experiment/load.ts";
import type { ExperimentFileInput, ExperimentInput } from "../../data-loaders/experiment/schema.ts";
import { PROJECT } from "./temp.ts";

/** zod source for `quality.schema`; the experiment file imports `z`. */
export interface ZodSource {
  zod: string;
}

export type TestQuality = Omit<NonNullable<ExperimentInput["quality"]>, "schema"> & { schema: ZodSource };
export type TestSpec = Omit<ExperimentFileInput, "quality"> & { quality?: TestQuality };

/** The candidate-evaluation answer the simulator's candidate prompts are answered with. */
export const CANDIDATE_ANSWER: ZodSource = {
  zod: `z.object({ recommendation: z.enum(["strong_yes", "yes", "maybe", "no"]), reasoning: z.string() })`,
};

/**
 * A small simulated experiment, fast enough for tests: 24 generated candidate prompts' worth of
 * requests at concurrency 4 against the 1B profile at speedup 20, with the candidate answer schema.
 */
export function simulatedSpec(over: Partial<TestSpec> = {}): TestSpec {
  return {
    title: "test",
    server: { simulate: "llama-3.2-1b@rtx-4080", speedup: 20 },
    workload: { prompts: { generate: "candidate-profiles", count: 10 }, maxTokens: 256, temperature: 0, seed: 7 },
    requests: 24,
    load: { concurrency: 4 },
    quality: { schema: CANDIDATE_ANSWER },
    ...over,
  };
}

/** An experiment against a running server (a simulator the test started): short answers, no quality schema. */
export function urlSpec(
  url: string,
  model: string,
  over: Partial<TestSpec> & { maxTokens?: number; promptCount?: number; seed?: number } = {},
): TestSpec {
  const { maxTokens = 16, promptCount = 5, seed = 3, ...rest } = over;
  return {
    title: "t",
    server: { url, model },
    workload: { prompts: { generate: "candidate-profiles", count: promptCount }, maxTokens, temperature: 0, seed },
    requests: 10,
    load: { concurrency: 2 },
    ...rest,
  };
}

/** Writes `<dir>/experiments/<id>.ts` for the spec; returns its path. */
export function writeSpec(dir: string, id: string, spec: TestSpec): string {
  const folder = join(dir, "experiments");
  mkdirSync(folder, { recursive: true });
  const schemaModule = relative(folder, join(PROJECT, "data-loaders/experiment/schema.ts"));
  const { quality, ...plain } = spec;
  let literal = JSON.stringify(plain, null, 2);
  if (quality) {
    const { schema, ...options } = quality;
    literal = `{ ...${literal}, quality: { ...${JSON.stringify(options)}, schema: ${schema.zod} } }`;
  }
  const file = join(folder, `${id}.ts`);
  writeFileSync(
    file,
    `import { z } from "zod";\nimport { defineExperiment } from "${schemaModule}";\nvoid z;\nexport default defineExperiment(${literal});\n`,
  );
  return file;
}

/** Writes the experiment file and loads it, as the tracker does. */
export function loadSpec(dir: string, id: string, spec: TestSpec): Promise<LoadedExperiment> {
  return loadExperiment(writeSpec(dir, id, spec));
}

/** Writes the experiment file of a grid (or a sweep) and loads its cells, as the tracker does. */
export function loadSpecCells(dir: string, id: string, spec: TestSpec): Promise<LoadedExperiment[]> {
  return loadExperimentCells(writeSpec(dir, id, spec));
}

/** runExperiment options that keep the console quiet (no progress bar, no log lines). */
export const QUIET = { progress: () => ({ tick() {}, stop() {} }), log: () => {} };
