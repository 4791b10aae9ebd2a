import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { captureEnvironment, captureEnvironmentWithGpus, trackerVersion } from "../../data-loaders/run/environment.ts";
import { manifestSchema } from "../../data-loaders/store/schemas/manifest.ts";
import { PROJECT } from "../helpers/temp.ts";

describe("environment", () => {
  it("reads the tracker version from package.json", () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT, "package.json"), "utf8")) as { version: string };
    expect(trackerVersion()).toBe(pkg.version);
    expect(trackerVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("records machine, checkout and GPU facts in the manifest's shape", async () => {
    const env = await captureEnvironmentWithGpus();
    expect(manifestSchema.shape.environment.parse(env)).toEqual(env);
    expect(env.node).toBe(process.version);
    expect(env.host.length).toBeGreaterThan(0);
    expect(env).toMatchObject({ ...captureEnvironment() });
    // This machine has no nvidia-smi: GPUs are unknown (null), not an empty list.
    const hasNvidiaSmi = (process.env.PATH ?? "").split(":").some((d) => {
      try {
        readFileSync(join(d, "nvidia-smi"));
        return true;
      } catch {
        return false;
      }
    });
    if (!hasNvidiaSmi) expect(env.gpus).toBeNull();
    else expect(Array.isArray(env.gpus)).toBe(true);
  });
});
