// `npx tracker sim`: prints where it serves and stops on SIGINT; takes the experiment's fault
// injection as flags (checked like `server.faults`) and vLLM's tool-choice flags.
import { Command } from "commander";
import { describe, expect, it, vi } from "vitest";
import { freePort } from "../../data-loaders/server/http.ts";
import { faultsFromFlags, runSimCommand, withSimFlags } from "../../data-loaders/sim/command.ts";

/** Runs the command in this process until `use` is done, then sends SIGINT. */
async function serving(
  opts: Parameters<typeof runSimCommand>[0],
  use: (url: string, printed: string) => Promise<void>,
): Promise<void> {
  const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
  try {
    const running = runSimCommand(opts);
    await vi.waitFor(() => expect(log).toHaveBeenCalled());
    await use(`http://127.0.0.1:${opts.port}`, String(log.mock.calls[0]![0]));
    process.emit("SIGINT");
    await running;
  } finally {
    log.mockRestore();
  }
}

const chatBody = (extra: Record<string, unknown> = {}) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], max_completion_tokens: 8, ...extra }),
});

describe("runSimCommand", () => {
  it("serves the profile until SIGINT", async () => {
    const port = await freePort();
    await serving({ profile: "gemma-3-1b@rtx-4080", port, speedup: 100 }, async (url, printed) => {
      expect(printed).toBe(`simulating google/gemma-3-1b-it (gemma-3-1b@rtx-4080) on ${url}`);
      expect((await fetch(`${url}/health`)).status).toBe(200);
    });
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });

  it("rejects an unknown profile, and --enable-auto-tool-choice without a parser as vLLM does", async () => {
    await expect(runSimCommand({ profile: "gpt-9@h100", port: 0 })).rejects.toThrow(/unknown simulator profile/);
    await expect(
      runSimCommand({ profile: "gemma-3-1b@rtx-4080", port: 0, enableAutoToolChoice: true }),
    ).rejects.toThrow("Error: --enable-auto-tool-choice requires --tool-call-parser");
  });

  it("injects the faults its flags ask for", async () => {
    const port = await freePort();
    await serving({ profile: "gemma-3-1b@rtx-4080", port, speedup: 100, httpErrors: "503=1" }, async (url, printed) => {
      expect(printed).toContain('faults {"httpErrors":{"503":1}}');
      const res = await fetch(`${url}/v1/chat/completions`, chatBody());
      expect(res.status).toBe(503);
      expect((await res.json()).error).toMatchObject({ code: 503, type: "ServiceUnavailableError" });
    });
  });

  it("accepts tool choice auto with --enable-auto-tool-choice --tool-call-parser", async () => {
    const port = await freePort();
    const tools = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }];
    const opts = { profile: "gemma-3-1b@rtx-4080", port, speedup: 100 };
    await serving({ ...opts, enableAutoToolChoice: true, toolCallParser: "hermes" }, async (url) => {
      const res = await fetch(`${url}/v1/chat/completions`, chatBody({ tools }));
      expect(res.status).toBe(200);
      expect((await res.json()).choices[0].finish_reason).toBe("tool_calls");
    });
  });
});

describe("faultsFromFlags", () => {
  it("reads every server.faults field from its kebab-case flag", () => {
    expect(faultsFromFlags({})).toBeUndefined();
    expect(
      faultsFromFlags({
        httpErrors: "500=0.05, 503=0.01",
        resetBeforeResponse: "0.01",
        resetMidStream: "0.02",
        stall: "0.1",
        stallMs: "2000",
        malformedChunk: "0.03",
        inBandError: "0.04",
        slowFirstToken: "0.05",
        slowFirstTokenMs: "1500",
      }),
    ).toEqual({
      httpErrors: { "500": 0.05, "503": 0.01 },
      resetBeforeResponse: 0.01,
      resetMidStream: 0.02,
      stall: 0.1,
      stallMs: 2000,
      malformedChunk: 0.03,
      inBandError: 0.04,
      slowFirstToken: 0.05,
      slowFirstTokenMs: 1500,
    });
  });

  it("refuses what server.faults refuses, naming the flag", () => {
    expect(() => faultsFromFlags({ stall: "1.5" })).toThrow(/^--stall: /);
    expect(() => faultsFromFlags({ stallMs: "soon" })).toThrow('--stall-ms: expected a number, got "soon"');
    expect(() => faultsFromFlags({ httpErrors: "200=0.5" })).toThrow(/^--http-errors 200: /);
    expect(() => faultsFromFlags({ httpErrors: "500:0.5" })).toThrow(/^--http-errors: expected status=share pairs/);
  });

  it("are the command's flags", () => {
    const cmd = withSimFlags(new Command("sim"));
    const flags = cmd.options.map((o) => o.long);
    for (const f of [
      "--http-errors",
      "--reset-mid-stream",
      "--slow-first-token-ms",
      "--tool-call-parser",
      "--max-num-seqs",
    ])
      expect(flags).toContain(f);
    cmd.parse(["--in-band-error", "0.2", "--enable-auto-tool-choice"], { from: "user" });
    expect(cmd.opts()).toMatchObject({ inBandError: "0.2", enableAutoToolChoice: true });
  });
});
