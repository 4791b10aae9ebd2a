// Report settings an experiment file holds outside its spec hash (prices, GPU $/hour, how to
// publish answers, the agreement field). They are read from `experiments/<id>.ts` itself, since
// manifests and the index store only the hashed spec. A file that is missing or does not load
// gives the defaults (the experiment page shows the validation error from the index).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { memoised, settingsMemoName } from "../site/cache.ts";

export type PublishAnswers = "full" | "truncated" | "hashed";

export interface Price {
  label: string;
  inputPerMTok: number;
  outputPerMTok: number;
}

export interface ReportSettings {
  prices: Price[];
  gpuDollarsPerHour: number | null;
  /** Electricity $/kWh (experiment `electricityPerKWh`), for the energy cost of runs with GPU power samples. */
  electricityPerKWh: number | null;
  agreementField: string | null;
  publish: PublishAnswers;
}

export const PUBLISH_ENV = "TRACKER_PUBLISH_ANSWERS";

/**
 * How answers and prompts are published: `$TRACKER_PUBLISH_ANSWERS` (for a shared report build)
 * overrides the experiment's `publish.answers`; default "full".
 */
export function publishMode(
  fromSpec: PublishAnswers | undefined,
  env: NodeJS.ProcessEnv = process.env,
): PublishAnswers {
  const value = env[PUBLISH_ENV];
  if (value === undefined || value === "") return fromSpec ?? "full";
  if (value === "full" || value === "truncated" || value === "hashed") return value;
  throw new Error(`${PUBLISH_ENV}: expected "full", "truncated" or "hashed", got ${JSON.stringify(value)}`);
}

type FileSettings = Omit<ReportSettings, "publish"> & { publish: PublishAnswers | null };

/**
 * The settings of `experiments/<id>.ts` (for a grid cell, `id` is its experiment's: the settings
 * are the file's), memoised by the file's code and this module's (loading a
 * file costs about a second, and every loader needs the settings; keys in site/cache.ts).
 */
export async function reportSettings(experimentsDir: string, id: string): Promise<ReportSettings> {
  const path = join(experimentsDir, `${id}.ts`);
  const file: FileSettings = existsSync(path)
    ? await memoised(settingsMemoName(id, path), () => loadSettings(path))
    : { prices: [], gpuDollarsPerHour: null, electricityPerKWh: null, agreementField: null, publish: null };
  return { ...file, publish: publishMode(file.publish ?? undefined) };
}

async function loadSettings(path: string): Promise<FileSettings> {
  const { loadExperimentCells } = await import("../experiment/load.ts");
  // An invalid file gives the defaults: the experiment page shows the validation error from the index.
  // The settings are the same for every cell of a grid (schema.ts GRID_FIXED_FIELDS).
  const spec = await loadExperimentCells(path).then(
    (cells) => cells[0]!.spec,
    () => null,
  );
  return {
    prices: spec?.prices ?? [],
    gpuDollarsPerHour: spec?.gpuDollarsPerHour ?? null,
    electricityPerKWh: spec?.electricityPerKWh ?? null,
    agreementField: spec?.quality?.agreementField ?? null,
    publish: spec?.publish?.answers ?? null,
  };
}
