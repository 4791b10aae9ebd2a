// Judging as runs of their own. The judge's requests go through the same runner as an
// experiment's (run/runner.ts): journaled, retried, stopped by Ctrl-C, with a manifest of their
// own (the judge block: what was judged, the judge's model, rubric hash, scale and answer limit;
// the server and its facts as for any run). They are stored apart from the experiments' runs, in
// `results/.judge/<experiment>/<run>/` (a hidden folder: the site and `tracker list` do not
// count a judge run as a run of the experiment).
//
// Every judge request is one rendered judge prompt (judge/rubric.ts), identified by its verdict
// key: a hash of the judge model, its answer limit and the whole prompt (rubric, prompt, answer,
// expected answer). The verdicts of every judge run of an experiment are its cache: an answer
// whose key has a verdict that parses is never sent again, so a rebuild sends no judge request
// that was answered before, and a changed rubric (a new prompt, so new keys) re-judges. A request
// that failed or answered something that does not parse is no verdict: it is sent again on the
// next build. A judge run stopped early is not resumed as such: its journaled verdicts count, and
// the next judge run sends only what is missing.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { hashJson, sha256 } from "../experiment/hash.ts";
import type { LoadedExperiment } from "../experiment/load.ts";
import type { Experiment, JudgeSpec } from "../experiment/schema.ts";
import { createProgress, type Progress } from "../run/progress.ts";
import { runExperiment } from "../run/runner.ts";
import { declaredServer } from "../server/kinds.ts";
import { readRowBatches } from "../store/columns.ts";
import { listRuns, type RunFolder } from "../store/folders.ts";
import { readJournal } from "../store/journal.ts";
import { JOURNAL_FILE } from "../store/layout.ts";
import type { LinesFile, VerdictLine } from "../store/quality.ts";
import type { JudgeIdentity } from "../store/schemas/quality.ts";
import type { Manifest } from "../store/schemas/manifest.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";
import { parsePairwiseVerdict, parseVerdict, type JudgeScale } from "./verdict.ts";

/** The folder of the judge runs, inside the results folder. */
export const JUDGE_FOLDER = ".judge";
/** A judge answer's default token limit: a verdict and one sentence, or a short thought first. */
export const JUDGE_MAX_TOKENS = 512;
/** Judge requests in flight by default. */
export const JUDGE_CONCURRENCY = 8;

export type JudgeKind = "single" | "pairwise";

export const judgeRoot = (resultsRoot: string): string => join(resultsRoot, JUDGE_FOLDER);

/** What the verdicts of `judge` are cached under besides each prompt: model, rubric, scale, answer limit. */
export function judgeIdentity(judge: JudgeSpec, kind: JudgeKind): JudgeIdentity {
  const rubric = kind === "single" ? judge.rubric : judge.pairwise!.rubric;
  return {
    model: declaredServer(judge.server).model,
    rubric_hash: sha256(rubric),
    scale: kind === "single" ? judge.scale : "pairwise",
    max_tokens: judge.maxTokens ?? JUDGE_MAX_TOKENS,
  };
}

/** The verdict key of one judge prompt. */
export function verdictKey(identity: JudgeIdentity, content: string): string {
  return hashJson({ ...identity, content }).slice(0, 32);
}

/** An answer as the judge sees it: without a leading think block (the judge grades what the model concluded). */
export function withoutThinking(answer: string): string {
  return answer.replace(/^\s*<think>[\s\S]*?<\/think>/, "").trim();
}

export interface JudgePrompt {
  key: string;
  content: string;
}

export interface JudgeRunOptions {
  resultsRoot: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  progress?: (label: string, total: number) => Progress;
}

/**
 * Sends `prompts` to the experiment's judge as one judge run; returns its manifest (status failed
 * with the reason when the judge server cannot be reached).
 */
export async function runJudge(
  experiment: LoadedExperiment,
  kind: JudgeKind,
  judged: { experiment_id: string; run_id: string }[],
  prompts: JudgePrompt[],
  opts: JudgeRunOptions,
): Promise<Manifest> {
  const judge = experiment.spec.quality!.judge!;
  const identity = judgeIdentity(judge, kind);
  const spec: Experiment = {
    title: `${kind === "single" ? "Judge" : "Pairwise judge"} of ${experiment.id}${experiment.cell ? ` [${experiment.cell.key}]` : ""}`,
    notes: "",
    server: judge.server,
    workload: {
      prompts: { inline: prompts.map((p) => ({ id: p.key, prompt: p.content })) },
      api: "chat",
      stream: true,
      maxTokens: identity.max_tokens,
      temperature: 0,
      seed: experiment.spec.workload.seed,
      structuredOutput: false,
    },
    requests: prompts.length,
    load: { concurrency: judge.concurrency ?? JUDGE_CONCURRENCY },
    // A judge that went away is waited for briefly: its answers are judged on the next build.
    retry: { attempts: 3, serverGoneS: 30 },
    timeouts: { requestS: 600 },
  };
  const promptHash = hashJson(prompts.map((p) => p.key));
  const resolvedSpec = {
    kind,
    judged,
    ...identity,
    server: judge.server,
    load: spec.load,
    retry: spec.retry,
    promptHash,
  };
  const judgeExperiment: LoadedExperiment = {
    id: experiment.id,
    file: experiment.file,
    spec,
    prompts: prompts.map((p) => ({ id: p.key, messages: [{ role: "user", content: p.content }], text: p.content })),
    promptHash,
    specHash: hashJson(resolvedSpec),
    scoringHash: "",
    scoringSpec: null,
    resolvedSpec,
    answerJsonSchema: null,
    cell: null,
  };
  const log = opts.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const progress = opts.progress ?? ((label, total) => createProgress({ label, total }));
  const result = await runExperiment(judgeExperiment, {
    resultsRoot: judgeRoot(opts.resultsRoot),
    rerun: true,
    signal: opts.signal,
    log: (line) => log(`judge ${line}`),
    progress: (label, total) => progress(`judge ${label}`, total),
    manifestExtra: { judge: { kind, judged, ...identity } },
  });
  return result.manifest;
}

/** The judge runs of an experiment by this judge (same identity and kind), oldest first. */
export function judgeRuns(resultsRoot: string, experimentId: string, identity: JudgeIdentity): RunFolder[] {
  return listRuns(judgeRoot(resultsRoot), () => {}).filter((r) => {
    const j = r.manifest.judge;
    return (
      r.experimentId === experimentId &&
      j !== undefined &&
      j.model === identity.model &&
      j.rubric_hash === identity.rubric_hash &&
      j.scale === identity.scale &&
      j.max_tokens === identity.max_tokens
    );
  });
}

type JudgeRow = Pick<RequestRow, "prompt_id" | "status" | "answer" | "error_class" | "error_message">;
const JUDGE_COLUMNS = ["prompt_id", "status", "answer", "error_class", "error_message"] as const;

/** A judge request's row as a verdict line: the parsed verdict, or why there is none. */
function verdictOf(row: JudgeRow, scale: string, seq: number): VerdictLine {
  const none = { key: row.prompt_id, pass: null, score: null, winner: null, reason: null, seq };
  if (row.status !== "ok") {
    const message = row.error_message ? `: ${row.error_message.slice(0, 200)}` : "";
    return { ...none, ok: false, error: `the judge request failed (${row.error_class ?? "error"})${message}` };
  }
  if (scale === "pairwise") {
    const parsed = parsePairwiseVerdict(row.answer);
    if (!parsed.ok) return { ...none, ok: false, error: parsed.error };
    return { ...none, ok: true, winner: parsed.verdict.winner, reason: parsed.verdict.reason, error: null };
  }
  const parsed = parseVerdict(scale as JudgeScale, row.answer);
  if (!parsed.ok) return { ...none, ok: false, error: parsed.error };
  const { pass, score, reason } = parsed.verdict;
  return { ...none, ok: true, pass, score, reason, error: null };
}

export interface Verdicts {
  /** Keys with a verdict that parsed. */
  ok: Set<string>;
  /** The judge runs read. */
  runs: string[];
  /** Why the latest judge run read failed or stopped (null when it completed). */
  failure: string | null;
}

/**
 * Reads the verdicts of `runs` (a finished run's requests.parquet, else the journal of one that
 * stopped) into `into`, a batch at a time; returns the keys that have a verdict.
 */
export async function readVerdicts(runs: RunFolder[], scale: string, into: LinesFile): Promise<Verdicts> {
  const ok = new Set<string>();
  let seq = into.rows;
  const add = (rows: JudgeRow[]) => {
    const lines = rows.map((row) => verdictOf(row, scale, seq++));
    for (const line of lines) if (line.ok) ok.add(line.key);
    into.append(lines);
  };
  for (const run of runs) {
    if (run.requestsPath) {
      for await (const batch of readRowBatches(run.requestsPath, JUDGE_COLUMNS, 5_000)) add(batch);
    } else if (existsSync(join(run.path, JOURNAL_FILE))) {
      let batch: JudgeRow[] = [];
      readJournal(join(run.path, JOURNAL_FILE), (row) => {
        batch.push(row);
        if (batch.length >= 5_000) add(batch.splice(0));
      });
      add(batch);
      batch = [];
    }
  }
  const last = runs.at(-1)?.manifest;
  const failure = !last || last.status === "complete" ? null : (last.reason ?? `the judge run is ${last.status}`);
  return { ok, runs: runs.map((r) => r.runId), failure };
}
