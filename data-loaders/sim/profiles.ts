// Simulator profiles: a model on a GPU, described by the speed-model parameters, the engine
// limits, the chat-template overhead and the answer behaviour on the candidate-evaluation task.
// Calibration targets, the concurrency each one is calibrated at, and sources: CALIBRATION.md.

/** How a profile answers the candidate-evaluation prompt (shares are per request, 0–1). */
export interface AnswerStyle {
  /**
   * Target completion tokens of a candidate evaluation (EOS included). Answers grow by whole
   * sentences and defects add length, so the measured mean comes out a few percent higher;
   * the values are tuned so the measured means match CALIBRATION.md.
   */
  candidateTokens: number;
  /** Mean completion tokens of any other prompt. */
  proseTokens: number;
  /** Answers in prose instead of JSON. */
  prose: number;
  /** Wraps the JSON in a ```json fence. */
  fenced: number;
  /** Leaves out `reasoning` or `analysis`. */
  missingField: number;
  /** Uses a recommendation outside the enum ("Yes", "hire", …). */
  wrongEnum: number;
  /** Rambles to about three times the usual length (often cut by max_tokens). */
  overlong: number;
  /**
   * Share of candidate evaluations whose recommendation is the ground truth (the generator's rule
   * applied to the facts the prompt states), before format defects. The README lists the rates.
   */
  correct: number;
  /** Share of wrong recommendations that are one class more lenient than the truth (the rest: one class stricter). */
  lenient: number;
  /** Thinking before the answer: none, an inline `<think>` block, or vLLM's `reasoning` field. */
  thinking: "none" | "think-inline" | "reasoning-field";
  /** Mean tokens of the thinking part (counted in completion_tokens). */
  thinkTokens: number;
  /** How many of the five dimensions the analysis covers (small models skip some). */
  dimensions: number;
  /** JSON indentation (0 = one line). */
  indent: number;
}

/**
 * How the judge profile grades (see judge.ts): it knows the truth (the prompt's expected answer,
 * else the generator's rule on the prompt's facts) and reads the answer's recommendation.
 */
export interface JudgeStyle {
  /** Share of pass/fail verdicts flipped, and of pairwise verdicts replaced by a random one. */
  noise: number;
  /** Share of 1–5 scores moved one step up or down (at random). */
  scoreNoise: number;
  /** Share of pairwise verdicts for the second answer, or ties, turned into a win for the first. */
  positionBias: number;
}

export interface SimProfile {
  /** Model name the simulated server reports (`/v1/models` id and root). */
  model: string;
  /** max_model_len reported and enforced. */
  maxModelLen: number;
  gpu: string;
  /**
   * Engine step cost in ms (real time, before the speedup):
   * stepMs = fixedMs + prefillTokens·prefillMsPerToken + decodeSeqs·decodeMsPerSeq.
   */
  speed: { fixedMs: number; prefillMsPerToken: number; decodeMsPerSeq: number };
  /** vLLM --max-num-seqs. */
  maxNumSeqs: number;
  /** Prefill token budget per step (new sequences are admitted while it lasts). */
  maxNumBatchedTokens: number;
  /** KV-cache capacity in tokens (num_gpu_blocks × block_size). */
  kvCacheTokens: number;
  blockSize: number;
  /** Chat-template overhead in tokens: fixed part plus per message (see tokenizer.ts). */
  template: { base: number; perMessage: number };
  /** stop_reason reported when the answer ends normally (an extra EOS id, or null). */
  stopReason: number | null;
  /**
   * The server runs with `--enable-auto-tool-choice --tool-call-parser <this>`: tool choice
   * "auto" is accepted and the model may call tools. Unset: "auto" is refused, as vLLM does.
   */
  toolCallParser?: string;
  answers: AnswerStyle;
  /** Set for a judge: rubric prompts with a verdict instruction are graded instead of answered. */
  judge?: JudgeStyle;
}

const NO_DEFECTS = { prose: 0, fenced: 0, missingField: 0, wrongEnum: 0, overlong: 0 };

export const PROFILES = {
  "llama-3.2-1b@rtx-4080": {
    model: "meta-llama/Llama-3.2-1B-Instruct",
    maxModelLen: 8192,
    gpu: "NVIDIA GeForce RTX 4080",
    speed: { fixedMs: 2.5, prefillMsPerToken: 0.02, decodeMsPerSeq: 0.05 },
    maxNumSeqs: 256,
    maxNumBatchedTokens: 8192,
    kvCacheTokens: 340_000,
    blockSize: 16,
    template: { base: 25, perMessage: 5 },
    stopReason: null,
    answers: {
      candidateTokens: 107,
      proseTokens: 160,
      prose: 0.06,
      fenced: 0.12,
      missingField: 0.06,
      wrongEnum: 0.05,
      overlong: 0.03,
      correct: 0.55,
      lenient: 0.7,
      thinking: "none",
      thinkTokens: 0,
      dimensions: 2,
      indent: 0,
    },
  },
  "gemma-3-1b@rtx-4080": {
    model: "google/gemma-3-1b-it",
    maxModelLen: 8192,
    gpu: "NVIDIA GeForce RTX 4080",
    speed: { fixedMs: 15.4, prefillMsPerToken: 0.03, decodeMsPerSeq: 0.3 },
    maxNumSeqs: 256,
    maxNumBatchedTokens: 8192,
    kvCacheTokens: 420_000,
    blockSize: 16,
    template: { base: 4, perMessage: 4 },
    stopReason: 106,
    answers: {
      candidateTokens: 260,
      proseTokens: 220,
      prose: 0.02,
      fenced: 0.2,
      missingField: 0.03,
      wrongEnum: 0.02,
      overlong: 0.01,
      correct: 0.6,
      lenient: 0.75,
      thinking: "none",
      thinkTokens: 0,
      dimensions: 5,
      indent: 2,
    },
  },
  "gemma-3-4b@rtx-4080": {
    model: "google/gemma-3-4b-it",
    maxModelLen: 8192,
    gpu: "NVIDIA GeForce RTX 4080",
    speed: { fixedMs: 22, prefillMsPerToken: 0.08, decodeMsPerSeq: 0.545 },
    maxNumSeqs: 256,
    maxNumBatchedTokens: 8192,
    kvCacheTokens: 42_000,
    blockSize: 16,
    template: { base: 4, perMessage: 4 },
    stopReason: 106,
    answers: {
      candidateTokens: 302,
      proseTokens: 240,
      ...NO_DEFECTS,
      fenced: 0.05,
      missingField: 0.01,
      overlong: 0.005,
      correct: 0.85,
      lenient: 0.5,
      thinking: "none",
      thinkTokens: 0,
      dimensions: 5,
      indent: 2,
    },
  },
  "gemma-3-12b@rtx-4080": {
    model: "google/gemma-3-12b-it",
    maxModelLen: 4096,
    gpu: "NVIDIA GeForce RTX 4080",
    speed: { fixedMs: 46, prefillMsPerToken: 0.25, decodeMsPerSeq: 1.5 },
    maxNumSeqs: 256,
    maxNumBatchedTokens: 8192,
    kvCacheTokens: 12_288,
    blockSize: 16,
    template: { base: 4, perMessage: 4 },
    stopReason: 106,
    answers: {
      candidateTokens: 330,
      proseTokens: 260,
      ...NO_DEFECTS,
      fenced: 0.02,
      correct: 0.9,
      lenient: 0.4,
      thinking: "none",
      thinkTokens: 0,
      dimensions: 5,
      indent: 2,
    },
  },
  "qwen3-4b@rtx-4080": {
    model: "Qwen/Qwen3-4B",
    maxModelLen: 8192,
    gpu: "NVIDIA GeForce RTX 4080",
    speed: { fixedMs: 46, prefillMsPerToken: 0.09, decodeMsPerSeq: 0.7 },
    maxNumSeqs: 256,
    maxNumBatchedTokens: 8192,
    kvCacheTokens: 37_000,
    blockSize: 16,
    template: { base: 9, perMessage: 5 },
    stopReason: null,
    toolCallParser: "hermes",
    answers: {
      candidateTokens: 285,
      proseTokens: 260,
      ...NO_DEFECTS,
      missingField: 0.01,
      wrongEnum: 0.01,
      overlong: 0.01,
      correct: 0.9,
      lenient: 0.4,
      thinking: "think-inline",
      thinkTokens: 100,
      dimensions: 5,
      indent: 0,
    },
  },
  "qwen3-4b-reasoning-parser@rtx-4080": {
    model: "Qwen/Qwen3-4B",
    maxModelLen: 8192,
    gpu: "NVIDIA GeForce RTX 4080",
    speed: { fixedMs: 46, prefillMsPerToken: 0.09, decodeMsPerSeq: 0.7 },
    maxNumSeqs: 256,
    maxNumBatchedTokens: 8192,
    kvCacheTokens: 37_000,
    blockSize: 16,
    template: { base: 9, perMessage: 5 },
    stopReason: null,
    toolCallParser: "hermes",
    answers: {
      candidateTokens: 285,
      proseTokens: 260,
      ...NO_DEFECTS,
      missingField: 0.01,
      wrongEnum: 0.01,
      overlong: 0.01,
      correct: 0.9,
      lenient: 0.4,
      thinking: "reasoning-field",
      thinkTokens: 100,
      dimensions: 5,
      indent: 0,
    },
  },
  /**
   * An LLM judge that grades from the truth it knows, with the noise and position bias below
   * (documented in the README). Its speed is Gemma 3 4B's; what it answers is not a real model's.
   */
  "judge@rtx-4080": {
    model: "tracker/simulated-judge",
    maxModelLen: 8192,
    gpu: "NVIDIA GeForce RTX 4080",
    speed: { fixedMs: 22, prefillMsPerToken: 0.08, decodeMsPerSeq: 0.545 },
    maxNumSeqs: 256,
    maxNumBatchedTokens: 8192,
    kvCacheTokens: 42_000,
    blockSize: 16,
    template: { base: 4, perMessage: 4 },
    stopReason: 106,
    answers: {
      candidateTokens: 302,
      proseTokens: 240,
      ...NO_DEFECTS,
      correct: 0.85,
      lenient: 0.5,
      thinking: "none",
      thinkTokens: 0,
      dimensions: 5,
      indent: 2,
    },
    judge: { noise: 0.05, scoreNoise: 0.2, positionBias: 0.15 },
  },
} satisfies Record<string, SimProfile>;

export type ProfileName = keyof typeof PROFILES;
export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

export function isProfileName(name: string): name is ProfileName {
  return Object.hasOwn(PROFILES, name);
}
