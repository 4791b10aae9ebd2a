// Running until precise, against the simulator: a run stops once the projection of its time for
// 200K requests is within the target, one with a target it cannot reach stops at its cap, and a
// run interrupted on the way resumes and goes on until precise. Each says why it stopped.
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { extrapolate } from "../../data-loaders/analysis/extrapolate.ts";
import { runExperiment } from "../../data-loaders/run/runner.ts";
import type { Progress } from "../../data-loaders/run/progress.ts";
import { readRows } from "../../data-loaders/store/columns.ts";
import { QUIET, loadSpec, simulatedSpec } from "../helpers/spec.ts";
import { tempDir } from "../helpers/temp.ts";

const tmp = tempDir("until");
afterAll(() => tmp.cleanup());
const results = join(tmp.dir, "results");

const spec = (relativeError: number, max: number) =>
  simulatedSpec({
    // slow enough that the machine's load does not dominate the window-to-window variation
    server: { simulate: "llama-3.2-1b@rtx-4080", speedup: 5 },
    requests: { until: { projection: 200_000, relativeError }, max, checkEvery: 25 },
    load: { concurrency: 8 },
  });

/** A progress that keeps its notes, and can abort the run after `abortAfter` requests. */
function recording(abortAfter = Infinity, abort?: AbortController) {
  const notes: string[] = [];
  let done = 0;
  const progress = (): Progress => ({
    tick() {
      if (++done >= abortAfter) abort?.abort();
    },
    stop() {},
    note: (text) => notes.push(text),
  });
  return { notes, progress };
}

describe("requests: { until, max }", () => {
  it("stops once the 95% interval of the projection is within the target", { timeout: 120_000 }, async () => {
    const exp = await loadSpec(tmp.dir, "precise", spec(0.2, 5000));
    const seen = recording();
    const { dir, manifest } = await runExperiment(exp, { resultsRoot: results, ...QUIET, progress: seen.progress });
    expect(manifest.status).toBe("complete");
    const until = manifest.until!;
    expect(until).toMatchObject({ projection: 200_000, relative_error: 0.2, max: 5000, stopped: "precise" });
    const at = until.last_check!;
    expect(at.precision!).toBeLessThanOrEqual(0.2);
    expect(at.lo!).toBeLessThan(at.seconds!);
    expect(at.hi!).toBeGreaterThan(at.seconds!);
    expect((at.seconds! - at.lo!) / at.seconds!).toBeLessThanOrEqual(0.2);
    expect((at.hi! - at.seconds!) / at.seconds!).toBeLessThanOrEqual(0.2);
    expect(manifest.reason).toBe(
      `precise: the 95% interval of the time for 200,000 requests is ±${(at.precision! * 100).toFixed(1)}% (target ±20.0%) after ${at.requests.toLocaleString("en-US")} requests (at most 5,000)`,
    );
    // it stopped well before the cap, and stored every request it sent
    expect(manifest.counts.done).toBeLessThan(5000);
    expect(manifest.counts.requests).toBe(manifest.counts.done);
    expect(manifest.counts.done).toBeGreaterThanOrEqual(at.requests);
    // after the check: those finished while it ran in its thread, and the 8 in flight when it said stop
    expect(manifest.counts.done - at.requests).toBeLessThan(60);
    const rows = await readRows(join(dir, "requests.parquet"), [
      "status",
      "sent_ms",
      "done_ms",
      "prompt_tokens",
      "completion_tokens",
    ] as const);
    expect(rows).toHaveLength(manifest.counts.done);
    // the check is the projection formula on the rows done by then (the first completions)
    const byCompletion = [...rows].sort((a, b) => a.done_ms! - b.done_ms!).slice(0, at.rows);
    const [p] = extrapolate(
      { runId: manifest.run_id, rows: byCompletion, concurrency: 8 },
      { counts: [200_000], replicates: 200 },
    );
    expect(p!.seconds / at.seconds! - 1).toBeCloseTo(0, 9);
    expect(Math.max(p!.seconds - p!.lo!, p!.hi! - p!.seconds) / p!.seconds).toBeLessThanOrEqual(0.2 + 0.02);
    // the progress line showed the precision and the requests still needed, then that it was precise
    for (const note of seen.notes)
      expect(note).toMatch(
        /^(precision: waiting for a steady state \(target ±20\.0%\)|200,000-request time ±\d+\.\d% \(target ±20\.0%\), (~[\d,]+ more needed|more than the [\d,]+ left|precise))$/,
      );
    expect(seen.notes.at(-1)).toMatch(/^200,000-request time ±\d+\.\d% \(target ±20\.0%\), precise$/);
    expect(until.checks).toBeGreaterThan(1);
  });

  it("stops at max when the target is out of reach, saying how precise it got", { timeout: 120_000 }, async () => {
    const exp = await loadSpec(tmp.dir, "capped", spec(0.001, 400));
    const { manifest } = await runExperiment(exp, { resultsRoot: results, ...QUIET });
    expect(manifest.status).toBe("complete");
    expect(manifest.counts).toMatchObject({ requests: 400, done: 400 });
    const until = manifest.until!;
    expect(until.stopped).toBe("max");
    expect(until.last_check!.requests).toBe(400);
    expect(until.last_check!.precision!).toBeGreaterThan(0.001);
    expect(manifest.reason).toMatch(
      /^reached requests\.max \(400\) before precise: the 95% interval of the time for 200,000 requests is ±\d+\.\d% \(target ±0\.1%\); about [\d,]+ more requests would reach it$/,
    );
  });

  it("resumes an interrupted run and goes on until precise", { timeout: 120_000 }, async () => {
    const exp = await loadSpec(tmp.dir, "resumed", spec(0.2, 5000));
    const abort = new AbortController();
    const first = await runExperiment(exp, {
      resultsRoot: results,
      ...QUIET,
      signal: abort.signal,
      graceMs: 2000,
      progress: recording(60, abort).progress,
    });
    expect(first.manifest.status).toBe("partial");
    expect(first.manifest.until!.stopped).toBeNull();
    const doneBefore = first.manifest.counts.done;
    const second = await runExperiment(exp, { resultsRoot: results, ...QUIET });
    expect(second.runId).toBe(first.runId);
    expect(second.manifest.status).toBe("complete");
    expect(second.manifest.until!.stopped).toBe("precise");
    expect(second.manifest.until!.last_check!.precision!).toBeLessThanOrEqual(0.2);
    expect(second.manifest.until!.last_check!.requests).toBeGreaterThan(doneBefore);
    expect(second.manifest.interruptions).toHaveLength(1);
    expect(second.manifest.reason).toMatch(/^precise: /);
  });
});
