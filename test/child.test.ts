// Running the tracker's own Node programs (data-loaders/child.ts): output captured, and a child
// started `nice` yields the cores (the site build's downloads beside its digests and loaders).
import { writeFileSync } from "node:fs";
import { getPriority } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { runNode } from "../data-loaders/child.ts";
import { tempDir } from "./helpers/temp.ts";

describe("runNode", () => {
  const tmp = tempDir("child");
  afterAll(() => tmp.cleanup());
  const script = join(tmp.dir, "priority.mjs");
  writeFileSync(script, `import { getPriority } from "node:os"; process.stdout.write(String(getPriority()));`);

  test("a child started nice runs at this process's niceness plus that much (at most 19)", async () => {
    const own = getPriority();
    expect((await runNode(script, { stdout: "capture" })).stdout).toBe(String(own));
    expect((await runNode(script, { stdout: "capture", nice: 5 })).stdout).toBe(String(Math.min(19, own + 5)));
  });
});
