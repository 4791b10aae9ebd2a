// `npm run bench:client`, phase (d): the whole runner (journal, rows, Parquet) with `load.clients`
// 1 and 2 against the same simulator (a child process, so it shares no event loop with the
// clients), at zero latency, so the client's own CPU decides the rate. Runs alternate (1, 2, then
// 2, 1, …) for `rounds` rounds; each run's chunks are the events with choices of its stored rows
// (1 + its inter-token gaps), over the time from its first send to its last response (the client
// threads' start-up is not in it; an unmeasured warm-up run of each comes first). Prints chunks/s
// per client count, no pass or fail on timing: on a shared 2-core machine the figures swing widely
// from run to run (the simulator needs a core of its own).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadExperiment } from "../experiment/load.ts";
import { runExperiment } from "../run/runner.ts";
import { query } from "../store/duckdb.ts";
import { PARQUET_FILE } from "../store/layout.ts";

export interface ClientsBench {
  url: string;
  model: string;
  concurrency: number;
  requests: number;
  rounds: number;
}

interface Measured {
  chunks: number;
  wallMs: number;
  /** Attempts sent again (connections reset). */
  retries?: number;
}

const fmt = (v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 0 });

/** Chunks/s for 1 and 2 clients, pooled over the rounds. */
export async function clientsThroughput(bench: ClientsBench): Promise<Record<1 | 2, number>> {
  const scratch = join(import.meta.dirname, "../../.tmp");
  mkdirSync(scratch, { recursive: true });
  const dir = mkdtempSync(join(scratch, "bench-clients-"));
  const totals = { 1: { chunks: 0, wallMs: 0 }, 2: { chunks: 0, wallMs: 0 } };
  try {
    // Warm-up (JIT of this thread, the simulator's connections), not measured.
    for (const clients of [1, 2] as const) await oneRun({ ...bench, requests: bench.concurrency }, dir, clients, -1);
    for (let round = 0; round < bench.rounds; round++) {
      for (const clients of round % 2 === 0 ? ([1, 2] as const) : ([2, 1] as const)) {
        const m = await oneRun(bench, dir, clients, round);
        totals[clients].chunks += m.chunks;
        totals[clients].wallMs += m.wallMs;
        console.log(
          `round ${round} (d) runner, load.clients ${clients}: ${fmt(m.chunks)} chunks in ${fmt(m.wallMs)} ms = ${fmt((m.chunks / m.wallMs) * 1000)} chunks/s${m.retries ? ` (${m.retries} attempts sent again after a reset)` : ""}`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const rate = (t: Measured) => (t.chunks / t.wallMs) * 1000;
  for (const k of [1, 2] as const) console.log(`(d) runner, load.clients ${k}: ${fmt(rate(totals[k]))} chunks/s`);
  return { 1: rate(totals[1]), 2: rate(totals[2]) };
}

async function oneRun(bench: ClientsBench, dir: string, clients: 1 | 2, round: number): Promise<Measured> {
  const id = `clients-${clients}-${round}`;
  const folder = join(dir, "experiments");
  mkdirSync(folder, { recursive: true });
  // A plain object export: the loader validates it like any experiment file.
  writeFileSync(
    join(folder, `${id}.ts`),
    `export default ${JSON.stringify({
      title: "bench:client (d)",
      server: { url: bench.url, model: bench.model },
      workload: {
        prompts: { generate: "candidate-profiles", count: 256 },
        maxTokens: 256,
        temperature: 0,
        seed: 11 + round,
      },
      requests: bench.requests,
      load: { concurrency: bench.concurrency, ...(clients > 1 ? { clients } : {}) },
      // A connection the simulator resets under this load is sent again (counted in the figures' line).
      retry: { attempts: 3 },
    })};\n`,
  );
  const exp = await loadExperiment(join(folder, `${id}.ts`));
  const { dir: runDir, manifest } = await runExperiment(exp, {
    resultsRoot: join(dir, "results"),
    log: () => {},
    progress: () => ({ tick() {}, stop() {} }),
  });
  if (manifest.status !== "complete" || manifest.counts.error > 0) {
    const errors = await query(
      `SELECT error_class, any_value(error_message) AS message, count(*) AS n FROM requests WHERE status = 'error' GROUP BY 1`,
      { path: join(runDir, PARQUET_FILE) },
    ).catch(() => []);
    throw new Error(
      `(d) load.clients ${clients}: run ${manifest.status}, ${manifest.counts.error} errors: ${JSON.stringify(errors)}`,
    );
  }
  const [row] = await query(
    `SELECT sum(CASE WHEN first_event_ms IS NULL THEN 0 ELSE len(itl_ms) + 1 END) AS chunks,
            max(done_ms) - min(sent_ms) AS wall_ms,
            sum(attempts - 1) AS retries
     FROM requests`,
    { path: join(runDir, PARQUET_FILE) },
  );
  return { chunks: Number(row!.chunks), wallMs: Number(row!.wall_ms), retries: Number(row!.retries) };
}
