// `npm run bench:long`: memory stays flat however long the run. Runs 200K requests (or
// BENCH_LONG_REQUESTS) against the in-process simulator at zero latency (speedup 10 000 (the spec's maximum), one output
// token) through the real runner — journal, resume bookkeeping, Parquet finalisation — and prints
// the runner's peak RSS (sampled every 50 ms: during sending, and overall including the Parquet
// step) and requests/s. Last line: `peak_rss_mb=… requests_per_s=…`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { loadExperiment } from "../experiment/load.ts";
import { runExperiment } from "../run/runner.ts";
import { waitReady } from "../server/health.ts";
import { freePort } from "../server/http.ts";

const requests = Number(process.env.BENCH_LONG_REQUESTS ?? 200_000);
const concurrency = Number(process.env.BENCH_LONG_CONCURRENCY ?? 32);
// Inside the project, so the experiment file is loaded as an ES module like any other.
const scratch = join(import.meta.dirname, "../../.tmp");
mkdirSync(scratch, { recursive: true });
const dir = mkdtempSync(join(scratch, "bench-long-"));
const mb = (bytes: number) => bytes / 2 ** 20;

let peak = process.memoryUsage().rss;
let sendingPeak = peak;
let sending = true;
const sampler = setInterval(() => {
  const rss = process.memoryUsage().rss;
  peak = Math.max(peak, rss);
  if (sending) sendingPeak = Math.max(sendingPeak, rss);
}, 50);

const port = await freePort();
const sim = spawn(
  process.execPath,
  [
    "--import",
    "tsx",
    join(import.meta.dirname, "../cli.ts"),
    "sim",
    "--profile",
    "llama-3.2-1b@rtx-4080",
    "--port",
    String(port),
    "--speedup",
    "10000",
  ],
  { stdio: ["ignore", "ignore", "inherit"] },
);
try {
  await waitReady(`http://127.0.0.1:${port}`, undefined, 60_000);
  mkdirExperiments();
  const exp = await loadExperiment(join(dir, "experiments", "long.ts"));
  let done = 0;
  let sendStart = 0;
  let sendEnd = 0;
  const started = performance.now();
  const result = await runExperiment(exp, {
    resultsRoot: join(dir, "results"),
    log: (line) => process.stderr.write(line + "\n"),
    progress: () => ({
      tick() {
        if (done === 0) sendStart = performance.now();
        done++;
        if (done % 20_000 === 0) {
          const s = (performance.now() - started) / 1000;
          const m = process.memoryUsage();
          process.stderr.write(
            `${done}/${requests} in ${s.toFixed(1)} s, rss ${mb(m.rss).toFixed(0)} MB (heap ${mb(m.heapUsed).toFixed(0)}/${mb(m.heapTotal).toFixed(0)} MB, external ${mb(m.external).toFixed(0)} MB)\n`,
          );
        }
        if (done === requests) {
          sendEnd = performance.now();
          sending = false;
        }
      },
      stop() {
        sending = false;
      },
    }),
  });
  const total = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const rate = done / ((sendEnd - sendStart) / 1000);
  const { status, counts } = result.manifest;
  process.stdout.write(
    `run ${status}: ${counts.ok}/${counts.requests} ok, concurrency ${concurrency}, ${total.toFixed(1)} s in all (sending and Parquet)\n` +
      `peak RSS while sending ${mb(sendingPeak).toFixed(0)} MB; overall (with the Parquet step) ${mb(peak).toFixed(0)} MB\n`,
  );
  if (status !== "complete" || counts.done !== requests) process.exitCode = 1;
  process.stdout.write(`peak_rss_mb=${mb(peak).toFixed(0)} requests_per_s=${rate.toFixed(0)}\n`);
} finally {
  clearInterval(sampler);
  sim.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}

function mkdirExperiments(): void {
  const folder = join(dir, "experiments");
  mkdirSync(folder);
  // A plain object export: the loader validates it like any experiment file.
  writeFileSync(
    join(folder, "long.ts"),
    `export default ${JSON.stringify({
      title: "bench:long",
      server: { url: `http://127.0.0.1:${port}`, model: "meta-llama/Llama-3.2-1B-Instruct" },
      workload: { prompts: { inline: ["Say yes."] }, maxTokens: 1, temperature: 0, seed: 1 },
      requests,
      load: { concurrency },
    })};\n`,
  );
}
