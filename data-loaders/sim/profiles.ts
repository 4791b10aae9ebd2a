// Simulator profiles: a model on a GPU, described by the speed-model parameters.
// Calibration targets and sources are in README.md ("Simulator calibration").
export interface SimProfile {
  /** Model name the simulated server reports (`/v1/models` id and root). */
  model: string;
  /** max_model_len reported and enforced. */
  maxModelLen: number;
}

export const PROFILES = {
  "llama-3.2-1b@rtx-4080": { model: "meta-llama/Llama-3.2-1B-Instruct", maxModelLen: 8192 },
  "gemma-3-1b@rtx-4080": { model: "google/gemma-3-1b-it", maxModelLen: 8192 },
  "gemma-3-4b@rtx-4080": { model: "google/gemma-3-4b-it", maxModelLen: 8192 },
  "gemma-3-12b@rtx-4080": { model: "google/gemma-3-12b-it", maxModelLen: 4096 },
  "qwen3-4b@rtx-4080": { model: "Qwen/Qwen3-4B", maxModelLen: 8192 },
} satisfies Record<string, SimProfile>;

export type ProfileName = keyof typeof PROFILES;
export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];
