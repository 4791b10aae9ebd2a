// The sampling parameters of a request, checked as vLLM's SamplingParams checks them once the
// output limit is known: the same order, conditions and wordings (see http-error.ts for how
// vLLM words a check that fails inside a handler). Only the parameters the simulator acts on are
// kept; the others are checked and otherwise ignored, as the answer does not depend on them.
//
//   n              at least 1; more than 1 only when sampling (greedy = temperature below 1e-5,
//                  after vLLM raises 0 < T < 0.01 to 0.01, so in effect temperature 0)
//   temperature    finite, in [0, 2]; unset → 1.0 (vLLM's default without a generation config)
//   top_p          in (0, 1]; top_k ≥ −1 (0 and −1 disable it); min_p in [0, 1]
//   penalties      presence and frequency in [−2, 2]; repetition finite and > 0
//   min_tokens     ≥ 0 and ≤ the output limit; ignore_eos; stop (strings, none empty)
//   logprobs       top-k per token, at most the server's --max-logprobs (20); −1 (the whole
//                  vocabulary) is refused too, as vLLM compares the vocabulary size with that limit
import { validationError } from "./http-error.ts";
import { pyFloat } from "./py-repr.ts";
import { VOCAB_SIZE } from "./tokenizer.ts";

/** vLLM's --max-logprobs default. */
export const MAX_LOGPROBS = 20;

export interface Sampling {
  n: number;
  temperature: number;
  seed: number | undefined;
  stop: string[];
  includeStopStrInOutput: boolean;
  ignoreEos: boolean;
  minTokens: number;
  /** Top alternatives per token when logprobs were asked for, else null. */
  logprobs: number | null;
}

/** The raw sampling fields of a request (already type-checked numbers, or undefined). */
export interface SamplingFields {
  n?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  repetitionPenalty?: number;
  seed?: number;
  stop?: string[];
  includeStopStrInOutput?: boolean;
  ignoreEos?: boolean;
  minTokens?: number;
  logprobs?: number | null;
}

/** vLLM's SamplingParams checks for a request whose output limit is `maxTokens`. */
export function checkSampling(f: SamplingFields, maxTokens: number): Sampling {
  let temperature = f.temperature ?? 1;
  // vLLM raises tiny temperatures to 0.01 (with a warning) before checking.
  if (temperature > 0 && temperature < 0.01) temperature = 0.01;
  const n = f.n ?? 1;
  if (n < 1) throw validationError(`n must be at least 1, got ${n}.`);
  checkPenalties(f);
  if (!Number.isFinite(temperature))
    throw validationError(
      `temperature must be a finite number, got ${pyFloat(temperature)}.`,
      "temperature",
      pyFloat(temperature),
    );
  if (temperature < 0)
    throw validationError(
      `temperature must be non-negative, got ${pyFloat(temperature)}.`,
      "temperature",
      pyFloat(temperature),
    );
  if (temperature > 2)
    throw validationError(
      `temperature must be in [0, 2], got ${pyFloat(temperature)}.`,
      "temperature",
      pyFloat(temperature),
    );
  const topP = f.topP ?? 1;
  if (!(topP > 0 && topP <= 1))
    throw validationError(`top_p must be in (0, 1], got ${pyFloat(topP)}.`, "top_p", pyFloat(topP));
  const topK = f.topK ?? 0;
  if (topK < -1) throw validationError(`top_k must be 0 (disable), or at least 1, got ${topK}.`);
  const minP = f.minP ?? 0;
  if (!(minP >= 0 && minP <= 1)) throw validationError(`min_p must be in [0, 1], got ${pyFloat(minP)}.`);
  if (maxTokens < 1)
    throw validationError(`max_tokens must be at least 1, got ${maxTokens}.`, "max_tokens", String(maxTokens));
  const minTokens = f.minTokens ?? 0;
  if (minTokens < 0) throw validationError(`min_tokens must be greater than or equal to 0, got ${minTokens}.`);
  if (minTokens > maxTokens)
    throw validationError(`min_tokens must be less than or equal to max_tokens=${maxTokens}, got ${minTokens}.`);
  const logprobs = f.logprobs ?? null;
  if (logprobs !== null && logprobs !== -1 && logprobs < 0)
    throw validationError(`logprobs must be non-negative or -1, got ${logprobs}.`, "logprobs", String(logprobs));
  const stop = f.stop ?? [];
  if (stop.some((s) => s.length === 0)) throw validationError("stop cannot contain an empty string.");
  if (temperature < 1e-5 && n > 1) throw validationError(`n must be 1 when using greedy sampling, got ${n}.`);
  // −1 asks for the whole vocabulary, which vLLM then compares with the same limit.
  const asked = logprobs === -1 ? VOCAB_SIZE : (logprobs ?? 0);
  if (logprobs !== null && asked > MAX_LOGPROBS) {
    throw validationError(
      `Requested sample logprobs of ${asked}, which is greater than max allowed: ${MAX_LOGPROBS}`,
      "logprobs",
      String(asked),
    );
  }
  return {
    n,
    temperature,
    seed: f.seed,
    stop,
    includeStopStrInOutput: f.includeStopStrInOutput ?? false,
    ignoreEos: f.ignoreEos ?? false,
    minTokens,
    logprobs,
  };
}

function checkPenalties(f: SamplingFields): void {
  const presence = f.presencePenalty ?? 0;
  if (!(presence >= -2 && presence <= 2))
    throw validationError(`presence_penalty must be in [-2, 2], got ${pyFloat(presence)}.`);
  const frequency = f.frequencyPenalty ?? 0;
  if (!(frequency >= -2 && frequency <= 2))
    throw validationError(`frequency_penalty must be in [-2, 2], got ${pyFloat(frequency)}.`);
  const repetition = f.repetitionPenalty ?? 1;
  if (!Number.isFinite(repetition))
    throw validationError(`repetition_penalty must be a finite number, got ${pyFloat(repetition)}.`);
  if (repetition <= 0)
    throw validationError(`repetition_penalty must be greater than zero, got ${pyFloat(repetition)}.`);
}
