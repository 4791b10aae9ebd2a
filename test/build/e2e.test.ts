// End to end, as a user runs it: `tracker build` (what `npm run build` calls) in a throw-away copy
// of the project, with one simulated experiment and one pointed at a URL server that needs an API
// key. Checks the site, the store, and that the key never reaches a file or a log.
import { spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../data-loaders/sim/simulator.ts";
import { PROJECT, smallSpec, writeExperiment } from "../helpers/temp.ts";

const KEY = "sk-e2e-secret-7f3a9c1d5e";
const KEY_ENV = "TRACKER_TEST_API_KEY";

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe("npm run build, end to end", () => {
  let sim: Simulator;
  let root: string;
  let log = "";
  let code: number | null = null;

  beforeAll(async () => {
    sim = await startSimulator({ profile: "gemma-3-1b@rtx-4080", speedup: 50, apiKey: KEY });
    root = mkdtempSync(join(tmpdir(), "tracker-e2e-"));
    cpSync(join(PROJECT, "src"), join(root, "src"), { recursive: true, filter: (s) => !s.includes(".observablehq") });
    for (const file of ["observablehq.config.ts", "package.json"]) cpSync(join(PROJECT, file), join(root, file));
    for (const dir of ["node_modules", "data-loaders"]) symlinkSync(join(PROJECT, dir), join(root, dir));
    mkdirSync(join(root, "experiments"));
    writeExperiment(root, "local", smallSpec({ requests: 12 }));
    // The same shape as a simulated experiment; only `server` differs, as for a real vLLM server.
    writeExperiment(
      root,
      "remote",
      smallSpec({ requests: 12 }).replace(
        /server: \{[^}]*\}/,
        `server: { url: "${sim.url}/v1", model: "${sim.model}", apiKeyEnv: "${KEY_ENV}" }`,
      ),
    );
    // Asynchronous: the simulator answers from this process while the build runs.
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "data-loaders/cli.ts"), "build"], {
      cwd: root,
      env: {
        ...process.env,
        [KEY_ENV]: KEY,
        TRACKER_RESULTS: undefined,
        TRACKER_EXPERIMENTS: undefined,
        OBSERVABLE_TELEMETRY_DISABLE: "1",
      },
    });
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    code = await new Promise((resolve) => child.on("exit", resolve));
  }, 240_000);

  afterAll(async () => {
    await sim?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("runs both experiments and builds a page for each", () => {
    expect(code, log).toBe(0);
    expect(log).toContain("2 to run, 0 fresh");
    for (const page of ["index.html", "experiments/local.html", "experiments/remote.html"])
      expect(existsSync(join(root, "dist", page)), page).toBe(true);
    const index = JSON.parse(readFileSync(join(root, "results/experiments.json"), "utf8"));
    const byId = Object.fromEntries(index.experiments.map((e: { id: string }) => [e.id, e]));
    expect(byId.local).toMatchObject({ state: "fresh", simulated: true });
    expect(byId.remote).toMatchObject({ state: "fresh", simulated: false });
  });

  it("the built site loads nothing from another host", () => {
    // References that make a browser fetch: src/href attributes, imports, CSS url(), fetch().
    // (Prose may mention a URL, e.g. the guide's example server.)
    const reference =
      /(?:src|href)=["'](https?:\/\/[^"']+)|(?:import|from)\s*\(?\s*["'](https?:\/\/[^"']+)|url\(\s*["']?(https?:\/\/[^"')]+)|fetch\(\s*["'](https?:\/\/[^"']+)/g;
    const allowed = /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/;
    const checked = files(join(root, "dist")).filter((f) => /\.(html|js|css)$/.test(f));
    expect(checked.length).toBeGreaterThan(5);
    for (const file of checked) {
      const urls = [...readFileSync(file, "utf8").matchAll(reference)].map((m) => m.slice(1).find(Boolean)!);
      expect(
        urls.filter((u) => !allowed.test(u)),
        file,
      ).toEqual([]);
    }
  });

  it("never writes the API key to results, the site or the log", () => {
    expect(log).not.toContain(KEY);
    const written = [
      ...files(join(root, "results")),
      ...files(join(root, "dist")),
      ...files(join(root, "src/.observablehq/cache")),
    ];
    expect(written.length).toBeGreaterThan(10);
    for (const file of written) expect(readFileSync(file).includes(KEY), file).toBe(false);
  });
});
