// defineLoader (data-loaders/site/loader.ts): a loader module is a script Framework runs (its
// output on stdout, a failure as exit code 1) and, imported, a function without side effects.
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, test, vi } from "vitest";
import { routeParams, type Loader } from "../../data-loaders/site/loader.ts";
import { PROJECT, tempDir } from "../helpers/temp.ts";

const run = promisify(execFile);

describe("a loader module", () => {
  const scratch = tempDir("loader");
  afterAll(() => scratch.cleanup());
  const helper = pathToFileURL(join(PROJECT, "data-loaders/site/loader.ts")).href;
  const write = (path: string, body: string) => {
    const file = join(scratch.dir, path);
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(
      file,
      `import { defineLoader } from ${JSON.stringify(helper)};\n` +
        `export default defineLoader(import.meta, async (params) => {\n${body}\n});\n`,
    );
    return file;
  };
  const item = write("data/items/[id].json.ts", `return JSON.stringify({ id: params.id, cwd: process.cwd() });`);
  const bytes = write("data/bytes.bin.ts", `return new Uint8Array([0, 1, 2, 255]);`);
  const broken = write("data/broken.json.ts", `throw new Error("broken on purpose");`);
  const script = (file: string, ...args: string[]) =>
    run(process.execPath, ["--import", "tsx", file, ...args], { cwd: scratch.dir, encoding: "buffer" });

  test("run as a script: its output on stdout, text or bytes", async () => {
    const { stdout } = await script(item, "--id=alpha");
    expect(JSON.parse(stdout.toString())).toEqual({ id: "alpha", cwd: scratch.dir });
    expect([...(await script(bytes)).stdout]).toEqual([0, 1, 2, 255]);
  }, 60_000);

  test("run as a script, a failure is printed and exits with code 1; so does a missing parameter", async () => {
    const failure = (file: string) =>
      script(file).then(
        () => null,
        (e: { code: number; stderr: Buffer }) => ({ code: e.code, stderr: e.stderr.toString() }),
      );
    expect(await failure(broken)).toMatchObject({ code: 1, stderr: expect.stringMatching(/broken on purpose/) });
    expect(await failure(item)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/data\/items\/\[id\]\.json\.ts: --id=<id> is required/),
    });
  }, 60_000);

  test("imported: the function, and nothing written", async () => {
    const write = vi.spyOn(process.stdout, "write");
    try {
      const load = (await import(pathToFileURL(item).href)).default as Loader;
      expect(write).not.toHaveBeenCalled();
      expect(JSON.parse((await load({ id: "beta" })) as string)).toMatchObject({ id: "beta" });
      await expect(load({})).rejects.toThrow(/--id=<id> is required/);
      const fromBytes = (await import(pathToFileURL(bytes).href)).default as Loader;
      expect([...((await fromBytes({})) as Uint8Array)]).toEqual([0, 1, 2, 255]);
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });

  test("a route's parameters are the [name] parts of its path", () => {
    expect(routeParams("data/experiments/[id].json.ts")).toEqual(["id"]);
    expect(routeParams("data/downloads/[experiment]/[run].csv.ts")).toEqual(["experiment", "run"]);
    expect(routeParams("data/runs.json.ts")).toEqual([]);
  });
});
