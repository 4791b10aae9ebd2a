// `results/experiments.json`: written by `tracker run` / `npm run build` after planning and
// running; the site reads it to list every experiment file, including pending and failed ones.
// Read, written and its entries built by store/index.ts only.
import { z } from "zod";

const EXPERIMENT_STATES = ["fresh", "stale", "pending", "failed", "partial", "invalid", "removed"] as const;
const axisValue = z.union([z.string(), z.number()]);
export const experimentIndexSchema = z.object({
  generated_at: z.string(),
  experiments: z.array(
    z.object({
      id: z.string(),
      file: z.string(),
      title: z.string(),
      notes: z.string(),
      /** fresh: a complete run matches the current spec (every repeat; for a grid, every cell); stale: only runs of an older spec; pending: no run; failed: the latest run of this spec failed; partial: a run of this spec stopped early and is resumed by the next `tracker run` (for a grid: some cells are done); invalid: the file does not validate; removed: a grid cell no longer in the file, kept with its stored runs. */
      state: z.enum(EXPERIMENT_STATES),
      spec_hash: z.string().nullable(),
      /** The run the site shows: latest complete run of the current spec, else the latest run. */
      run_id: z.string().nullable(),
      /** The resolved spec (as in the manifest), null when invalid. */
      spec: z.record(z.string(), z.unknown()).nullable(),
      simulated: z.boolean(),
      model: z.string().nullable(),
      /** Validation or run failure message. */
      error: z.string().nullable(),
      /** An experiment with a grid: its axes and cells (each cell also has an entry of its own, with `cell`). */
      grid: z
        .object({
          axes: z.array(z.object({ name: z.string(), values: z.array(axisValue) })),
          cells: z.array(
            z.object({
              id: z.string(),
              key: z.string(),
              state: z.enum(EXPERIMENT_STATES),
              run_id: z.string().nullable(),
            }),
          ),
        })
        .optional(),
      /**
       * Shard runs of the current spec (`tracker run <id> --shard i/n`, in results/.shards/) not yet
       * merged: listed, never shown as the experiment's figures, until `tracker merge` joins them.
       */
      shards: z
        .array(
          z.object({
            run_id: z.string(),
            index: z.number().int(),
            count: z.number().int(),
            status: z.string(),
          }),
        )
        .optional(),
      /** A cell of a grid: the experiment (file and results folder) and its value on each axis. */
      cell: z.object({ experiment: z.string(), key: z.string(), axes: z.record(z.string(), axisValue) }).optional(),
    }),
  ),
});
export type ExperimentIndex = z.infer<typeof experimentIndexSchema>;
export type ExperimentEntry = ExperimentIndex["experiments"][number];
export type ExperimentState = (typeof EXPERIMENT_STATES)[number];
