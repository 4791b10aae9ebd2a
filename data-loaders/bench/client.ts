// `npm run bench:client`: how much the tracker's client costs, and how exactly it times.
//
// (a) the tracker's client (`send` through `createDispatcher`: SSE decoding, JSON parsing of
//     every event, timing) and (b) a bare undici consumer (undici.request, reads the body,
//     counts SSE events by splitting on "\n\n", no JSON), each with CONCURRENCY (1,024)
//     concurrent streams against the simulator at zero latency (speedup ZERO_LATENCY: every
//     engine step costs ≪ 1 µs, so the streams run as fast as the simulator's CPU allows).
//     The simulator runs in a child process, decided because on 2 cores it needs a core of its
//     own: in the client's process it would take CPU from the very thing measured (and
//     process.cpuUsage() would count it). (a) and (b) alternate for ROUNDS rounds (order
//     a,b then b,a) of REQUESTS requests each; every phase prints events/s (the same streams
//     for both: same prompts, seeds, temperature 0; checked by the event totals), the client
//     process's and the simulator's CPU time per event. chunks_ratio = pooled events/s of (a)
//     ÷ pooled events/s of (b).
// (c) the tracker at about 20K total tok/s (llama-3.2-1b@rtx-4080 in real time, 32 workers,
//     the profile's calibrated point) against the simulator's ground truth, the simulator again
//     in a child process (in this process it would share the event loop with the client, and its
//     step writes would delay the very reads measured): error = client first-event time
//     (firstEventMs) − server time at which the first event was written to the socket
//     (groundTruth firstWriteMs), both on the machine-wide monotonic clock (bench/clock.ts). The
//     same run with the bare consumer (time of its first body chunk) is printed first, as the
//     baseline that the host and loopback cost anyway.
// (d) the whole runner with load.clients 1 and 2 against one simulator child process at zero
//     latency: chunks/s for each (bench/clients.ts).
// Knobs (environment): BENCH_CLIENTS_REQUESTS (requests per run of (d)), BENCH_ONLY=clients (only (d)), BENCH_CONCURRENCY, BENCH_REQUESTS, BENCH_ROUNDS, BENCH_TRUTH_REQUESTS,
// BENCH_TRUTH_CONCURRENCY (the error grows with the streams one engine step writes to at once:
// the client reads their sockets one after another), BENCH_SIM_EXEC_ARGV (e.g. "--cpu-prof
// --cpu-prof-dir=prof" to profile the simulator).
//
// Last line: `chunks_ratio=… ttft_err_p50_ms=… ttft_err_p99_ms=… clients1_chunks_per_s=… clients2_chunks_per_s=…`.
import { performance } from "node:perf_hooks";
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { request, type Dispatcher } from "undici";
import type { CompletionRequest } from "../client/outcome.ts";
import { createDispatcher, endpointUrl, requestBody, requestHeaders, send } from "../client/request.ts";
import { generateCandidatePrompts } from "../experiment/candidate-profiles.ts";
import { percentile } from "../metrics/stats.ts";
import type { GroundTruthRecord } from "../sim/ground-truth.ts";
import type { SimulatorOptions } from "../sim/simulator.ts";
import { clientsThroughput } from "./clients.ts";
import { monotonicOffsetMs } from "./clock.ts";

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 1024);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2048);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const ZERO_LATENCY = 1e9;
const PROFILE = "llama-3.2-1b@rtx-4080" as const;
const TRUTH_REQUESTS = Number(process.env.BENCH_TRUTH_REQUESTS ?? 960);
const TRUTH_CONCURRENCY = Number(process.env.BENCH_TRUTH_CONCURRENCY ?? 32);

const prompts = generateCandidatePrompts(256, 11, "short");

function completionRequest(baseUrl: string, model: string, i: number, prefix: string): CompletionRequest {
  return {
    baseUrl,
    model,
    api: "chat",
    messages: prompts[i % prompts.length]!.messages,
    maxTokens: 256,
    temperature: 0,
    seed: i,
    stream: true,
    requestId: `${prefix}-${i}`,
  };
}

/** `workers` closed-loop workers share `total` requests; returns wall ms. */
async function closedLoop(workers: number, total: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < total) await one(next++);
    }),
  );
  return performance.now() - t0;
}

interface Phase {
  events: number;
  wallMs: number;
  cpuMs: number;
}

async function trackerPhase(url: string, model: string, round: number): Promise<Phase> {
  const dispatcher = createDispatcher(CONCURRENCY);
  let events = 0;
  let failed = 0;
  const cpu0 = process.cpuUsage();
  const wallMs = await closedLoop(CONCURRENCY, REQUESTS, async (i) => {
    const out = await send(completionRequest(url, model, i, `a${round}`), { dispatcher, now: () => performance.now() });
    if (!out.ok) failed++;
    // Events with choices, plus the usage chunk and [DONE] (the bare consumer counts those too).
    events += (out.firstEventMs === null ? 0 : out.itlMs.length + 1) + (out.completionTokens === null ? 0 : 1) + 1;
  });
  const cpu = process.cpuUsage(cpu0);
  await dispatcher.close();
  if (failed) throw new Error(`tracker client: ${failed} requests failed`);
  return { events, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function barePhase(url: string, model: string, round: number): Promise<Phase> {
  const dispatcher: Dispatcher = createDispatcher(CONCURRENCY);
  let events = 0;
  const cpu0 = process.cpuUsage();
  const wallMs = await closedLoop(CONCURRENCY, REQUESTS, async (i) => {
    const req = completionRequest(url, model, i, `b${round}`);
    const res = await request(endpointUrl(url, "chat/completions"), {
      method: "POST",
      dispatcher,
      headers: requestHeaders(req),
      body: JSON.stringify(requestBody(req)),
    });
    if (res.statusCode !== 200) throw new Error(`bare consumer: HTTP ${res.statusCode}`);
    let tail = "";
    for await (const chunk of res.body) {
      const parts = (tail + (chunk as Buffer).toString("latin1")).split("\n\n");
      events += parts.length - 1;
      tail = parts[parts.length - 1]!;
    }
  });
  const cpu = process.cpuUsage(cpu0);
  await dispatcher.close();
  return { events, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

interface SimProcess {
  url: string;
  model: string;
  /** CPU time (ms) the simulator process has used so far (Linux /proc; null elsewhere). */
  cpuMs(): number | null;
  /** Ground-truth records (needs groundTruth: true), times on the machine's monotonic clock. */
  groundTruth(): Promise<GroundTruthRecord[]>;
  close(): Promise<void>;
}

async function startSimProcess(opts: SimulatorOptions): Promise<SimProcess> {
  const child = fork(fileURLToPath(new URL("./sim-process.ts", import.meta.url)), [JSON.stringify(opts)], {
    execArgv: ["--import", "tsx", ...(process.env.BENCH_SIM_EXEC_ARGV ?? "").split(" ").filter(Boolean)],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const { url, model } = await new Promise<{ url: string; model: string }>((resolve, reject) => {
    child.once("message", (m) => resolve(m as { url: string; model: string }));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`simulator process exited (${code}) before listening`)));
  });
  return {
    url,
    model,
    cpuMs: () => {
      try {
        // Fields 14 and 15 of /proc/<pid>/stat: user and system time in clock ticks (100 Hz).
        const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
        return (Number(fields[11]) + Number(fields[12])) * 10;
      } catch {
        return null;
      }
    },
    groundTruth: () =>
      new Promise((resolve) => {
        const onMessage = (m: unknown) => {
          if (m && typeof m === "object" && "groundTruth" in m) {
            child.off("message", onMessage);
            resolve((m as { groundTruth: GroundTruthRecord[] }).groundTruth);
          }
        };
        child.on("message", onMessage);
        child.send("groundTruth");
      }),
    close: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners("exit");
        child.once("exit", () => resolve());
        child.send("close");
      }),
  };
}

const fmt = (v: number, digits = 0): string =>
  v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function throughput(): Promise<number> {
  const sim = await startSimProcess({ profile: PROFILE, speedup: ZERO_LATENCY, seed: 1, maxNumSeqs: CONCURRENCY });
  try {
    // Warm-up (JIT, connections) for both consumers, not measured.
    await trackerPhase(sim.url, sim.model, -1);
    await barePhase(sim.url, sim.model, -1);
    const totals = { a: { events: 0, wallMs: 0, cpuMs: 0 }, b: { events: 0, wallMs: 0, cpuMs: 0 } };
    for (let round = 0; round < ROUNDS; round++) {
      const phases = [
        ["a", trackerPhase],
        ["b", barePhase],
      ] as const;
      for (const [key, phase] of round % 2 === 0 ? phases : [...phases].reverse()) {
        const simCpu0 = sim.cpuMs();
        const p = await phase(sim.url, sim.model, round);
        const simCpu = simCpu0 === null ? null : sim.cpuMs()! - simCpu0;
        totals[key].events += p.events;
        totals[key].wallMs += p.wallMs;
        totals[key].cpuMs += p.cpuMs;
        console.log(
          `round ${round} ${key === "a" ? "(a) tracker client" : "(b) bare undici   "}: ${fmt(p.events)} events in ${fmt(p.wallMs)} ms = ${fmt((p.events / p.wallMs) * 1000)} events/s, client CPU ${fmt((p.cpuMs / p.events) * 1000, 2)} µs/event, simulator CPU ${simCpu === null ? "?" : fmt((simCpu / p.events) * 1000, 2)} µs/event`,
        );
      }
    }
    if (totals.a.events !== totals.b.events)
      throw new Error(`(a) saw ${totals.a.events} events, (b) ${totals.b.events}: not the same streams`);
    const rate = (t: Phase) => (t.events / t.wallMs) * 1000;
    console.log(
      `(a) tracker client: ${fmt(rate(totals.a))} chunks/s, ${fmt((totals.a.cpuMs / totals.a.events) * 1000, 2)} µs CPU/chunk`,
    );
    console.log(
      `(b) bare undici:    ${fmt(rate(totals.b))} chunks/s, ${fmt((totals.b.cpuMs / totals.b.events) * 1000, 2)} µs CPU/chunk`,
    );
    return rate(totals.a) / rate(totals.b);
  } finally {
    await sim.close();
  }
}

/**
 * Client first-event time − server first-event write time, per request, for `consumer`
 * ("tracker": send(); "bare": undici.request, time of the first body chunk).
 */
async function ttftErrors(consumer: "tracker" | "bare"): Promise<{ errors: number[]; tokPerS: number }> {
  const sim = await startSimProcess({ profile: PROFILE, speedup: 1, seed: 2, groundTruth: true });
  const dispatcher = createDispatcher(TRUTH_CONCURRENCY);
  const offset = monotonicOffsetMs();
  const now = () => performance.now() + offset;
  try {
    const firstEvent = new Map<string, number>();
    let tokens = 0;
    const wallMs = await closedLoop(TRUTH_CONCURRENCY, TRUTH_REQUESTS, async (i) => {
      const req = completionRequest(sim.url, sim.model, i, consumer);
      if (consumer === "tracker") {
        const out = await send(req, { dispatcher, now });
        if (!out.ok || out.firstEventMs === null)
          throw new Error(`ground-truth run: request ${i} failed (${out.errorMessage})`);
        firstEvent.set(req.requestId, out.firstEventMs);
        tokens += (out.promptTokens ?? 0) + (out.completionTokens ?? 0);
        return;
      }
      const res = await request(endpointUrl(sim.url, "chat/completions"), {
        method: "POST",
        dispatcher,
        headers: requestHeaders(req),
        body: JSON.stringify(requestBody(req)),
      });
      for await (const _chunk of res.body) if (!firstEvent.has(req.requestId)) firstEvent.set(req.requestId, now());
    });
    const truth = await sim.groundTruth();
    if (consumer === "bare") tokens = truth.reduce((a, r) => a + r.promptTokens + r.completionTokens, 0);
    const errors: number[] = [];
    for (const record of truth) {
      const client = firstEvent.get(record.requestId);
      if (client === undefined || record.firstWriteMs === null) continue;
      errors.push(client - record.firstWriteMs);
    }
    if (errors.length !== TRUTH_REQUESTS)
      throw new Error(`ground truth for ${errors.length} of ${TRUTH_REQUESTS} requests`);
    return { errors, tokPerS: (tokens / wallMs) * 1000 };
  } finally {
    await dispatcher.close();
    await sim.close();
  }
}

async function ttftError(): Promise<{ p50: number; p99: number }> {
  const describe = (label: string, r: { errors: number[]; tokPerS: number }): { p50: number; p99: number } => {
    const p50 = percentile(r.errors, 50)!;
    const p99 = percentile(r.errors, 99)!;
    console.log(
      `${label}: ${TRUTH_REQUESTS} requests, ${TRUTH_CONCURRENCY} workers, ${fmt(r.tokPerS)} total tok/s: client − server first-event time ` +
        `p50 ${p50.toFixed(3)} ms, p90 ${percentile(r.errors, 90)!.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms, max ${Math.max(...r.errors).toFixed(3)} ms`,
    );
    return { p50, p99 };
  };
  // The bare consumer under the same conditions: what the host and the in-process simulator
  // cost anyway (its first body chunk is the same bytes as the tracker's first event).
  describe("(c) bare undici (baseline)", await ttftErrors("bare"));
  return describe("(c) tracker client", await ttftErrors("tracker"));
}

console.log(
  `bench:client — ${CONCURRENCY} concurrent streams × ${REQUESTS} requests per phase, ${ROUNDS} rounds; simulator ${PROFILE} in a child process at speedup ${ZERO_LATENCY}`,
);
const only = process.env.BENCH_ONLY;
const ratio = only === "clients" ? null : await throughput();
const byClients = await clientsPhase();
const ttft = only === "clients" ? null : await ttftError();
console.log(
  [
    ...(ratio === null ? [] : [`chunks_ratio=${ratio.toFixed(3)}`]),
    ...(ttft === null ? [] : [`ttft_err_p50_ms=${ttft.p50.toFixed(3)} ttft_err_p99_ms=${ttft.p99.toFixed(3)}`]),
    `clients1_chunks_per_s=${byClients[1].toFixed(0)} clients2_chunks_per_s=${byClients[2].toFixed(0)}`,
  ].join(" "),
);

/** (d): the runner with one and two client threads against one simulator process. */
async function clientsPhase(): Promise<Record<1 | 2, number>> {
  const sim = await startSimProcess({ profile: PROFILE, speedup: ZERO_LATENCY, seed: 3, maxNumSeqs: CONCURRENCY });
  try {
    const requests = Number(process.env.BENCH_CLIENTS_REQUESTS ?? 4096);
    return await clientsThroughput({
      url: sim.url,
      model: sim.model,
      concurrency: CONCURRENCY,
      requests,
      rounds: ROUNDS,
    });
  } finally {
    await sim.close();
  }
}
