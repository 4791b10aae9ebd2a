// After the runs: stored answers scored and judged (run/quality.ts) as `tracker run` and
// `npm run build` do it — run what is pending, then assessQuality. The judge is a simulator this
// test started and points at by URL, so every judge request is counted where it arrives.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "../../data-loaders/experiment/hash.ts";
import type { LoadedExperiment } from "../../data-loaders/experiment/load.ts";
import { needsRun, planExperiments } from "../../data-loaders/run/plan.ts";
import { assessQuality, type QualityReport } from "../../data-loaders/run/quality.ts";
import { runExperiment } from "../../data-loaders/run/runner.ts";
import { startSimulator, type Simulator } from "../../data-loaders/sim/simulator.ts";
import { listRuns } from "../../data-loaders/store/folders.ts";
import { readQualityManifest } from "../../data-loaders/store/quality.ts";
import { QUALITY_COLUMNS, qualityRowSchema } from "../../data-loaders/store/schemas/quality.ts";
import { duckdbColumns } from "../../data-loaders/store/schemas/request-row.ts";

/** Struct field names DuckDB quotes when it describes a type (keywords); it leaves the others bare. */
const RESERVED = new Set(["strict", "match", "label", "name"]);
import { loadSpec, QUIET, simulatedSpec, type TestSpec } from "../helpers/spec.ts";
import { tempDir } from "../helpers/temp.ts";

/** Requests a simulator has answered (its vLLM request counter over every finish reason). */
async function served(sim: Simulator): Promise<number> {
  const text = await (await fetch(`${sim.url}/metrics`)).text();
  return [...text.matchAll(/^vllm:request_success_total\{[^}]*\} (\S+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
}

async function query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  try {
    return (await con.runAndReadAll(sql)).getRowObjectsJS() as T[];
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

const RUBRIC = "Is this evaluation right for the profile?\n{{prompt}}\nThe evaluation:\n{{answer}}";
const PAIRWISE = "Which evaluation fits the profile better?\n{{prompt}}\nFirst:\n{{answer_a}}\nSecond:\n{{answer_b}}";

function judged(url: string, model: string, over: Partial<NonNullable<TestSpec["quality"]>> = {}): TestSpec {
  const base = simulatedSpec();
  return {
    ...base,
    quality: {
      ...base.quality!,
      checks: [
        { name: "names the candidate", mentionsFact: "Candidate" },
        { name: "a known class", path: "recommendation", oneOf: ["strong_yes", "yes", "maybe", "no"] },
      ],
      judge: { server: { url, model }, rubric: RUBRIC, scale: "1-5" },
      ...over,
    },
  };
}

/** One build's runs and quality step: run what is pending, then score and judge. */
async function build(root: string, experiments: LoadedExperiment[]): Promise<{ ran: string[]; report: QualityReport }> {
  const ran: string[] = [];
  for (const entry of planExperiments(experiments, root, () => {}).filter(needsRun)) {
    await runExperiment(entry.experiment, { resultsRoot: root, ...QUIET });
    ran.push(entry.experiment.id);
  }
  return { ran, report: await assessQuality(experiments, { resultsRoot: root, ...QUIET }) };
}

const runOf = (root: string, id: string) => listRuns(root, () => {}).find((r) => r.experimentId === id)!;
const fileState = (path: string) => `${sha256(readFileSync(path))}:${statSync(path).mtimeMs}`;

describe("scoring and judging the stored answers", () => {
  const tmp = tempDir("quality");
  const root = join(tmp.dir, "results");
  let judge: Simulator;
  beforeAll(async () => {
    judge = await startSimulator({ profile: "judge@rtx-4080", speedup: 50 });
  });
  afterAll(async () => {
    await judge.close();
    tmp.cleanup();
  });

  it("scores every answer against the truth and the checks, and judges each distinct answer once", async () => {
    const a = await loadSpec(tmp.dir, "alpha", judged(judge.url, judge.model));
    const before = await served(judge);
    const { ran, report } = await build(root, [a]);
    expect(ran).toEqual(["alpha"]);
    const run = runOf(root, "alpha");
    const rows = await query<{ n: bigint; scored: bigint; judged: bigint; keys: bigint; checks: bigint }>(
      `SELECT count(*) n, count(*) FILTER (scored) scored, count(*) FILTER (judge_status = 'judged') judged,
              count(DISTINCT judge_key) keys, count(*) FILTER (len(checks) = 2) checks
       FROM '${join(run.path, "quality.parquet")}'`,
    );
    const ok = run.manifest.counts.ok;
    expect(Number(rows[0]!.n)).toBe(24);
    expect(Number(rows[0]!.scored)).toBe(ok);
    expect(Number(rows[0]!.checks)).toBe(ok);
    expect(Number(rows[0]!.judged)).toBe(ok);
    // Only distinct judge prompts are sent, and every one of them reached the judge.
    expect(report.judgeRequests).toBe(Number(rows[0]!.keys));
    expect((await served(judge)) - before).toBe(Number(rows[0]!.keys));
    // The file holds exactly the contract's columns, in order, with its types.
    const described = await query<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT * FROM '${join(run.path, "quality.parquet")}'`,
    );
    const types = duckdbColumns(qualityRowSchema);
    expect(described.map((d) => `${d.column_name} ${d.column_type}`)).toEqual(
      QUALITY_COLUMNS.map(
        (c) => `${c} ${types[c]!.replaceAll(/"(\w+)"/g, (_, n: string) => (RESERVED.has(n) ? `"${n}"` : n))}`,
      ),
    );
    const m = readQualityManifest(run.path)!;
    expect(m.scoring_hash).toBe(a.scoringHash);
    expect(m.judge).toMatchObject({ model: judge.model, scale: "1-5", not_judged: 0, errors: 0 });
    // The judge run is a run of its own, with its own manifest.
    const judgeRuns = listRuns(join(root, ".judge"), () => {});
    expect(judgeRuns).toHaveLength(1);
    expect(judgeRuns[0]!.manifest.judge).toMatchObject({ kind: "single", model: judge.model });
    expect(judgeRuns[0]!.manifest.judge!.judged).toEqual([{ experiment_id: "alpha", run_id: run.runId }]);
    expect(judgeRuns[0]!.manifest.server_facts).toBeDefined();
  });

  it("a second build sends no judge request and rewrites nothing", async () => {
    const a = await loadSpec(tmp.dir, "alpha", judged(judge.url, judge.model));
    const run = runOf(root, "alpha");
    const state = fileState(join(run.path, "quality.parquet"));
    const before = await served(judge);
    const { ran, report } = await build(root, [a]);
    expect(ran).toEqual([]);
    expect(report.judgeRequests).toBe(0);
    expect(await served(judge)).toBe(before);
    expect(report.fresh).toEqual([`alpha/${run.runId}`]);
    expect(fileState(join(run.path, "quality.parquet"))).toBe(state);
  });

  it("a check edit re-scores the stored answers: nothing is run again, the judge is not asked", async () => {
    const run = runOf(root, "alpha");
    const requests = fileState(run.requestsPath!);
    const spec = judged(judge.url, judge.model, {
      checks: [{ name: "says yes", path: "recommendation", equals: "yes" }],
    });
    const a = await loadSpec(tmp.dir, "alpha", spec);
    const before = await served(judge);
    const { ran, report } = await build(root, [a]);
    expect(ran).toEqual([]);
    expect(report.written).toEqual([`alpha/${run.runId}`]);
    expect(await served(judge)).toBe(before);
    expect(fileState(run.requestsPath!)).toBe(requests);
    const names = await query<{ name: string }>(
      `SELECT DISTINCT unnest(checks).name AS name FROM '${join(run.path, "quality.parquet")}'`,
    );
    expect(names.map((n) => n.name)).toEqual(["says yes"]);
    expect(readQualityManifest(run.path)!.scoring_hash).toBe(a.scoringHash);
  });

  it("a rubric edit re-judges only that experiment", async () => {
    const a = await loadSpec(tmp.dir, "alpha", judged(judge.url, judge.model, { checks: undefined }));
    const b = await loadSpec(tmp.dir, "beta", {
      ...judged(judge.url, judge.model),
      workload: { ...simulatedSpec().workload, seed: 8 },
    });
    await build(root, [a, b]);
    const keys = async (id: string) =>
      Number(
        (
          await query<{ k: bigint }>(
            `SELECT count(DISTINCT judge_key) k FROM '${join(runOf(root, id).path, "quality.parquet")}' WHERE judge_key IS NOT NULL`,
          )
        )[0]!.k,
      );
    const betaState = fileState(join(runOf(root, "beta").path, "quality.parquet"));
    const editedSpec = judged(judge.url, judge.model, { checks: undefined });
    editedSpec.quality!.judge!.rubric = `Strictly: ${RUBRIC}`;
    const edited = await loadSpec(tmp.dir, "alpha", editedSpec);
    const before = await served(judge);
    const { ran, report } = await build(root, [edited, b]);
    expect(ran).toEqual([]);
    expect(report.written).toEqual([`alpha/${runOf(root, "alpha").runId}`]);
    expect((await served(judge)) - before).toBe(await keys("alpha"));
    expect(fileState(join(runOf(root, "beta").path, "quality.parquet"))).toBe(betaState);
  });

  it("judges two runs on the same prompts in both orders, each prompt twice", async () => {
    const b = await loadSpec(tmp.dir, "beta", {
      ...judged(judge.url, judge.model),
      workload: { ...simulatedSpec().workload, seed: 8 },
    });
    const pairwiseSpec = judged(judge.url, judge.model, { checks: undefined });
    pairwiseSpec.quality!.judge!.pairwise = { with: "gamma", rubric: PAIRWISE };
    const gammaSpec = {
      ...judged(judge.url, judge.model),
      server: { simulate: "gemma-3-4b@rtx-4080", speedup: 20 },
    } as TestSpec;
    const g = await loadSpec(tmp.dir, "gamma", gammaSpec);
    const a = await loadSpec(tmp.dir, "alpha", pairwiseSpec);
    const before = await served(judge);
    const { report } = await build(root, [a, b, g]);
    const x = runOf(root, "alpha");
    const pairs = await query<{ prompt_id: string; this_first: string; other_first: string; outcome: string | null }>(
      `SELECT prompt_id, this_first, other_first, outcome FROM '${join(x.path, "pairwise.parquet")}' ORDER BY prompt_id`,
    );
    expect(pairs).toHaveLength(10);
    expect(pairs.every((p) => p.this_first !== null && p.other_first !== null)).toBe(true);
    // A win needs both orders to prefer the same run; anything else is a tie.
    for (const p of pairs) {
      const expected =
        p.this_first === "A" && p.other_first === "B"
          ? "win"
          : p.this_first === "B" && p.other_first === "A"
            ? "loss"
            : "tie";
      expect(p.outcome, p.prompt_id).toBe(expected);
    }
    const m = readQualityManifest(x.path)!.pairwise!;
    expect(m).toMatchObject({ other_experiment_id: "gamma", other_run_id: runOf(root, "gamma").runId, judged: 10 });
    const pairwiseRuns = listRuns(join(root, ".judge"), () => {}).filter((r) => r.manifest.judge?.kind === "pairwise");
    expect(pairwiseRuns).toHaveLength(1);
    // Both orders of every prompt: 20 prompts sent, unless two answers are equal (then both orders are one prompt).
    const sent = pairwiseRuns[0]!.manifest.counts.done;
    expect(sent).toBeGreaterThan(10);
    expect(sent).toBeLessThanOrEqual(20);
    expect(report.judgeRequests).toBeGreaterThanOrEqual(sent);
    expect((await served(judge)) - before).toBe(report.judgeRequests);
    // And again: nothing is sent.
    const again = await build(root, [a, b, g]);
    expect(again.report.judgeRequests).toBe(0);
  });
});

describe("a judge that cannot be reached or answers garbage", () => {
  const tmp = tempDir("quality-bad-judge");
  const root = join(tmp.dir, "results");
  let judge: Simulator;
  let garbage: Simulator;
  beforeAll(async () => {
    judge = await startSimulator({ profile: "judge@rtx-4080", speedup: 50 });
    // A model, not a judge: it answers a rubric with a candidate evaluation, which is no verdict.
    garbage = await startSimulator({ profile: "llama-3.2-1b@rtx-4080", speedup: 50 });
  });
  afterAll(async () => {
    await judge.close();
    await garbage.close();
    tmp.cleanup();
  });

  it("leaves the run intact, marks the answers not judged with the reason, and judges them on the next build", async () => {
    const unreachable = await loadSpec(tmp.dir, "alpha", judged("http://127.0.0.1:9", judge.model));
    await build(root, [unreachable]);
    const run = runOf(root, "alpha");
    expect(run.manifest.status).toBe("complete");
    const requests = fileState(run.requestsPath!);
    const quality = join(run.path, "quality.parquet");
    const notJudged = await query<{ judge_status: string; judge_error: string; scored: boolean }>(
      `SELECT judge_status, judge_error, scored FROM '${quality}' WHERE judge_key IS NOT NULL`,
    );
    expect(notJudged.length).toBe(run.manifest.counts.ok);
    expect(new Set(notJudged.map((r) => r.judge_status))).toEqual(new Set(["not_judged"]));
    expect(notJudged[0]!.judge_error).toMatch(/not judged: server: cannot reach http:\/\/127\.0\.0\.1:9.*next build/);
    // Scoring does not wait for the judge.
    expect(notJudged.every((r) => r.scored)).toBe(true);
    expect(readQualityManifest(run.path)!.judge!.not_judged).toBe(run.manifest.counts.ok);

    const garbled = await loadSpec(tmp.dir, "alpha", judged(garbage.url, garbage.model));
    const sentToGarbage = await served(garbage);
    await build(root, [garbled]);
    expect(await served(garbage)).toBeGreaterThan(sentToGarbage);
    const errors = await query<{ judge_status: string; judge_error: string; judge_score: number | null }>(
      `SELECT judge_status, judge_error, judge_score FROM '${quality}' WHERE judge_key IS NOT NULL`,
    );
    expect(new Set(errors.map((r) => r.judge_status))).toEqual(new Set(["error"]));
    expect(errors.every((r) => r.judge_score === null)).toBe(true);
    expect(errors[0]!.judge_error).toMatch(/the judge's answer (is not JSON|does not fit the verdict)/);

    // The judge is back: the next build judges what was left, and the run is untouched throughout.
    const fixed = await loadSpec(tmp.dir, "alpha", judged(judge.url, judge.model));
    const { ran } = await build(root, [fixed]);
    expect(ran).toEqual([]);
    const statuses = await query<{ judge_status: string }>(
      `SELECT DISTINCT judge_status FROM '${quality}' WHERE judge_key IS NOT NULL`,
    );
    expect(statuses.map((s) => s.judge_status)).toEqual(["judged"]);
    expect(fileState(run.requestsPath!)).toBe(requests);
    expect(runOf(root, "alpha").manifest.status).toBe("complete");
  });
});

describe("a judge run stopped part-way", () => {
  const tmp = tempDir("quality-stopped-judge");
  const root = join(tmp.dir, "results");
  let judge: Simulator;
  beforeAll(async () => {
    // Slow and one request at a time, so the build can be stopped while it judges.
    judge = await startSimulator({ profile: "judge@rtx-4080", speedup: 1 });
  });
  afterAll(async () => {
    await judge.close();
    tmp.cleanup();
  });

  it("keeps the verdicts it journaled: the next build sends only the answers still without one", async () => {
    const spec = judged(judge.url, judge.model, {
      judge: { server: { url: judge.url, model: judge.model }, rubric: RUBRIC, scale: "1-5", concurrency: 1 },
    });
    const a = await loadSpec(tmp.dir, "alpha", spec);
    for (const entry of planExperiments([a], root, () => {}).filter(needsRun))
      await runExperiment(entry.experiment, { resultsRoot: root, ...QUIET });
    const stop = new AbortController();
    const stopping = assessQuality([a], { resultsRoot: root, ...QUIET, signal: stop.signal });
    while ((await served(judge)) < 3) await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    await stopping;
    const answeredBeforeStop = await served(judge);
    const [stopped] = listRuns(join(root, ".judge"), () => {});
    expect(stopped!.manifest.status).not.toBe("complete");

    const { ran, report } = await build(root, [a]);
    expect(ran).toEqual([]);
    const [keys] = await query<{ n: bigint; judged: bigint }>(
      `SELECT count(DISTINCT judge_key) n, count(*) FILTER (judge_status = 'judged') judged
       FROM '${join(runOf(root, "alpha").path, "quality.parquet")}'`,
    );
    // Every distinct answer is judged once over the two builds: none of the stopped run's verdicts is asked again.
    expect(answeredBeforeStop).toBeLessThan(Number(keys!.n));
    expect(report.judgeRequests).toBe(Number(keys!.n) - answeredBeforeStop);
    expect(await served(judge)).toBe(Number(keys!.n));
    expect(Number(keys!.judged)).toBe(runOf(root, "alpha").manifest.counts.ok);
  });
});
