// `npx tracker sim`: prints where it serves and stops on SIGINT.
import { describe, expect, it, vi } from "vitest";
import { freePort } from "../../data-loaders/server/http.ts";
import { runSimCommand } from "../../data-loaders/sim/command.ts";

describe("runSimCommand", () => {
  it("serves the profile until SIGINT", async () => {
    const port = await freePort();
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      const running = runSimCommand({ profile: "gemma-3-1b@rtx-4080", port, speedup: 100 });
      await vi.waitFor(() => expect(log).toHaveBeenCalled());
      expect(log).toHaveBeenCalledWith(
        `simulating google/gemma-3-1b-it (gemma-3-1b@rtx-4080) on http://127.0.0.1:${port}`,
      );
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      process.emit("SIGINT");
      await running;
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    } finally {
      log.mockRestore();
    }
  });

  it("rejects an unknown profile", async () => {
    await expect(runSimCommand({ profile: "gpt-9@h100", port: 0 })).rejects.toThrow(/unknown simulator profile/);
  });
});
