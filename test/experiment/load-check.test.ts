// The load check: experiment files are first loaded in a worker thread, each with a time limit,
// so a file that hangs, exits or throws later cannot stop the tracker or the other files.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkLoads, loadTimeLimitS } from "../../data-loaders/experiment/load-check.ts";
import { tempDir } from "../helpers/temp.ts";

describe("checkLoads", () => {
  const tmp = tempDir("load-check");
  afterAll(() => tmp.cleanup());
  const file = (name: string, source: string) => {
    const path = join(tmp.dir, name);
    writeFileSync(path, source);
    return path;
  };

  it("reports each file's problem in order; a new thread checks the files after one that hangs", async () => {
    const files = [
      file("a.ts", "export default { n: 1 };\n"),
      file("b.ts", "for (;;) {}\nexport default {};\n"),
      file("c.ts", "await new Promise(() => {});\nexport default {};\n"),
      file("c2.ts", "await new Promise(() => setInterval(() => {}, 1000));\nexport default {};\n"),
      file("d.ts", "setTimeout(() => { throw new Error('late failure'); }, 0);\nexport default {};\n"),
      file("e.ts", "export const x = 1;\n"),
      file("f.ts", "console.log('printed once, by the tracker');\nexport default { n: 2 };\n"),
    ];
    const started = performance.now();
    const problems = await checkLoads(files, 1.5);
    expect(problems).toEqual([
      null,
      "did not finish loading within 1.5 s (an endless loop, or an await that never settles?)",
      "did not finish loading: it awaits a Promise that nothing is left to settle",
      "did not finish loading within 1.5 s (an endless loop, or an await that never settles?)",
      "failed while loading: late failure",
      "no default export: write `export default defineExperiment({...})`",
      null,
    ]);
    expect(performance.now() - started).toBeGreaterThan(3000); // both hung files waited for their limit
  });

  it("reads the limit from TRACKER_LOAD_TIMEOUT_S and rejects a value that is not a duration", () => {
    const saved = process.env.TRACKER_LOAD_TIMEOUT_S;
    try {
      delete process.env.TRACKER_LOAD_TIMEOUT_S;
      expect(loadTimeLimitS()).toBe(10);
      process.env.TRACKER_LOAD_TIMEOUT_S = "2.5";
      expect(loadTimeLimitS()).toBe(2.5);
      process.env.TRACKER_LOAD_TIMEOUT_S = "soon";
      expect(() => loadTimeLimitS()).toThrow(
        "TRACKER_LOAD_TIMEOUT_S=soon: expected a number of seconds, more than 0 and at most 3600",
      );
    } finally {
      if (saved === undefined) delete process.env.TRACKER_LOAD_TIMEOUT_S;
      else process.env.TRACKER_LOAD_TIMEOUT_S = saved;
    }
  });
});
