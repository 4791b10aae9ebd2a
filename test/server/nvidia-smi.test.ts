import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NVIDIA_SMI_ARGS, parseNvidiaSmi, queryGpus } from "../../data-loaders/server/nvidia-smi.ts";
import { tempDir } from "../helpers/temp.ts";

// Recorded output of `nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv,noheader,nounits`.
const ONE_GPU = "NVIDIA GeForce RTX 4080, 550.54.14, 16376, 1021\n";
const TWO_GPUS = "NVIDIA A100-SXM4-80GB, 535.129.03, 81920, 4\r\nNVIDIA A100-SXM4-80GB, 535.129.03, 81920, 71234\r\n";

describe("parseNvidiaSmi", () => {
  it("reads one line per GPU", () => {
    expect(parseNvidiaSmi(ONE_GPU)).toEqual([
      { name: "NVIDIA GeForce RTX 4080", driver: "550.54.14", memory_total_mib: 16376, memory_used_mib: 1021 },
    ]);
    expect(parseNvidiaSmi(TWO_GPUS).map((g) => [g.name, g.memory_used_mib])).toEqual([
      ["NVIDIA A100-SXM4-80GB", 4],
      ["NVIDIA A100-SXM4-80GB", 71234],
    ]);
    expect(parseNvidiaSmi("")).toEqual([]);
  });

  it("names the line and field of a value it cannot read", () => {
    expect(() => parseNvidiaSmi("NVIDIA A100, 535.1, [N/A], 3\n")).toThrow(/line 1: memory.total is "\[N\/A\]"/);
    expect(() => parseNvidiaSmi(ONE_GPU + "garbage\n")).toThrow(/line 2: expected 4 fields/);
  });
});

describe("queryGpus", () => {
  const tmp = tempDir("nvidia-smi");
  afterAll(() => tmp.cleanup());

  it("is null when nvidia-smi is absent", async () => {
    expect(await queryGpus({ command: join(tmp.dir, "no-such-nvidia-smi") })).toBeNull();
  });

  it("runs the command with the query arguments and parses its output", async () => {
    const fake = join(tmp.dir, "fake-nvidia-smi");
    writeFileSync(
      fake,
      `#!/bin/sh\n[ "$*" = "${NVIDIA_SMI_ARGS.join(" ")}" ] || exit 3\nprintf '${ONE_GPU.trim()}\\n'\n`,
    );
    chmodSync(fake, 0o755);
    expect(await queryGpus({ command: fake })).toEqual(parseNvidiaSmi(ONE_GPU));
  });

  it("is null, with the reason logged, when the command fails", async () => {
    const failing = join(tmp.dir, "failing-nvidia-smi");
    writeFileSync(
      failing,
      '#!/bin/sh\necho "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver."\nexit 9\n',
    );
    chmodSync(failing, 0o755);
    const lines: string[] = [];
    expect(await queryGpus({ command: failing, log: (l) => lines.push(l) })).toBeNull();
    expect(lines[0]).toMatch(/nvidia-smi failed/);
  });
});
