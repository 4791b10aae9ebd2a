// Temporary folders inside the project (so experiment files written there resolve `zod` and the
// tracker's modules) and a small experiment-file writer.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

export const PROJECT = resolve(import.meta.dirname, "../..");

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  mkdirSync(join(PROJECT, ".tmp"), { recursive: true });
  const dir = mkdtempSync(join(PROJECT, ".tmp", `${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `experiments/<id>.ts` in `dir` with the given spec object literal (TypeScript source). */
export function writeExperiment(dir: string, id: string, specSource: string): string {
  const folder = join(dir, "experiments");
  mkdirSync(folder, { recursive: true });
  const schema = relative(folder, join(PROJECT, "data-loaders/experiment/schema.ts"));
  const file = join(folder, `${id}.ts`);
  writeFileSync(
    file,
    `import { z } from "zod";\nimport { defineExperiment } from "${schema}";\nvoid z;\nexport default defineExperiment(${specSource});\n`,
  );
  return file;
}

/** A small simulated experiment, fast enough for tests. */
export function smallSpec(
  over: { profile?: string; requests?: number; concurrency?: number; extra?: string } = {},
): string {
  return `{
    title: "test",
    server: { simulate: "${over.profile ?? "llama-3.2-1b@rtx-4080"}", speedup: 20 },
    workload: { prompts: { generate: "candidate-profiles", count: 10 }, maxTokens: 256, temperature: 0, seed: 7 },
    requests: ${over.requests ?? 24},
    load: { concurrency: ${over.concurrency ?? 4} },
    quality: { schema: z.object({ recommendation: z.enum(["strong_yes", "yes", "maybe", "no"]), reasoning: z.string() }) },
    ${over.extra ?? ""}
  }`;
}
