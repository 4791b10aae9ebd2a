// A key written into a server URL reaches no file the tracker writes. The first line of defence
// is validation (such a URL is refused, and the message quotes no key); the second is redaction
// wherever a URL is stored, logged or shown. To test the second, runs are made whose server was
// reached through a URL with credentials (as a file validated by an older tracker, or edited in
// the spec after validation, would give), then the site is really built, and every file under
// results/, the loader cache, dist/ and the logs is searched for the keys — Parquet and DuckDB
// files through DuckDB, since their columns are compressed.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planExperiments, writeExperimentIndex } from "../../data-loaders/run/plan.ts";
import { buildSite } from "../../data-loaders/site/build.ts";
import { loadExperiments, type LoadedExperiment } from "../../data-loaders/experiment/load.ts";
import { runExperiment } from "../../data-loaders/run/runner.ts";
import { startSimulator, type Simulator } from "../../data-loaders/sim/simulator.ts";
import { PROJECT, tempDir, writeExperiment } from "../helpers/temp.ts";
import { projectCopy } from "../site/site-build.ts";

const USER_KEY = "sk-e2e-userinfo-7f3a9c";
const QUERY_KEY = "sk-e2e-query-91c2d4";
const KEYS = [USER_KEY, QUERY_KEY];

describe("a key given in a server URL", () => {
  const tmp = tempDir("secrets");
  const root = join(tmp.dir, "project");
  const results = join(root, "results");
  const logs = join(root, "logs");
  let sim: Simulator;
  let leakyUrl: string;
  let cacheDir: string;
  const log: string[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ profile: "llama-3.2-1b@rtx-4080", speedup: 20 });
    leakyUrl = `http://tracker:${USER_KEY}@${new URL(sim.url).host}/v1?api_key=${QUERY_KEY}`;
    cacheDir = projectCopy(root);
    mkdirSync(logs);
  }, 120_000);
  afterAll(async () => {
    await sim.close();
    tmp.cleanup();
  });

  const spec = (url: string) => `{
    title: "secrets",
    server: { url: ${JSON.stringify(url)}, model: "${"llama-3.2-1b"}" },
    workload: { prompts: { generate: "candidate-profiles", count: 4 }, maxTokens: 32, temperature: 0, seed: 3 },
    requests: 8,
    load: { concurrency: 2 },
  }`;

  it("is refused at validation, by a message that quotes no key", async () => {
    writeExperiment(root, "leaky", spec(leakyUrl));
    const cli = spawnSync(process.execPath, ["--import", "tsx", join(PROJECT, "data-loaders/cli.ts"), "validate"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, TRACKER_RESULTS: results },
    });
    writeFileSync(join(logs, "validate.log"), cli.stdout + cli.stderr);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(
      /leaky\.ts: server\.url: credentials in the URL \(http:\/\/\*\*\*@127\.0\.0\.1:\d+\/v1\?api_key=\*\*\*\)/,
    );
  });

  it("is found in no file the tracker writes when a run reached its server through such a URL", async () => {
    const model = sim.model;
    writeExperiment(root, "reached", spec(sim.url).replace('"llama-3.2-1b"', JSON.stringify(model)));
    writeExperiment(root, "unreachable", spec("http://127.0.0.1:9").replace('"llama-3.2-1b"', JSON.stringify(model)));
    writeExperiment(root, "waiting", spec(sim.url).replace("seed: 3", "seed: 4"));
    const load = await loadExperiments(join(root, "experiments"));
    expect(load.errors.map((e) => e.file)).toEqual([relative(process.cwd(), join(root, "experiments/leaky.ts"))]);
    const byId = new Map(load.experiments.map((e) => [e.id, e]));
    // The URL the servers were reached through carries both keys (user info and query).
    const leaky = (e: LoadedExperiment, url: string): LoadedExperiment => {
      const server = { ...(e.spec.server as { url: string; model: string }), url };
      return { ...e, spec: { ...e.spec, server }, resolvedSpec: { ...e.resolvedSpec, server } };
    };
    const unreachableUrl = `http://tracker:${USER_KEY}@127.0.0.1:9/?api_key=${QUERY_KEY}`;
    const experiments = [
      leaky(byId.get("reached")!, leakyUrl),
      leaky(byId.get("unreachable")!, unreachableUrl),
      leaky(byId.get("waiting")!, leakyUrl), // never run: the index shows its spec as loaded
    ];
    const opts = {
      resultsRoot: results,
      log: (line: string) => void log.push(line),
      progress: () => ({ tick: () => {}, stop: () => {} }),
    };
    const reached = await runExperiment(experiments[0]!, opts);
    expect(reached.manifest.status).toBe("complete");
    const unreachable = await runExperiment(experiments[1]!, opts);
    expect(unreachable.manifest.status).toBe("failed");
    writeExperimentIndex(results, planExperiments(experiments, results), load.errors);
    await buildSite(root, results, { output: (text) => void log.push(text), jobs: 1 });
    writeFileSync(join(logs, "run-and-build.log"), log.join("\n"));

    // The URL was stored, redacted: the search below looks where it would be.
    const manifest = JSON.parse(readFileSync(join(reached.dir, "manifest.json"), "utf8"));
    expect(manifest.spec.server.url).toBe(`http://***@${new URL(sim.url).host}/v1?api_key=***`);
    expect(unreachable.manifest.reason).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9 /);

    const files = [results, cacheDir, join(root, "dist"), logs].flatMap(filesUnder);
    expect(files.some((f) => f.endsWith(".parquet"))).toBe(true);
    expect(files.some((f) => f.startsWith(join(root, "dist")) && f.endsWith(".html"))).toBe(true);
    expect(files.some((f) => f.startsWith(cacheDir) && f.endsWith(".json"))).toBe(true);
    const found: string[] = [];
    for (const file of files) {
      const text = await readable(file);
      for (const key of KEYS) if (text.includes(key)) found.push(`${relative(root, file)}: ${key}`);
    }
    expect(found).toEqual([]);
  }, 600_000);
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** A file's content as text to search: Parquet and DuckDB files as their rows in JSON. */
async function readable(file: string): Promise<string> {
  if (!file.endsWith(".parquet") && !file.endsWith(".duckdb")) return readFileSync(file, "latin1");
  const db = await DuckDBInstance.create(":memory:");
  const con = await db.connect();
  const rows = async (sql: string) => (await con.runAndReadAll(sql)).getRowObjectsJson();
  const quoted = `'${file.replaceAll("'", "''")}'`;
  try {
    if (file.endsWith(".parquet")) return JSON.stringify(await rows(`SELECT * FROM read_parquet(${quoted})`));
    await con.run(`ATTACH ${quoted} AS stored (READ_ONLY)`);
    const tables = await rows(`SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'stored'`);
    const parts = await Promise.all(
      tables.map((t) => rows(`SELECT * FROM stored."${String(t.schema_name)}"."${String(t.table_name)}"`)),
    );
    return (
      JSON.stringify(parts) +
      JSON.stringify(await rows(`SELECT sql FROM duckdb_views() WHERE database_name = 'stored'`))
    );
  } finally {
    con.closeSync();
    db.closeSync();
  }
}
