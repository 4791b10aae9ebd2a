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
  /** Added to the candidate's quality score before it is mapped to a recommendation. */
  leniency: number;
  /** Thinking before the answer: none, an inline `<think>` block, or vLLM's `reasoning` field. */
  thinking: "none" | "think-inline" | "reasoning-field";
  /** Mean tokens of the thinking part (counted in completion_tokens). */
  thinkTokens: number;
  /** How many of the five dimensions the analysis covers (small models skip some). */
  dimensions: number;
  /** JSON indentation (0 = one line). */
  indent: number;
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
  answers: AnswerStyle;
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
      leniency: 0.04,
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
      leniency: 0.06,
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
      leniency: 0,
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
      leniency: -0.03,
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
    answers: {
      candidateTokens: 285,
      proseTokens: 260,
      ...NO_DEFECTS,
      missingField: 0.01,
      wrongEnum: 0.01,
      overlong: 0.01,
      leniency: -0.02,
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
    answers: {
      candidateTokens: 285,
      proseTokens: 260,
      ...NO_DEFECTS,
      missingField: 0.01,
      wrongEnum: 0.01,
      overlong: 0.01,
      leniency: -0.02,
      thinking: "reasoning-field",
      thinkTokens: 100,
      dimensions: 5,
      indent: 0,
    },
  },
} satisfies Record<string, SimProfile>;

export type ProfileName = keyof typeof PROFILES;
export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

export function isProfileName(name: string): name is ProfileName {
  return Object.hasOwn(PROFILES, name);
}
