// Report settings: read from the experiment file (outside the spec hash), memoised, and the
// publish mode overridable by an environment variable.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { PUBLISH_ENV, publishMode, reportSettings } from "../../data-loaders/report/settings.ts";
import { tempDir, writeExperiment } from "../helpers/temp.ts";

const temp = tempDir("settings");
process.env.TRACKER_DIGEST_CACHE = join(temp.dir, "memo");
afterAll(() => temp.cleanup());

const SPEC = (extra: string) => `{
  title: "t",
  server: { simulate: "gemma-3-4b@rtx-4080" },
  workload: { prompts: { inline: [{ id: "a", prompt: "hi" }] }, maxTokens: 8, temperature: 0, seed: 1 },
  requests: 2,
  load: { concurrency: 1 },
  ${extra}
}`;

describe("reportSettings", () => {
  test("reads prices, GPU $/hour, electricity $/kWh, the agreement field and the publish mode", async () => {
    const dir = join(temp.dir, "experiments");
    writeExperiment(
      temp.dir,
      "priced",
      SPEC(`quality: { schema: z.object({ r: z.string() }), agreementField: "r" },
      prices: [{ label: "api", inputPerMTok: 1, outputPerMTok: 2 }], gpuDollarsPerHour: 0.5, electricityPerKWh: 0.31, publish: { answers: "hashed" },`),
    );
    expect(await reportSettings(dir, "priced")).toEqual({
      prices: [{ label: "api", inputPerMTok: 1, outputPerMTok: 2 }],
      gpuDollarsPerHour: 0.5,
      electricityPerKWh: 0.31,
      agreementField: "r",
      publish: "hashed",
    });
  });

  test("gives defaults for a missing or invalid file, and sees an edited file", async () => {
    const dir = join(temp.dir, "experiments");
    expect(await reportSettings(dir, "missing")).toEqual({
      prices: [],
      gpuDollarsPerHour: null,
      electricityPerKWh: null,
      agreementField: null,
      publish: "full",
    });
    const file = writeExperiment(temp.dir, "edited", SPEC(`gpuDollarsPerHour: 1,`));
    expect((await reportSettings(dir, "edited")).gpuDollarsPerHour).toBe(1);
    writeFileSync(file, "export default { title: 3 };\n");
    expect(await reportSettings(dir, "edited")).toMatchObject({ gpuDollarsPerHour: null, publish: "full" });
  });

  test("the environment overrides the file's publish mode; a bad value is an error naming the variable", () => {
    expect(publishMode("full", { [PUBLISH_ENV]: "truncated" })).toBe("truncated");
    expect(publishMode("hashed", {})).toBe("hashed");
    expect(publishMode(undefined, {})).toBe("full");
    expect(() => publishMode(undefined, { [PUBLISH_ENV]: "redacted" })).toThrow(PUBLISH_ENV);
  });
});
