// The hardware catalogs, validated by zod when first read:
//   models.json             models: each entry's Hugging Face config.json values (read by
//                           hf-config.ts), the parameter count its model card states, aliases
//   gpus.json               GPUs: memory, memory bandwidth, dense BF16 and FP8 tensor TFLOPS,
//                           each with the vendor datasheet it comes from
//   quantizations.json      weight formats: bits per weight and which weights they cover
//   vllm-memory.json        vLLM's own start-up figures (weights, KV cache, CUDA graphs) that
//                           calibrate the memory fit
//   recorded-assumptions.json  what the recorded experiments did not record (each an assumption)
// Lookups by id, alias or name fail with a message naming what was asked and what is known.
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { SpecError, specErrorsFromZod } from "../experiment/errors.ts";
import { modelArchFromConfig, readHfConfigFile, type ModelArch } from "./hf-config.ts";

export const HARDWARE_DIR = dirname(fileURLToPath(import.meta.url));

const text = () => z.string().min(1);
const positive = () => z.number().positive();

const modelEntrySchema = z.strictObject({
  /** The Hugging Face repository id. */
  id: z.string().regex(/^[\w.-]+\/[\w.-]+$/, "a Hugging Face repository id such as org/name"),
  name: text(),
  /** Short names accepted by `--model` (e.g. "gemma-3-4b", as in the simulator's profile names). */
  aliases: z.array(text()).default([]),
  /** Where the config values come from. */
  source: text(),
  notes: text().optional(),
  parameters: z.strictObject({
    /** The count as the model card states it (rounded as stated). */
    total: z.number().int().positive(),
    /** Parameters active per token (mixture of experts), as stated. */
    active: z.number().int().positive().optional(),
    stated: text(),
    source: text(),
  }),
  /** config.json values as published (only what hf-config.ts reads matters). */
  config: z.record(z.string(), z.unknown()),
});

const gpuSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, "lower-case letters, digits, . and -"),
  name: text(),
  /** Regular expression (case-insensitive) that recognises the GPU in a hardware description. */
  match: text().refine((s) => isRegExp(s), "not a valid regular expression"),
  /** Memory as the vendor states it (GPU "GB" are binary: GiB). */
  memoryGiB: positive(),
  /** Peak memory bandwidth, GB/s (10^9 bytes per second). */
  bandwidthGBps: positive(),
  /** Dense BF16/FP16 tensor throughput with FP32 accumulate, TFLOPS. */
  bf16Tflops: positive(),
  /** Dense FP8 tensor throughput, TFLOPS; null without FP8 tensor cores. */
  fp8Tflops: positive().nullable(),
  source: text(),
  notes: text().optional(),
});

const formatSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
  bitsPerWeight: positive(),
  scope: z.enum(["all", "linear", "experts"]),
  /** Tensor-core rate the matrices run at: fp8 when the GPU has FP8 tensor cores, else bf16. */
  compute: z.enum(["bf16", "fp8"]),
  /** The size is an average over a mix of tensor types. */
  approximate: z.boolean().default(false),
  source: text(),
});

const memoryObservationSchema = z.strictObject({
  id: text(),
  model: text(),
  gpu: text(),
  vllm: text().optional(),
  gpuMemoryUtilization: z.number().gt(0).max(1).optional(),
  maxModelLen: z.number().int().positive().optional(),
  kvCacheDtype: z.enum(["auto", "fp8"]).default("auto"),
  weightsGiB: positive().optional(),
  kvCacheTokens: z.number().int().positive().optional(),
  kvCacheGiB: positive().optional(),
  maxConcurrency: positive().optional(),
  cudaGraphGiB: positive().optional(),
  /** Whether the runtime overhead (budget − weights − KV cache) may be calibrated on it. */
  useForOverhead: z.boolean(),
  approximate: z.boolean().default(false),
  source: text(),
  assumptions: z.array(text()).default([]),
});

const recordedAssumptionSchema = z.strictObject({
  /** A quantizations.json format id: how the weights were stored. */
  weights: text().optional(),
  /** The serving stack, when it was not vLLM (calibrated apart). */
  backend: text().optional(),
  /** Another recorded experiment whose token means stand in for the missing ones. */
  tokensLike: text().optional(),
  /** Concurrent requests, when the record does not give them. */
  concurrency: z.number().int().positive().optional(),
  why: text(),
});

const files = {
  models: z.strictObject({ models: z.array(modelEntrySchema).min(1) }),
  gpus: z.strictObject({ gpus: z.array(gpuSchema).min(1) }),
  quantizations: z.strictObject({ formats: z.array(formatSchema).min(1) }),
  "vllm-memory": z.strictObject({ observations: z.array(memoryObservationSchema) }),
  "recorded-assumptions": z.strictObject({
    $comment: z.string().optional(),
    experiments: z.record(z.string(), recordedAssumptionSchema),
  }),
};

export type Gpu = z.output<typeof gpuSchema>;
export type WeightFormat = z.output<typeof formatSchema>;
export type MemoryObservation = z.output<typeof memoryObservationSchema>;
export type RecordedAssumption = z.output<typeof recordedAssumptionSchema>;

export interface CatalogModel extends Omit<z.output<typeof modelEntrySchema>, "config"> {
  arch: ModelArch;
}

export interface Catalog {
  models: CatalogModel[];
  gpus: Gpu[];
  formats: WeightFormat[];
  memory: MemoryObservation[];
  recordedAssumptions: Record<string, RecordedAssumption>;
}

function isRegExp(s: string): boolean {
  try {
    new RegExp(s, "i");
    return true;
  } catch {
    return false;
  }
}

function readCatalogFile<K extends keyof typeof files>(dir: string, name: K): z.output<(typeof files)[K]> {
  const path = join(dir, `${name}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new SpecError(path, "", `cannot read: ${(e as Error).message}`);
  }
  const parsed = files[name].safeParse(raw);
  if (!parsed.success) throw specErrorsFromZod(path, parsed.error.issues, name)[0]!;
  return parsed.data as z.output<(typeof files)[K]>;
}

const cache = new Map<string, Catalog>();

/** Reads and validates every catalog file in `dir` (once per folder). */
export function loadCatalog(dir = HARDWARE_DIR): Catalog {
  const hit = cache.get(dir);
  if (hit) return hit;
  const modelsFile = join(dir, "models.json");
  const models = readCatalogFile(dir, "models").models.map(({ config, ...entry }, i) => ({
    ...entry,
    arch: modelArchFromConfig(config, modelsFile, `models[${i}].config`),
  }));
  const catalog: Catalog = {
    models,
    gpus: readCatalogFile(dir, "gpus").gpus,
    formats: readCatalogFile(dir, "quantizations").formats,
    memory: readCatalogFile(dir, "vllm-memory").observations,
    recordedAssumptions: readCatalogFile(dir, "recorded-assumptions").experiments,
  };
  checkReferences(catalog, dir);
  cache.set(dir, catalog);
  return catalog;
}

function checkReferences(catalog: Catalog, dir: string): void {
  unique(
    catalog.models.flatMap((m) => [m.id, ...m.aliases].map((n) => n.toLowerCase())),
    join(dir, "models.json"),
    "id/alias",
  );
  unique(
    catalog.gpus.map((g) => g.id),
    join(dir, "gpus.json"),
    "id",
  );
  unique(
    catalog.formats.map((f) => f.id),
    join(dir, "quantizations.json"),
    "id",
  );
  const memoryFile = join(dir, "vllm-memory.json");
  catalog.memory.forEach((m, i) => {
    lookup(() => findModel(catalog, m.model), memoryFile, `observations[${i}].model`);
    lookup(() => findGpu(catalog, m.gpu), memoryFile, `observations[${i}].gpu`);
  });
  const assumptionsFile = join(dir, "recorded-assumptions.json");
  for (const [id, a] of Object.entries(catalog.recordedAssumptions))
    if (a.weights) lookup(() => findFormat(catalog, a.weights!), assumptionsFile, `experiments.${id}.weights`);
}

function unique(names: string[], file: string, field: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new SpecError(file, field, `"${n}" appears twice`);
    seen.add(n);
  }
}

function lookup(fn: () => unknown, file: string, field: string): void {
  try {
    fn();
  } catch (e) {
    throw new SpecError(file, field, (e as Error).message);
  }
}

const norm = (s: string) => s.trim().toLowerCase();

/** A catalog model by Hugging Face id, alias or repository name (case-insensitive). */
export function findModel(catalog: Catalog, name: string): CatalogModel {
  const n = norm(name);
  const found =
    catalog.models.find((m) => norm(m.id) === n || m.aliases.some((a) => norm(a) === n)) ??
    catalog.models.find((m) => norm(m.id.split("/")[1]!) === n);
  if (found) return found;
  throw new Error(
    `unknown model "${name}": not in the model catalog (data-loaders/hardware/models.json); known: ${catalog.models.map((m) => m.aliases[0] ?? m.id).join(", ")}. Another model needs an entry with its config.json in models.json (\`tracker plan\` also reads one from disk: give --config <path to its config.json>)`,
  );
}

/** A GPU by catalog id, or by a hardware description its `match` expression recognises. */
export function findGpu(catalog: Catalog, name: string): Gpu {
  const n = norm(name);
  const found = catalog.gpus.find((g) => g.id === n) ?? catalog.gpus.find((g) => new RegExp(g.match, "i").test(n));
  if (found) return found;
  throw new Error(
    `unknown GPU "${name}": not in the GPU catalog (data-loaders/hardware/gpus.json); known: ${catalog.gpus.map((g) => g.id).join(", ")}`,
  );
}

export function findFormat(catalog: Catalog, id: string): WeightFormat {
  const found = catalog.formats.find((f) => f.id === norm(id));
  if (found) return found;
  throw new Error(
    `unknown quantisation "${id}": the catalog (data-loaders/hardware/quantizations.json) can size ${catalog.formats.map((f) => f.id).join(", ")}`,
  );
}

/** A model described only by a config.json on disk (no stated parameter count). */
export function modelFromConfigFile(path: string): CatalogModel {
  const arch = readHfConfigFile(path);
  return {
    id: basename(dirname(path)) || path,
    name: `the model of ${path}`,
    aliases: [],
    source: path,
    arch,
    parameters: { total: 0, stated: "not stated (computed from the architecture)", source: path },
  };
}

export interface ResolvedWeights {
  format: WeightFormat;
  /** Why this format (the default or what was asked), and what serving it needs. */
  notes: string[];
}

// config.json quant_method (and bits) → catalog format.
const QUANT_METHODS: Record<string, { format: string; bits: number | null }> = {
  gptq: { format: "gptq", bits: 4 },
  awq: { format: "awq", bits: 4 },
  fp8: { format: "fp8", bits: null },
  mxfp4: { format: "mxfp4", bits: null },
};

/**
 * The weight format a model is served in: `requested` when given, else the checkpoint's
 * quantisation, else its dtype (float32 checkpoints are served in 16 bits by vLLM's --dtype auto).
 */
export function resolveWeights(catalog: Catalog, model: CatalogModel, requested?: string): ResolvedWeights {
  const q = model.arch.quantization;
  let shipped: WeightFormat | null = null;
  try {
    shipped = q ? shippedFormat(catalog, model, q) : null;
  } catch (e) {
    // A quantisation the catalog cannot size only matters when no format was asked for.
    if (!requested) throw e;
  }
  const format = requested ? findFormat(catalog, requested) : (shipped ?? dtypeFormat(catalog, model));
  if (format.scope === "experts" && !model.arch.moe)
    throw new Error(
      `${format.id} sizes the expert weights of a mixture-of-experts model (as gpt-oss ships them); ${model.id} has no experts`,
    );
  const notes: string[] = [];
  if (!requested)
    notes.push(
      shipped
        ? `${format.id}: the checkpoint's quantisation`
        : `${format.id}: the checkpoint's dtype (${model.arch.checkpointDtype}${model.arch.checkpointDtype === "float32" ? ", served in 16 bits by vLLM's --dtype auto" : ""})`,
    );
  else if (shipped && shipped.id !== format.id)
    notes.push(`${format.id} as asked; the checkpoint ships in ${shipped.id}`);
  else if (!shipped && ["awq", "gptq", "int4", "gguf-q4_0", "gguf-q4_k_m"].includes(format.id))
    notes.push(`${format.id} needs a checkpoint quantised that way (not ${model.id} itself)`);
  if (format.approximate) notes.push(`${format.id} size is approximate: ${format.source}`);
  return { format, notes };
}

function shippedFormat(
  catalog: Catalog,
  model: CatalogModel,
  q: NonNullable<ModelArch["quantization"]>,
): WeightFormat | null {
  const known = QUANT_METHODS[q.method];
  if (!known || (known.bits !== null && q.bits !== known.bits))
    throw new Error(
      `${model.id}: config.json quantization_config (quant_method "${q.method}"${q.bits !== null ? `, ${q.bits} bits` : ""}) is a quantisation the catalog cannot size; known: ${catalog.formats.map((f) => f.id).join(", ")}. Give --weights <format> to size it as one of those`,
    );
  return findFormat(catalog, known.format);
}

function dtypeFormat(catalog: Catalog, model: CatalogModel): WeightFormat {
  return findFormat(catalog, model.arch.checkpointDtype === "float16" ? "fp16" : "bf16");
}
