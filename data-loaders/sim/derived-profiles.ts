// Simulator profiles by name: a hand-calibrated one (profiles.ts, reproducing the users' reports,
// CALIBRATION.md), or one derived for any catalog model on any catalog GPU:
//   simulate: "<model>@<gpu>"            e.g. "allenai/OLMo-1B-hf@rtx-4080", "olmo-2-13b@h100"
//   simulate: "<model>:<weights>@<gpu>"  e.g. "gemma-3-12b:awq@rtx-4080" (a quantizations.json format)
// A hand-calibrated name always means the hand-calibrated profile.
//
// A derived profile takes its step costs, KV-cache size and max_model_len from the fit and speed
// models (analysis/sim-profile.ts deriveProfile, calibrated on calibration-targets.json), and
// what the catalogs cannot say — how the model answers and its chat-template overhead — from the
// hand-calibrated profile of the nearest parameter count (a 1B model answers like the 1B ones).
// It serves the model under its Hugging Face id, with vLLM's max_num_seqs 256 and an 8,192-token
// prefill budget, like the hand-calibrated profiles.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { parameterBreakdown } from "../analysis/architecture.ts";
import { calibrateMemory, type MemoryCalibration } from "../analysis/fit.ts";
import { memoryPoints } from "../analysis/observations.ts";
import type { Calibration } from "../analysis/roofline.ts";
import { deriveProfile, simCalibration, type SimTarget } from "../analysis/sim-profile.ts";
import { findGpu, findModel, loadCatalog, resolveWeights, type Catalog } from "../hardware/catalog.ts";
import { isProfileName, PROFILE_NAMES, PROFILES, type SimProfile } from "./profiles.ts";

const targetSchema = z.strictObject({
  profile: z.string().refine(isProfileName, "not a profile of sim/profiles.ts"),
  model: z.string().min(1),
  gpu: z.string().min(1),
  stack: z.string().min(1),
  variant: z.enum(["short", "detailed"]),
  requests: z.number().int().positive(),
  concurrency: z.number().int().positive(),
  totalTokPerS: z.number().positive().optional(),
  reqPerS: z.number().positive().optional(),
  promptTokens: z.number().positive().optional(),
  completionTokens: z.number().positive().optional(),
  reference: z.boolean().default(false),
  source: z.string().min(1),
});
const targetsFileSchema = z.strictObject({ $comment: z.string().optional(), targets: z.array(targetSchema).min(1) });

export type CalibrationTarget = z.output<typeof targetSchema>;

export const TARGETS_FILE = join(import.meta.dirname, "calibration-targets.json");

/** The users' figures the simulator is calibrated to (calibration-targets.json), validated. */
export function calibrationTargets(): CalibrationTarget[] {
  const parsed = targetsFileSchema.safeParse(JSON.parse(readFileSync(TARGETS_FILE, "utf8")));
  if (!parsed.success)
    throw new Error(
      `${TARGETS_FILE}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  return parsed.data.targets;
}

interface Derivation {
  catalog: Catalog;
  memory: MemoryCalibration;
  speed: Calibration;
  reference: { promptTokens: number; completionTokens: number };
}

let derivation: Derivation | null = null;

/** The catalogs and calibrations every derived profile uses, computed once per process. */
function derivationBasis(): Derivation {
  if (derivation) return derivation;
  const catalog = loadCatalog();
  const memory = calibrateMemory(memoryPoints(catalog));
  const targets = calibrationTargets();
  const resolved: SimTarget[] = targets.map((t) => {
    const model = findModel(catalog, t.model);
    return { ...t, model, format: resolveWeights(catalog, model).format, gpu: findGpu(catalog, t.gpu) };
  });
  const ref = targets.find((t) => t.reference);
  if (!ref?.promptTokens || !ref.completionTokens)
    throw new Error(`${TARGETS_FILE}: one target must be the reference, with promptTokens and completionTokens`);
  const reference = { promptTokens: ref.promptTokens, completionTokens: ref.completionTokens };
  derivation = { catalog, memory, speed: simCalibration(resolved, memory), reference };
  return derivation;
}

/** The profile a name stands for (see the header); throws an Error saying what is wrong. */
export function resolveProfile(name: string): SimProfile {
  if (isProfileName(name)) return PROFILES[name];
  const at = name.lastIndexOf("@");
  if (at <= 0 || at === name.length - 1)
    throw new Error(`not a profile and not "<model>@<gpu>" (a catalog model and GPU, e.g. "olmo-1b@rtx-4080")`);
  const [modelName, weights] = name.slice(0, at).split(":") as [string, string | undefined];
  const { catalog, memory, speed, reference } = derivationBasis();
  const model = findModel(catalog, modelName);
  const gpu = findGpu(catalog, name.slice(at + 1));
  const format = resolveWeights(catalog, model, weights).format;
  const derived = deriveProfile(model, format, gpu, memory, speed, reference);
  const like = nearestProfile(parameterBreakdown(model.arch).total);
  return {
    model: model.id,
    maxModelLen: derived.maxModelLen,
    gpu: gpu.name,
    speed: derived.speed,
    maxNumSeqs: 256,
    maxNumBatchedTokens: 8192,
    kvCacheTokens: derived.kvCacheTokens,
    blockSize: derived.blockSize,
    template: like.template,
    stopReason: null,
    answers: like.answers,
  };
}

/** Why `name` names no profile (the message validation shows), or null when it does. */
export function profileProblem(name: string): string | null {
  try {
    resolveProfile(name);
    return null;
  } catch (e) {
    return `one of the simulator profiles: ${PROFILE_NAMES.join(", ")}, or "<model>[:<weights>]@<gpu>" for a model and GPU of the catalogs (data-loaders/hardware/): ${(e as Error).message}`;
  }
}

/** The hand-calibrated answering profile whose model's parameter count is nearest (log scale). */
function nearestProfile(parameters: number): SimProfile {
  const { catalog } = derivationBasis();
  const candidates = PROFILE_NAMES.map((n) => PROFILES[n] as SimProfile).filter(
    (p) => !p.judge && p.answers.thinking !== "reasoning-field",
  );
  const size = (p: SimProfile) => parameterBreakdown(findModel(catalog, p.model).arch).total;
  return candidates.reduce((best, p) =>
    Math.abs(Math.log(size(p) / parameters)) < Math.abs(Math.log(size(best) / parameters)) ? p : best,
  );
}
