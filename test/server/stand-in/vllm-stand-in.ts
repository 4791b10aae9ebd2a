// A stand-in for `vllm serve <model> --host H --port P …` in tests. It prints the recorded
// start-up log of a real vLLM 0.9.0.1 server (test/fixtures/vllm/startup-log-0.9.0.1-v1-2025-06.txt),
// then serves the simulator on the requested port, like `tracker sim`. FAKE_VLLM_MODE chooses a
// failure instead. The failure logs below are SYNTHETIC: written in vLLM's log format (§5.2–5.3 of
// the vLLM reference), not captured from a real server.
//
//   FAKE_VLLM_MODE    ok (default) | oom | tokenizer | crash | dead | hang | stubborn (ignores SIGINT)
//                     | engine (also starts an "engine" child process that ignores SIGINT and keeps the log pipes open)
//   FAKE_VLLM_PROFILE simulator profile (default llama-3.2-1b@rtx-4080)
//   FAKE_VLLM_SPEEDUP simulator speedup (default 50)
//   FAKE_VLLM_LOAD_MS time spent "loading" before the port listens (default 300)
//   FAKE_VLLM_STATS_MS print vLLM's periodic "Engine 000: …" stats line this often once ready
//                     (default 0: never; vLLM's own interval is 10 s)
//   FAKE_VLLM_NO_METRICS=1  serve no /metrics (404), as a server whose /metrics cannot be reached
// A port that is already taken fails like vLLM does: OSError [Errno 98] on bind, exit code 1.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { isProfileName } from "../../../data-loaders/sim/profiles.ts";
import { startSimulator } from "../../../data-loaders/sim/simulator.ts";
import { StatsLogger } from "../../../data-loaders/sim/stats-log.ts";

const argv = process.argv.slice(2);
if (argv[0] !== "serve" || !argv[1]) {
  process.stderr.write("usage: vllm serve <model> [--host H] [--port P] [flags]\n");
  process.exit(2);
}
const model = argv[1];
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const host = flag("--host") ?? "0.0.0.0";
const port = Number(flag("--port") ?? 8000);
const mode = process.env.FAKE_VLLM_MODE ?? "ok";
const profile = process.env.FAKE_VLLM_PROFILE ?? "llama-3.2-1b@rtx-4080";
const loadMs = Number(process.env.FAKE_VLLM_LOAD_MS ?? 300);
if (!isProfileName(profile)) throw new Error(`unknown simulator profile ${profile}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const out = (line: string) => process.stdout.write(line + "\n");
const err = (line: string) => process.stderr.write(line + "\n");
const fixture = readFileSync(
  join(import.meta.dirname, "../../fixtures/vllm/startup-log-0.9.0.1-v1-2025-06.txt"),
  "utf8",
)
  .split("\n")
  .filter((l) => l)
  .map((l) => l.replace("http://0.0.0.0:8000", `http://${host}:${port}`));
const readyAt = fixture.findIndex((l) => l.includes("Starting vLLM API server"));

process.on("SIGINT", () => {
  if (mode === "stubborn")
    return err("WARNING 06-05 09:10:00 [launcher.py:80] ignoring SIGINT (stand-in stubborn mode)");
  out("INFO:     Shutting down");
  process.exit(0);
});

out("INFO 06-05 09:07:30 [api_server.py:1287] vLLM API server version 0.9.0.1");
out(
  `INFO 06-05 09:07:30 [cli_args.py:309] non-default args: {'model': '${model}', 'host': '${host}', 'port': ${port}}`,
);

// vLLM binds the socket before loading the model.
const taken = await new Promise<boolean>((resolve) => {
  const probe = createServer();
  probe.once("error", () => resolve(true));
  probe.listen(port, host, () => probe.close(() => resolve(false)));
});
if (taken) {
  err("Traceback (most recent call last):");
  err(
    '  File "/usr/local/lib/python3.12/dist-packages/vllm/entrypoints/openai/api_server.py", line 1268, in create_server_socket',
  );
  err("    sock.bind(addr)");
  err("OSError: [Errno 98] Address already in use");
  process.exit(1);
}

// The loading part of the recorded log, spread over FAKE_VLLM_LOAD_MS.
const loading = fixture.slice(0, readyAt);
const stopAt =
  mode === "oom"
    ? loading.findIndex((l) => l.includes("Model loading took"))
    : mode === "tokenizer"
      ? 3
      : mode === "crash"
        ? loading.findIndex((l) => l.includes("GPU KV cache size"))
        : mode === "hang"
          ? loading.findIndex((l) => l.includes("torch.compile"))
          : loading.length;
for (const line of loading.slice(0, stopAt)) {
  (line.startsWith("WARNING") ? err : out)(line);
  await sleep(loadMs / loading.length);
}

if (mode === "oom") {
  err("ERROR 06-05 09:07:49 [core.py:515] EngineCore failed to start.");
  err("ERROR 06-05 09:07:49 [core.py:515] Traceback (most recent call last):");
  err(
    "ERROR 06-05 09:07:49 [core.py:515] torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.50 GiB. GPU 0 has a total capacity of 15.57 GiB of which 412.00 MiB is free. Including non-PyTorch memory, this process has 15.14 GiB memory in use.",
  );
  err("RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}");
  process.exit(1);
}
if (mode === "tokenizer") {
  err("ERROR 06-05 09:07:46 [core.py:515] EngineCore failed to start.");
  err(
    `ERROR 06-05 09:07:46 [core.py:515] ValueError: Tokenizer class GptOssTokenizer does not exist or is not currently imported. (model ${model})`,
  );
  process.exit(1);
}
if (mode === "crash") {
  err("ERROR 06-05 09:08:05 [core.py:515] EngineCore failed to start.");
  err("ERROR 06-05 09:08:05 [core.py:515] RuntimeError: CUDA error: an illegal memory access was encountered");
  process.exit(1);
}
if (mode === "hang") {
  await new Promise(() => {});
}

if (mode === "engine") {
  const engine = spawn(
    process.execPath,
    ["-e", "process.on('SIGINT', () => {}); process.send('ready'); setInterval(() => {}, 1000);"],
    {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  await new Promise((resolve) => engine.once("message", resolve));
  engine.disconnect();
  out(`INFO 06-05 09:07:40 [core.py:70] (stand-in) engine process ${engine.pid}`);
}

const sim = await startSimulator({
  profile,
  host,
  port,
  seed: 0,
  speedup: Number(process.env.FAKE_VLLM_SPEEDUP ?? 50),
  metrics: process.env.FAKE_VLLM_NO_METRICS !== "1",
});
await sim.ready;
if (mode === "dead") sim.setDead(true);
for (const line of fixture.slice(readyAt)) out(line);

const statsMs = Number(process.env.FAKE_VLLM_STATS_MS ?? 0);
if (statsMs > 0) {
  const stats = new StatsLogger();
  const two = (n: number) => String(n).padStart(2, "0");
  const stamp = (d: Date) =>
    `${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  stats.next(sim.engineStats(), performance.now());
  setInterval(() => {
    const line = stats.next(sim.engineStats(), performance.now());
    if (line) out(`INFO ${stamp(new Date())} [loggers.py:123] ${line}`);
  }, statsMs);
}
