// The site's fixture store (test/site/fixture-store.ts) in a scratch folder inside the project
// (so the experiment files resolve zod from node_modules), with its own digest memo, for the
// page-data tests of data-loaders/report/pages/.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { StoreDirs } from "../../../data-loaders/report/store.ts";
import { buildSiteFixture, writeSiteExperiments } from "../../site/fixture-store.ts";

const PROJECT = resolve(import.meta.dirname, "../../..");

export interface FixtureStore {
  dirs: Required<StoreDirs>;
  remove(): void;
}

/** Writes the fixture store and points the digest memo at the scratch folder until `remove`. */
export async function fixtureStore(): Promise<FixtureStore> {
  mkdirSync(join(PROJECT, ".tmp"), { recursive: true });
  const root = mkdtempSync(join(PROJECT, ".tmp", "report-pages-"));
  const dirs = { results: join(root, "results"), experiments: join(root, "experiments") };
  await buildSiteFixture(dirs.results);
  writeSiteExperiments(dirs.experiments, join(PROJECT, "data-loaders/experiment/schema.ts"));
  const memo = process.env.TRACKER_DIGEST_CACHE;
  const publish = process.env.TRACKER_PUBLISH_ANSWERS;
  process.env.TRACKER_DIGEST_CACHE = join(root, "memo");
  delete process.env.TRACKER_PUBLISH_ANSWERS;
  return {
    dirs,
    remove() {
      if (memo === undefined) delete process.env.TRACKER_DIGEST_CACHE;
      else process.env.TRACKER_DIGEST_CACHE = memo;
      if (publish !== undefined) process.env.TRACKER_PUBLISH_ANSWERS = publish;
      rmSync(root, { recursive: true, force: true });
    },
  };
}
