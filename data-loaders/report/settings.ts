// Report settings an experiment file holds outside its spec hash (prices, GPU $/hour, how to
// publish answers, the agreement field). They are read from `experiments/<id>.ts` itself, since
// manifests and the index store only the hashed spec. A file that is missing or does not load
// gives the defaults (the experiment page shows the validation error from the index).
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { memoised } from "./memo.ts";

export type PublishAnswers = "full" | "truncated" | "hashed";

export interface Price {
  label: string;
  inputPerMTok: number;
  outputPerMTok: number;
}

export interface ReportSettings {
  prices: Price[];
  gpuDollarsPerHour: number | null;
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
 * The settings of `experiments/<id>.ts`, memoised by the file's content and the experiment
 * loading code (loading a file costs about a second, and every loader needs the settings).
 */
export async function reportSettings(experimentsDir: string, id: string): Promise<ReportSettings> {
  const path = join(experimentsDir, `${id}.ts`);
  const file: FileSettings = existsSync(path)
    ? await memoised(`settings/${id}.${settingsKey(path)}.json`, () => loadSettings(path))
    : { prices: [], gpuDollarsPerHour: null, agreementField: null, publish: null };
  return { ...file, publish: publishMode(file.publish ?? undefined) };
}

function settingsKey(path: string): string {
  const code = resolve(import.meta.dirname, "../experiment");
  const hash = createHash("sha256").update(readFileSync(path));
  for (const name of ["schema.ts", "load.ts"]) hash.update(readFileSync(join(code, name)));
  return hash.digest("hex").slice(0, 16);
}

async function loadSettings(path: string): Promise<FileSettings> {
  const { loadExperiment } = await import("../experiment/load.ts");
  let spec: Awaited<ReturnType<typeof loadExperiment>>["spec"] | null;
  try {
    spec = (await loadExperiment(path)).spec;
  } catch {
    spec = null; // the experiment page shows the validation error from the index
  }
  return {
    prices: spec?.prices ?? [],
    gpuDollarsPerHour: spec?.gpuDollarsPerHour ?? null,
    agreementField: spec?.quality?.agreementField ?? null,
    publish: spec?.publish?.answers ?? null,
  };
}
