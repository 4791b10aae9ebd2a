// A small results store shared by the store and metrics tests: experiment files alpha and zeta;
// run alpha/r1 with four rows (one failed), a failed run alpha/r0 without rows, and malformed
// folders and foreign files that readers must report and skip.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeManifest, makeRow, writeRun } from "../site/fixture-store.ts";

export const BASE = { run_id: "r1", experiment_id: "alpha" } as const;
export const ROWS = [
  makeRow({
    ...BASE,
    request_index: 0,
    prompt_id: "a",
    sent_ms: 0,
    done_ms: 100,
    e2e_ms: 100,
    ttft_ms: 10,
    prompt_tokens: 10,
    completion_tokens: 5,
    itl_ms: [1.5, 2.5],
    answer: "first",
  }),
  makeRow({
    ...BASE,
    request_index: 1,
    prompt_id: "b",
    sent_ms: 5,
    done_ms: 205,
    e2e_ms: 200,
    ttft_ms: 20,
    prompt_tokens: 20,
    completion_tokens: 10,
    finish_reason: "length",
    answer: "second",
  }),
  makeRow({
    ...BASE,
    request_index: 2,
    prompt_id: "c",
    status: "error",
    error_class: "timeout",
    http_status: null,
    error_message: "timed out",
    finish_reason: null,
    sent_ms: 9,
  }),
  makeRow({
    ...BASE,
    request_index: 3,
    prompt_id: "a",
    sent_ms: 12,
    done_ms: 412,
    e2e_ms: 400,
    ttft_ms: 40,
    prompt_tokens: 40,
    completion_tokens: 20,
    answer: "fourth",
  }),
];

export interface StoreFixture {
  root: string;
  /** The results folder. */
  dir: string;
  experimentsDir: string;
  /** alpha/r1's requests.parquet (ROWS). */
  requestsPath: string;
  cleanup: () => void;
}

export async function writeStoreFixture(): Promise<StoreFixture> {
  const root = mkdtempSync(join(tmpdir(), "tracker-store-"));
  const dir = join(root, "results");
  const experimentsDir = join(root, "experiments");
  mkdirSync(experimentsDir);
  for (const id of ["alpha", "zeta"]) writeFileSync(join(experimentsDir, `${id}.ts`), "export default {};\n");

  const runDir = await writeRun(dir, makeManifest({ ...BASE, started_at: "2026-01-02T00:00:00.000Z" }), ROWS);
  await writeRun(
    dir,
    makeManifest({ run_id: "r0", experiment_id: "alpha", status: "failed", started_at: "2026-01-01T00:00:00.000Z" }),
    null,
  );
  // Malformed: no manifest, a manifest that is not JSON, one that fails the schema, one naming
  // another run, and foreign files at both levels.
  mkdirSync(join(dir, "alpha", "no-manifest"));
  mkdirSync(join(dir, "alpha", "garbled"));
  writeFileSync(join(dir, "alpha", "garbled", "manifest.json"), "{not json");
  mkdirSync(join(dir, "alpha", "wrong-shape"));
  writeFileSync(join(dir, "alpha", "wrong-shape", "manifest.json"), JSON.stringify({ run_id: "wrong-shape" }));
  mkdirSync(join(dir, "alpha", "moved"));
  writeFileSync(
    join(dir, "alpha", "moved", "manifest.json"),
    JSON.stringify(makeManifest({ run_id: "other", experiment_id: "alpha" })),
  );
  writeFileSync(join(dir, "alpha", "notes.txt"), "hello");
  writeFileSync(join(dir, "README"), "stray");
  writeFileSync(join(dir, ".lock"), "");
  return {
    root,
    dir,
    experimentsDir,
    requestsPath: join(runDir, "requests.parquet"),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
