// `results/experiments.json`, the index of every experiment file the site lists: read, written
// (atomically: a temp file, then rename) and its entries built here, in `indexEntry`, for every
// kind of experiment (planned, recorded, invalid, and the fallback before anything ran).
import { redactJson } from "../server/url.ts";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { experimentFileIds, listRuns, readJson, toStderr, type RunFolder, type Warn } from "./folders.ts";
import { INDEX_FILE } from "./layout.ts";
import {
  experimentIndexSchema,
  type ExperimentEntry,
  type ExperimentIndex,
  type ExperimentState,
} from "./schemas/experiment-index.ts";

/** What an index entry is built from; what is left out is unknown (null) or the id. */
export interface EntryFacts {
  id: string;
  state: ExperimentState;
  /** The experiment file, default `<id>.ts`. */
  file?: string;
  /** Default: the id. */
  title?: string;
  notes?: string;
  specHash?: string | null;
  /** The run the site shows. */
  shown?: RunFolder | null;
  spec?: Record<string, unknown> | null;
  simulated?: boolean;
  model?: string | null;
  /** Validation or run failure message. */
  error?: string | null;
  grid?: ExperimentEntry["grid"];
  cell?: ExperimentEntry["cell"];
  /** Shard runs of the current spec not yet merged. */
  shards?: RunFolder[];
}

/** The one place an experiment-index entry is built. */
export function indexEntry(facts: EntryFacts): ExperimentEntry {
  return {
    id: facts.id,
    file: facts.file ?? `${facts.id}.ts`,
    title: facts.title ?? facts.id,
    notes: facts.notes ?? "",
    state: facts.state,
    spec_hash: facts.specHash ?? null,
    run_id: facts.shown?.runId ?? null,
    spec: facts.spec ?? null,
    simulated: facts.simulated ?? false,
    model: facts.model ?? null,
    error: facts.error ?? null,
    ...(facts.grid ? { grid: facts.grid } : {}),
    ...(facts.cell ? { cell: facts.cell } : {}),
    ...(facts.shards?.length
      ? {
          shards: facts.shards.map((r) => ({
            run_id: r.runId,
            index: r.manifest.shard!.index,
            count: r.manifest.shard!.count,
            status: r.manifest.status,
          })),
        }
      : {}),
  };
}

/** `results/experiments.json`, or null when it is missing (nothing run yet) or unreadable. */
export function readExperimentIndex(dir: string, warn: Warn = toStderr): ExperimentIndex | null {
  const path = join(dir, INDEX_FILE);
  if (!existsSync(path)) return null;
  const parsed = experimentIndexSchema.safeParse(readJson(path, warn));
  // Redacted on reading too: a store written before URLs were redacted shows no key either.
  if (parsed.success) return redactJson(parsed.data);
  warn(`${path} does not match the experiment index format; ignored (${parsed.error.issues[0]?.message})`);
  return null;
}

/** Writes `results/experiments.json` with these entries (validated first); returns what it wrote. */
export function writeExperimentIndexFile(dir: string, experiments: ExperimentEntry[]): ExperimentIndex {
  const index = experimentIndexSchema.parse(redactJson({ generated_at: new Date().toISOString(), experiments }));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, INDEX_FILE);
  writeFileSync(path + ".tmp", JSON.stringify(index, null, 2) + "\n");
  renameSync(path + ".tmp", path);
  return index;
}

/**
 * The experiments the site lists: the index written by the runner, or, before anything ran,
 * one pending entry per `experiments/*.ts` file showing its latest run folder if there is one.
 */
export function experimentEntries(dir: string, experimentsDir: string, warn: Warn = toStderr): ExperimentEntry[] {
  const index = readExperimentIndex(dir, warn);
  if (index) return index.experiments;
  const runs = listRuns(dir, warn);
  return experimentFileIds(experimentsDir).map((id) => {
    const latest = runs.filter((r) => r.experimentId === id).at(-1) ?? null;
    return indexEntry({
      id,
      state: "pending",
      specHash: latest?.manifest.spec_hash,
      shown: latest,
      spec: latest?.manifest.spec,
      simulated: latest?.manifest.source === "simulated",
      model: latest?.manifest.server.model,
    });
  });
}
